package ai.actnn.internal;

import ai.djl.BaseModel;
import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.TrainingConfig;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;

import java.lang.reflect.Field;
import java.util.function.Predicate;

/**
 * What DJL's {@code Model.newTrainer} does before it creates a trainer, for trainers that are
 * created directly (as ActNN's are): the training configuration's initializers are set on the
 * block, and a model loaded from files has its parameters unfrozen for training (running
 * statistics excepted), as DJL 0.35.1's PyTorch model does.
 */
public final class TrainerPreparation {

    private TrainerPreparation() {}

    /**
     * Prepares a model's block for a new trainer.
     *
     * @param model the model
     * @param config the training configuration
     * @throws IllegalStateException if the model has no block
     */
    public static void prepare(Model model, TrainingConfig config) {
        Block block = model.getBlock();
        if (block == null) {
            throw new IllegalStateException("You must set a block for the model before creating a new trainer");
        }
        if (wasLoaded(model)) {
            block.freezeParameters(
                    false,
                    p -> p.getType() != Parameter.Type.RUNNING_MEAN && p.getType() != Parameter.Type.RUNNING_VAR);
        }
        for (Pair<Initializer, Predicate<Parameter>> pair : config.getInitializers()) {
            if (pair.getKey() != null && pair.getValue() != null) {
                block.setInitializer(pair.getKey(), pair.getValue());
            }
        }
    }

    private static boolean wasLoaded(Model model) {
        if (!(model instanceof BaseModel)) {
            return false;
        }
        try {
            Field f = BaseModel.class.getDeclaredField("wasLoaded");
            f.setAccessible(true);
            return f.getBoolean(model);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read whether the model was loaded (ActNN needs DJL 0.35.1)", e);
        }
    }
}
