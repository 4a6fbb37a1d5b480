package ai.actnn.distributed;

import ai.actnn.training.ActNNTrainer;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;

/**
 * Data-parallel training with ActNN in a few calls: attach a trainer to the processes of a
 * {@link ProcessGroup}, shard the data with a {@link DistributedSampler}, and keep logging and
 * checkpoints on rank 0.
 *
 * <pre>{@code
 * try (ProcessGroup group = ProcessGroup.fromEnvironment()) {   // bin/actnn launch sets it
 *     Model model = Model.newInstance("net");
 *     model.setBlock(QModule.convert(net, actnnConfig));       // optSyncBatchNorm(true): QSyncBatchNorm
 *     DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
 *             .addTrainingListeners(DistributedTraining.onMainRank(group, TrainingListener.Defaults.logging()));
 *     ActNNTrainer trainer = ActNN.newTrainer(model, config, actnnConfig);
 *     DistributedTraining.attach(trainer, group);
 *     EasyTrain.fit(trainer, epochs, dataset, null);            // unchanged
 *     if (group.isMain()) model.save(dir, "net");
 * }
 * }</pre>
 */
public final class DistributedTraining {

    private DistributedTraining() {}

    /**
     * Makes a trainer one replica of the group's job: parameters start from rank 0's, gradients
     * are averaged over the processes at each step, {@code QSyncBatchNorm} sums over them. Every
     * process must call it at the same point, before its first step.
     *
     * @param trainer the trainer
     * @param group the processes
     * @return the replica group (closed with the process group)
     */
    public static DistributedReplicas attach(ActNNTrainer trainer, ProcessGroup group) {
        if (trainer == null) {
            throw new IllegalArgumentException("the trainer must not be null");
        }
        DistributedReplicas replicas = DistributedReplicas.create(group);
        trainer.setReplicaGroup(replicas);
        return replicas;
    }

    /**
     * Returns a listener that acts on rank 0 only (logging, checkpoints, progress bars): the
     * other ranks train the same model.
     *
     * @param group the processes
     * @param listener the listener
     * @return the listener of rank 0, a listener that does nothing elsewhere
     */
    public static TrainingListener onMainRank(ProcessGroup group, TrainingListener listener) {
        return onMainRank(group.rank(), listener);
    }

    /**
     * Returns a listener that acts on rank 0 only.
     *
     * @param rank this process's rank
     * @param listener the listener
     * @return the listener of rank 0, a listener that does nothing elsewhere
     */
    public static TrainingListener onMainRank(int rank, TrainingListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("the listener must not be null");
        }
        if (rank == 0) {
            return listener;
        }
        return new TrainingListener() {
            @Override
            public void onEpoch(Trainer trainer) {}

            @Override
            public void onTrainingBatch(Trainer trainer, BatchData batchData) {}

            @Override
            public void onValidationBatch(Trainer trainer, BatchData batchData) {}

            @Override
            public void onTrainingBegin(Trainer trainer) {}

            @Override
            public void onTrainingEnd(Trainer trainer) {}
        };
    }
}
