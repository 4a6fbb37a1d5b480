package ai.actnn.internal;

import ai.djl.engine.Engine;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads configuration that DJL's blocks keep in private fields without getters (BatchNorm's
 * axis, epsilon and momentum, Dropout's rate, ParallelBlock's join, the arguments captured by
 * {@code Pool.*Block()} lambdas). Q-layers need these values to compute their backward.
 *
 * <p>Every read fails with an {@link IllegalStateException} that names the block, the field and
 * the DJL version, so that an incompatible DJL release is reported clearly instead of producing
 * wrong gradients.
 */
public final class BlockIntrospection {

    private BlockIntrospection() {}

    /**
     * Reads a field declared by {@code owner} (or one of its superclasses) of {@code target}.
     *
     * @param target the object
     * @param owner the class that declares the field
     * @param name the field name
     * @param type the expected type
     * @param <T> the type
     * @return the value
     * @throws IllegalStateException if the field is missing or of another type
     */
    public static <T> T read(Object target, Class<?> owner, String name, Class<T> type) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            Object value = f.get(target);
            if (type.isPrimitive()) {
                @SuppressWarnings("unchecked")
                T boxed = (T) value;
                return boxed;
            }
            return type.cast(value);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot read "
                            + owner.getSimpleName()
                            + "."
                            + name
                            + " of "
                            + target.getClass().getName()
                            + " (ActNN was built against DJL 0.35.1; running "
                            + djlVersion()
                            + ")",
                    e);
        }
    }

    /**
     * Returns the values captured by a lambda, in declaration order of its synthetic fields.
     *
     * @param lambda a lambda or method reference object
     * @return the captured values (empty for a non-capturing lambda)
     */
    public static List<Object> capturedValues(Object lambda) {
        List<Object> values = new ArrayList<>();
        for (Field f : lambda.getClass().getDeclaredFields()) {
            if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            try {
                f.setAccessible(true);
                values.add(f.get(lambda));
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException(
                        "cannot read the captured values of " + lambda.getClass().getName(), e);
            }
        }
        return values;
    }

    private static String djlVersion() {
        try {
            return "DJL " + Engine.getDjlVersion();
        } catch (RuntimeException e) {
            return "an unknown DJL version";
        }
    }
}
