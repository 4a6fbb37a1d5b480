package ai.actnn.training;

import ai.djl.Device;
import ai.djl.nn.Parameter;
import ai.djl.training.TrainingConfig;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Predicate;

/**
 * A training config as DJL's trainer sees it inside an {@link ActNNTrainer}: the same, with each
 * device listed once. DJL keeps one parameter copy per device and refuses a device listed twice;
 * the ActNN trainer splits batches over the full list, so splits on the same device share its
 * copy.
 */
final class UniqueDevicesConfig implements TrainingConfig {

    private final TrainingConfig config;
    private final Device[] unique;

    private UniqueDevicesConfig(TrainingConfig config, Device[] unique) {
        this.config = config;
        this.unique = unique;
    }

    /** Returns the config itself if no device repeats, else the view with each device once. */
    static TrainingConfig of(TrainingConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("the training config must not be null");
        }
        Device[] devices = config.getDevices();
        if (devices == null || devices.length == 0) {
            throw new IllegalArgumentException("the training config lists no device");
        }
        Device[] unique = unique(devices);
        return unique.length == devices.length ? config : new UniqueDevicesConfig(config, unique);
    }

    /** The devices in first-appearance order, each once. */
    static Device[] unique(Device[] devices) {
        return new LinkedHashSet<>(Arrays.asList(devices)).toArray(new Device[0]);
    }

    @Override
    public Device[] getDevices() {
        return unique.clone();
    }

    @Override
    public PairList<Initializer, Predicate<Parameter>> getInitializers() {
        return config.getInitializers();
    }

    @Override
    public Optimizer getOptimizer() {
        return config.getOptimizer();
    }

    @Override
    public Loss getLossFunction() {
        return config.getLossFunction();
    }

    @Override
    public ExecutorService getExecutorService() {
        return config.getExecutorService();
    }

    @Override
    public List<Evaluator> getEvaluators() {
        return new ArrayList<>(config.getEvaluators());
    }

    @Override
    public List<TrainingListener> getTrainingListeners() {
        return config.getTrainingListeners();
    }
}
