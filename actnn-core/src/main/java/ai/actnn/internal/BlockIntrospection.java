package ai.actnn.internal;

import ai.djl.engine.Engine;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    /**
     * Returns a copy of a composite block whose children are replaced: the copy's child list and
     * every field of the copy that referred to a child (directly, or as an element of a list)
     * refer to the child's replacement; every other field is shared with the original, its
     * parameters too. The original is left unchanged.
     *
     * @param block the composite block
     * @param replacements from each child to its replacement
     * @return the copy, or empty when a field cannot hold its child's replacement (its type is a
     *     concrete class the replacement is not) or the block cannot be copied
     */
    public static Optional<Block> rebuild(AbstractBlock block, Map<Block, Block> replacements) {
        try {
            Object copy = unsafe().allocateInstance(block.getClass());
            for (Class<?> c = block.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers())) {
                        continue;
                    }
                    f.setAccessible(true);
                    Object value = f.get(block);
                    Object replaced = replace(value, replacements);
                    if (replaced != null && !f.getType().isPrimitive() && !f.getType().isInstance(replaced)) {
                        return Optional.empty();
                    }
                    f.set(copy, replaced);
                }
            }
            return Optional.of((Block) copy);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The value of a field in the copy: children replaced, containers of children copied. */
    private static Object replace(Object value, Map<Block, Block> replacements) {
        if (value instanceof Block && replacements.containsKey(value)) {
            return replacements.get(value);
        }
        if (value instanceof BlockList children) {
            BlockList copy = new BlockList(children.size());
            for (int i = 0; i < children.size(); i++) {
                Block child = children.valueAt(i);
                copy.add(children.keyAt(i), replacements.getOrDefault(child, child));
            }
            return copy;
        }
        if (value instanceof List<?> list && list.stream().anyMatch(replacements::containsKey)) {
            List<Object> copy = new ArrayList<>(list.size());
            for (Object o : list) {
                copy.add(o instanceof Block && replacements.containsKey(o) ? replacements.get(o) : o);
            }
            return copy;
        }
        if (value instanceof LinkedHashMap<?, ?> map) {
            // AbstractBlock's parameter table: the copy's own table of the same parameters.
            return new LinkedHashMap<>(map);
        }
        return value;
    }

    private static sun.misc.Unsafe unsafe() throws ReflectiveOperationException {
        Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        return (sun.misc.Unsafe) f.get(null);
    }
}
