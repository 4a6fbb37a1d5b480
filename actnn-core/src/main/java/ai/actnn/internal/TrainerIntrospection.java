package ai.actnn.internal;

import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;

import java.lang.reflect.Field;

/**
 * Reads the parameter store of a DJL trainer, which DJL 0.35.1 keeps private: it holds the copy
 * of each parameter on each training device, whose gradients data-parallel training sums.
 */
public final class TrainerIntrospection {

    private TrainerIntrospection() {}

    /**
     * Returns the trainer's parameter store.
     *
     * @param trainer the trainer
     * @return its parameter store
     * @throws IllegalStateException if DJL's trainer has no such field (another DJL version)
     */
    public static ParameterStore parameterStore(Trainer trainer) {
        try {
            Field f = Trainer.class.getDeclaredField("parameterStore");
            f.setAccessible(true);
            return (ParameterStore) f.get(trainer);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot read the parameter store of DJL's Trainer (ActNN needs DJL "
                            + DjlCompatibility.DJL_VERSION + ")",
                    e);
        }
    }
}
