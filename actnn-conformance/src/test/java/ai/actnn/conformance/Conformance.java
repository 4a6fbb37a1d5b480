package ai.actnn.conformance;

import ai.actnn.conformance.logging.LogRecorder;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.slf4j.event.Level;

/**
 * Runs one case: the same block and parameters trained one step with plain DJL, converted at L0
 * and converted at L3, and compares outputs, parameter gradients (and input gradients where the
 * case asks) and what the engine kept.
 *
 * <p>The loss is {@code sum_j sum(output_j * r_j)} with fixed random {@code r_j}, so every output
 * gets a dense, random gradient whatever its values. No parameter update is made between steps:
 * all runs see the same parameters.
 *
 * <h2>Criteria</h2>
 *
 * <ul>
 *   <li><b>L0 exact:</b> every output and every gradient tensor within {@link #L0_TOLERANCE}
 *       relative error ({@code ||a-b|| / max(||b||, floor)}, floor = 1e-3 of the largest exact
 *       gradient's norm, so that a gradient that is zero in theory, such as a bias followed by
 *       batch normalisation, is judged on the scale of the others).
 *   <li><b>L3 finite and close:</b> every output and gradient finite; outputs exact (compression
 *       changes the backward only); the gradient averaged over {@link #L3_RUNS} L3 steps (4 for
 *       architectures; each step draws new stochastic roundings) within a global relative error
 *       {@code ||mean(g3) - g|| / ||g||} below {@link #L3_BOUND} = 1. Why this bound: ActNN's
 *       compression is built to be unbiased (stochastic rounding), so what training needs is
 *       that the expected compressed gradient points downhill; {@code ||E g3 - g|| < ||g||}
 *       implies {@code <E g3, g> > ||E g3||^2 / 2 > 0}, a descent direction of the exact loss.
 *       The mean of K steps estimates {@code E g3} with the noise shrunk by sqrt(K), so a bias
 *       (a wrong backward, a discontinuous function recomputed on quantized inputs) fails while
 *       2-bit noise passes. A single step is not bounded: 2-bit rounding errors reach a third of
 *       a group's range, as large as the activation itself, and a single-step error above 1 is
 *       normal for attention and products of two quantized tensors (the table shows both).
 *   <li><b>L3 differs:</b> a case that quantizes something (LOSSY) must not give gradients
 *       identical to the exact ones (relative error above {@link #L3_MIN_DIFFERENCE}): identical
 *       gradients mean nothing was compressed. A LOSSLESS case must stay exact.
 *   <li><b>L3 compressed:</b> the engine's count of kept bytes at L3 at most a quarter of L0's,
 *       and L0 keeps something (a converted model that keeps nothing trained uncompressed).
 *       Generic fallbacks ({@code QGeneric}) are held to the same bound: they keep their inputs
 *       at the level's bits, as a Q-layer keeps its input (0.068 to 0.08 of L0 for the cases
 *       that are nothing but a fallback), so a fallback never explains a case above a quarter.
 *       Cases whose activations are too small for the bound say so ({@link Case.Expect#LOSSY_TINY}).
 *   <li><b>Fallbacks announced:</b> every generic fallback in a conversion was announced by a WARN
 *       line naming the block.
 *   <li><b>A meaningful reference:</b> plain DJL's own outputs and gradients are finite (deep
 *       batch-normalised networks at batch 2 and 1x1 maps are not: see {@link Architectures}).
 * </ul>
 *
 * <p>L3 is measured on the second L3 step: the first one, before any gradient statistics exist,
 * uses ActNN's initial 8 bits.
 */
public final class Conformance {

    /** Relative error allowed at L0 (plain DJL vs converted, both fp32). */
    public static final double L0_TOLERANCE = 1e-4;
    /** Global relative gradient error allowed at L3 (descent direction, see above). */
    public static final double L3_BOUND = 1.0;
    /** Below this, L3 gradients count as identical to exact ones. */
    public static final double L3_MIN_DIFFERENCE = 1e-6;
    /** L3 steps averaged for the closeness criterion (block families). */
    public static final int L3_RUNS = 8;
    /** L3 steps averaged for the closeness criterion (architectures). */
    public static final int L3_RUNS_ARCHITECTURE = 4;
    /** Seed of inputs, loss weights and PyTorch's generator. */
    public static final long SEED = 20240515L;

    private Conformance() {}

    /** What one run of a case measured. */
    public record Measurement(
            String became,
            boolean hasFallback,
            Boolean fallbackWarned,
            double l0Error,
            String l0Worst,
            double l3Error,
            double l3MeanError,
            int l3Runs,
            double l3OutputError,
            long l0Bytes,
            long l3Bytes,
            long l3Ops,
            List<String> violations,
            Throwable error,
            double seconds) {

        Measurement withSeconds(double s) {
            return new Measurement(became, hasFallback, fallbackWarned, l0Error, l0Worst, l3Error, l3MeanError, l3Runs,
                    l3OutputError, l0Bytes, l3Bytes, l3Ops, violations, error, s);
        }

        /**
         * Returns the L3/L0 ratio of kept bytes.
         *
         * @return the ratio, NaN when L0 kept nothing
         */
        public double bytesRatio() {
            return l0Bytes > 0 ? (double) l3Bytes / l0Bytes : Double.NaN;
        }

        /**
         * Whether the case conforms.
         *
         * @return whether nothing was violated
         */
        public boolean passed() {
            return violations.isEmpty();
        }
    }

    /** Outputs and gradients of one step. */
    private record Step(List<NDArray> outputs, List<NDArray> gradients) {
        void close() {
            outputs.forEach(NDArray::close);
            gradients.forEach(NDArray::close);
        }
    }

    /** Xavier for weights of rank 2 or more, N(0, 0.25) below (DJL's Xavier rejects PReLU's scalar alpha). */
    private static final class WeightInitializer implements ai.djl.training.initializer.Initializer {
        private final ai.djl.training.initializer.Initializer xavier = new ai.djl.training.initializer.XavierInitializer();

        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            if (shape.dimension() >= 2) {
                return xavier.initialize(manager, shape, dataType);
            }
            return manager.randomNormal(0f, 0.25f, shape, dataType);
        }
    }

    /**
     * Measures a case and records it in the table.
     *
     * @param c the case
     * @return the measurement
     */
    public static Measurement measure(Case c) {
        Measurement m = measureQuietly(c);
        ConformanceTable.record(c, m);
        return m;
    }

    /**
     * Measures a case without recording it in the table.
     *
     * @param c the case
     * @return the measurement
     */
    public static Measurement measureQuietly(Case c) {
        long start = System.nanoTime();
        Measurement m = run(c);
        return m.withSeconds((System.nanoTime() - start) / 1e9);
    }

    /**
     * Measures a case and fails with every violated criterion (the crash as cause, if any).
     *
     * @param c the case
     */
    public static void assertConforms(Case c) {
        Measurement m = measure(c);
        if (!m.passed()) {
            StringBuilder sb = new StringBuilder(c.name()).append(" (became ").append(m.became()).append("):");
            for (String v : m.violations()) {
                sb.append("\n  - ").append(v);
            }
            throw new org.opentest4j.AssertionFailedError(sb.toString(), m.error());
        }
    }

    private static Measurement run(Case c) {
        int mark = LogRecorder.mark();
        String became = "?";
        boolean hasFallback = false;
        double l0 = Double.NaN;
        String l0Worst = "";
        double l3 = Double.NaN;
        double l3Mean = Double.NaN;
        String l3Worst = "";
        double l3Out = Double.NaN;
        long l0Bytes = -1;
        long l3Bytes = -1;
        long l3Ops = -1;
        List<String> violations = new ArrayList<>();
        Throwable error = null;
        String stage = "building";
        Map<String, Integer> names = Map.of();
        int runs = c.expect() == Case.Expect.COMPOSED ? 1 : c.section().equals(Architectures.SECTION) ? L3_RUNS_ARCHITECTURE : L3_RUNS;
        runs = Integer.getInteger("conformance.l3runs", runs);
        try (NDManager base = NDManager.newBaseManager()) {
            Block plain = c.block().get();
            Block twin = c.block().get();
            zeroDropout(plain);
            zeroDropout(twin);
            List<String> paramNames = new ArrayList<>();
            List<Parameter> plainParams = trainable(plain, paramNames);
            List<Parameter> twinParams = trainable(twin, null);
            stage = "converting";
            Block converted = ActNNAdapter.convert(twin);
            if (c.convertedReference()) {
                plain = ActNNAdapter.convert(plain);
            }
            names = ActNNAdapter.qLayerNames(converted);
            became = describe(names);
            hasFallback = names.keySet().stream().anyMatch(ActNNAdapter::isFallback);
            Shape[] shapes = c.inputs().shapes();
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.l2Loss()).optInitializer(new WeightInitializer(), Parameter.Type.WEIGHT);
            try (Model plainModel = Model.newInstance("plain");
                    Model qModel = Model.newInstance("converted")) {
                plainModel.setBlock(plain);
                qModel.setBlock(converted);
                try (Trainer tp = plainModel.newTrainer(config);
                        Trainer t0 = ActNNAdapter.newTrainer(qModel, config, "L0", SEED);
                        Trainer t3 = ActNNAdapter.newTrainer(qModel, config, "L3", SEED)) {
                    stage = "initializing";
                    tp.initialize(shapes);
                    t0.initialize(shapes);
                    copyParameters(plainParams, twinParams);
                    NDList data = c.inputs().create(base, SEED);

                    stage = "plain DJL step";
                    Step exact = step(tp, plainParams, data, c, base);
                    if (!finite(exact.outputs()) || !finite(exact.gradients())) {
                        violations.add("plain DJL's own outputs or gradients are not finite: the configuration is degenerate");
                    }
                    List<String> gradNames = new ArrayList<>(paramNames);
                    for (int i = paramNames.size(); i < exact.gradients().size(); i++) {
                        gradNames.add("input " + (i - paramNames.size()));
                    }
                    Step atL0;
                    stage = "L0 step";
                    try {
                        atL0 = step(t0, twinParams, data, c, base);
                    } finally {
                        l0Bytes = ActNNAdapter.savedBytes(t0);
                    }
                    compareShapes(exact, atL0, violations, "L0");
                    double floor = 1e-3 * maxNorm(exact.gradients());
                    l0 = 0;
                    for (int j = 0; j < exact.outputs().size(); j++) {
                        double e = relative(atL0.outputs().get(j), exact.outputs().get(j), 1e-12);
                        if (Boolean.getBoolean("conformance.verbose")) {
                            System.err.printf(Locale.ROOT, "L0 output %d %s %.3g%n", j, exact.outputs().get(j).getShape(), e);
                        }
                        if (!(e <= l0)) {
                            l0 = e;
                            l0Worst = "output " + j;
                        }
                    }
                    for (int k = 0; k < exact.gradients().size(); k++) {
                        double e = relative(atL0.gradients().get(k), exact.gradients().get(k), floor);
                        if (Boolean.getBoolean("conformance.verbose")) {
                            System.err.printf(Locale.ROOT, "L0 %-70s %.3g (norm %.3g)%n", gradNames.get(k), e, norm(exact.gradients().get(k)));
                        }
                        if (!(e <= l0)) {
                            l0 = e;
                            l0Worst = "gradient of " + gradNames.get(k);
                        }
                    }
                    if (!(l0 < L0_TOLERANCE)) {
                        violations.add(String.format(Locale.ROOT, "L0 differs from plain DJL: relative error %.3g (worst: %s)", l0, l0Worst));
                    }

                    stage = "L3 warm-up step";
                    step(t3, twinParams, data, c, base); // ActNN's initial 8 bits
                    stage = "L3 step";
                    List<NDArray> sum = null;
                    Step atL3 = null;
                    for (int r = 0; r < runs; r++) {
                        Step s = step(t3, twinParams, data, c, base);
                        if (Boolean.getBoolean("conformance.verbose")) {
                            System.err.printf(Locale.ROOT, "L3 run %d: global relative error %.3g, kept %d B%n", r,
                                    global(s.gradients(), exact.gradients()), ActNNAdapter.savedBytes(t3));
                        }
                        if (r == 0) {
                            atL3 = s;
                            l3Bytes = ActNNAdapter.savedBytes(t3);
                            l3Ops = ActNNAdapter.recordedOps(t3);
                            sum = new ArrayList<>();
                            for (NDArray g : s.gradients()) {
                                sum.add(g.duplicate());
                            }
                        } else {
                            for (int k = 0; k < sum.size(); k++) {
                                sum.get(k).addi(s.gradients().get(k));
                            }
                            if (!finite(s.gradients())) {
                                violations.add("L3 gradients not finite in run " + r);
                            }
                            s.close();
                        }
                    }
                    for (NDArray g : sum) {
                        g.divi(runs);
                    }
                    compareShapes(exact, atL3, violations, "L3");
                    if (!finite(atL3.outputs()) || !finite(atL3.gradients())) {
                        violations.add("L3 training is not finite (NaN or infinite outputs or gradients)");
                    }
                    l3Out = 0;
                    for (int j = 0; j < exact.outputs().size(); j++) {
                        l3Out = Math.max(l3Out, relative(atL3.outputs().get(j), exact.outputs().get(j), 1e-12));
                    }
                    if (!(l3Out < L0_TOLERANCE)) {
                        violations.add(String.format(Locale.ROOT, "L3 forward differs from plain DJL: relative error %.3g", l3Out));
                    }
                    l3 = global(atL3.gradients(), exact.gradients());
                    l3Mean = global(sum, exact.gradients());
                    double worst = -1;
                    for (int k = 0; k < sum.size(); k++) {
                        double e = relative(sum.get(k), exact.gradients().get(k), floor);
                        if (e > worst) {
                            worst = e;
                            l3Worst = String.format(Locale.ROOT, "%s %.3g", gradNames.get(k), e);
                        }
                    }
                    stage = "checking";
                    checkL3(c, l3, l3Mean, runs, l3Worst, l0Bytes, l3Bytes, l3Ops, violations);
                }
            }
        } catch (Throwable t) {
            error = t;
            violations.add("crashed in the " + stage + ": " + t + where(t));
        }
        Boolean warned = hasFallback ? warnedAbout(names, LogRecorder.since(mark)) : null;
        if (Boolean.FALSE.equals(warned)) {
            violations.add("a generic fallback was not announced by a WARN naming the block");
        }
        return new Measurement(became, hasFallback, warned, l0, l0Worst, l3, l3Mean, runs, l3Out, l0Bytes, l3Bytes, l3Ops, violations, error, 0);
    }

    /** The first ActNN frame of a crash (or the first frame), for the table. */
    private static String where(Throwable t) {
        Throwable root = t;
        for (StackTraceElement e : root.getStackTrace()) {
            if (e.getClassName().startsWith("ai.actnn.") && !e.getClassName().startsWith("ai.actnn.conformance")) {
                return " at " + e.getClassName().substring(e.getClassName().lastIndexOf('.') + 1) + "." + e.getMethodName() + ":" + e.getLineNumber();
            }
        }
        StackTraceElement[] st = root.getStackTrace();
        return st.length > 0 ? " at " + st[0] : "";
    }

    private static void checkL3(
            Case c, double l3, double l3Mean, int runs, String l3Worst, long l0Bytes, long l3Bytes, long l3Ops, List<String> violations) {
        switch (c.expect()) {
            case LOSSY:
            case LOSSY_TINY:
                if (!(l3Mean < L3_BOUND)) {
                    violations.add(String.format(Locale.ROOT,
                            "L3 gradients not close to exact: the mean of %d L3 steps has global relative error %.3g >= %.1f (one step %.3g; worst tensor: %s)",
                            runs, l3Mean, L3_BOUND, l3, l3Worst));
                }
                if (!(l3 > L3_MIN_DIFFERENCE)) {
                    violations.add(String.format(Locale.ROOT, "L3 gradients identical to exact ones (relative error %.3g): nothing was compressed", l3));
                }
                break;
            case LOSSLESS:
            case NOTHING:
                if (!(l3 < L0_TOLERANCE)) {
                    violations.add(String.format(Locale.ROOT, "L3 should be exact (only masks, offsets or shapes are needed): relative error %.3g (worst tensor: %s)", l3, l3Worst));
                }
                break;
            default:
                break;
        }
        if (l3Ops <= 0) {
            violations.add("the converted block recorded no compressed op at L3: it trained uncompressed");
        }
        switch (c.expect()) {
            case NOTHING:
                if (l0Bytes != 0 || l3Bytes != 0) {
                    violations.add("should keep nothing: L0 " + l0Bytes + " B, L3 " + l3Bytes + " B");
                }
                return;
            case LOSSLESS:
                if (l0Bytes <= 0) {
                    violations.add("the engine counted nothing kept at L0 (" + l0Bytes + " B) although the backward needs a mask or offsets");
                } else if (l3Bytes > l0Bytes) {
                    violations.add("L3 kept " + l3Bytes + " B, more than L0's " + l0Bytes + " B");
                }
                return;
            default:
                break;
        }
        if (l0Bytes <= 0) {
            violations.add("the engine kept nothing at L0 (" + l0Bytes + " B): the converted block trained outside the engine");
        } else if (c.expect() == Case.Expect.LOSSY_TINY || c.expect() == Case.Expect.COMPOSED) {
            if (l3Bytes >= l0Bytes) {
                violations.add("L3 kept " + l3Bytes + " B, not less than L0's " + l0Bytes + " B");
            }
        } else if (l3Bytes * 4 > l0Bytes) {
            violations.add(String.format(Locale.ROOT, "L3 kept %d B, more than a quarter of L0's %d B (%.3f)", l3Bytes, l0Bytes, (double) l3Bytes / l0Bytes));
        }
    }

    private static boolean warnedAbout(Map<String, Integer> names, List<LogRecorder.Event> events) {
        for (String name : names.keySet()) {
            if (!ActNNAdapter.isFallback(name)) {
                continue;
            }
            String subject = ActNNAdapter.fallbackSubject(name);
            boolean found = false;
            for (LogRecorder.Event e : events) {
                if (e.level() == Level.WARN && e.message().contains(subject)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    private static String describe(Map<String, Integer> names) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Integer> e : names.entrySet()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(e.getKey());
            if (e.getValue() > 1) {
                sb.append(" x").append(e.getValue());
            }
        }
        return sb.length() == 0 ? "(nothing)" : sb.toString();
    }

    private static Step step(Trainer trainer, List<Parameter> params, NDList data, Case c, NDManager keep) {
        Case.Inputs inputs = c.inputs();
        for (Parameter p : params) {
            NDArray a = p.getArray();
            if (a.hasGradient()) {
                NDArray g = a.getGradient();
                g.subi(g);
            }
        }
        try (NDManager sm = keep.newSubManager()) {
            NDList xs = new NDList(data.size());
            List<NDArray> differentiable = new ArrayList<>();
            for (NDArray d : data) {
                NDArray x = d.duplicate();
                x.attach(sm);
                if (inputs.differentiable(x)) {
                    x.setRequiresGradient(true);
                    differentiable.add(x);
                }
                xs.add(x);
            }
            Engine.getInstance().setRandomSeed((int) SEED);
            NDList predictions = ActNNAdapter.step(trainer, xs, p -> loss(c.headLoss() ? new NDList(p.head()) : p, sm));
            List<NDArray> outputs = new ArrayList<>();
            for (NDArray p : predictions) {
                outputs.add(keep(p.stopGradient(), keep));
            }
            List<NDArray> grads = new ArrayList<>();
            for (Parameter p : params) {
                grads.add(keep(p.getArray().getGradient(), keep));
            }
            for (NDArray x : differentiable) {
                grads.add(keep(x.getGradient(), keep));
            }
            return new Step(outputs, grads);
        }
    }

    private static NDArray keep(NDArray a, NDManager manager) {
        NDArray copy = a.duplicate().toType(DataType.FLOAT32, false);
        copy.attach(manager);
        return copy;
    }

    private static NDArray loss(NDList predictions, NDManager manager) {
        NDArray loss = null;
        for (int j = 0; j < predictions.size(); j++) {
            NDArray p = predictions.get(j);
            if (!p.getDataType().isFloating()) {
                continue;
            }
            NDArray term = p.mul(weights(j, p.getShape(), manager)).sum();
            loss = loss == null ? term : loss.add(term);
        }
        return loss;
    }

    private static NDArray weights(int index, Shape shape, NDManager manager) {
        Random random = new Random(SEED + 7919L * index + shape.size());
        float[] w = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        return manager.create(w, shape);
    }

    /** Trainable parameters in tree order, each once (shared parameters appear once). */
    static List<Parameter> trainable(Block block, List<String> names) {
        Map<Parameter, Boolean> seen = new IdentityHashMap<>();
        List<Parameter> out = new ArrayList<>();
        for (ai.djl.util.Pair<String, Parameter> pair : block.getParameters()) {
            Parameter p = pair.getValue();
            if (p.requiresGradient() && seen.put(p, Boolean.TRUE) == null) {
                out.add(p);
                if (names != null) {
                    names.add(pair.getKey());
                }
            }
        }
        return out;
    }

    private static void copyParameters(List<Parameter> from, List<Parameter> to) {
        if (from.size() != to.size()) {
            throw new IllegalStateException("the two builds differ: " + from.size() + " vs " + to.size() + " parameters");
        }
        for (int i = 0; i < from.size(); i++) {
            NDArray src = from.get(i).getArray();
            NDArray dst = to.get(i).getArray();
            if (!src.getShape().equals(dst.getShape())) {
                throw new IllegalStateException("parameter " + i + " differs: " + src.getShape() + " vs " + dst.getShape());
            }
            ByteBuffer bytes = src.toByteBuffer();
            ByteBuffer copy = ByteBuffer.allocateDirect(bytes.remaining()).order(bytes.order());
            copy.put(bytes).rewind();
            dst.set(copy);
        }
    }

    /**
     * Random layers are compared at rate 0 (DJL's and ActNN's dropout masks come from different
     * generators). Dropouts are found among children and in fields: DJL's {@code
     * TransformerEncoderBlock} holds its two dropouts (rate 0.1, hard-coded by {@code BertBlock})
     * in fields without registering them as children.
     */
    static void zeroDropout(Block block) {
        zeroDropout(block, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static void zeroDropout(Block block, java.util.Set<Block> seen) {
        if (!seen.add(block)) {
            return;
        }
        if (block instanceof Dropout) {
            try {
                Field rate = Dropout.class.getDeclaredField("rate");
                rate.setAccessible(true);
                rate.setFloat(block, 0f);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        for (Block child : block.getChildren().values()) {
            zeroDropout(child, seen);
        }
        for (Class<?> c = block.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (java.lang.reflect.Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                    continue;
                }
                Object value;
                try {
                    f.setAccessible(true);
                    value = f.get(block);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    continue; // a field of a JDK class: not a block
                }
                if (value instanceof Block b) {
                    zeroDropout(b, seen);
                } else if (value instanceof Iterable<?> items) {
                    for (Object o : items) {
                        if (o instanceof Block b) {
                            zeroDropout(b, seen);
                        }
                    }
                }
            }
        }
    }

    private static void compareShapes(Step exact, Step got, List<String> violations, String level) {
        if (exact.outputs().size() != got.outputs().size()) {
            violations.add(level + " returned " + got.outputs().size() + " outputs, plain DJL " + exact.outputs().size());
        }
        for (int j = 0; j < Math.min(exact.outputs().size(), got.outputs().size()); j++) {
            Shape a = exact.outputs().get(j).getShape();
            Shape b = got.outputs().get(j).getShape();
            if (!a.equals(b)) {
                violations.add(level + " output " + j + " has shape " + b + ", plain DJL " + a);
            }
        }
    }

    private static double maxNorm(List<NDArray> arrays) {
        double max = 0;
        for (NDArray a : arrays) {
            max = Math.max(max, norm(a));
        }
        return max;
    }

    static double norm(NDArray a) {
        return Math.sqrt(a.square().sum().getFloat());
    }

    static double relative(NDArray a, NDArray b, double floor) {
        if (!a.getShape().equals(b.getShape())) {
            return Double.POSITIVE_INFINITY;
        }
        double diff = Math.sqrt(a.sub(b).square().sum().getFloat());
        double ref = Math.max(norm(b), floor);
        return ref > 0 ? diff / ref : diff;
    }

    static double global(List<NDArray> approx, List<NDArray> exact) {
        double num = 0;
        double den = 0;
        for (int k = 0; k < exact.size(); k++) {
            if (!approx.get(k).getShape().equals(exact.get(k).getShape())) {
                return Double.POSITIVE_INFINITY;
            }
            num += approx.get(k).sub(exact.get(k)).square().sum().getFloat();
            den += exact.get(k).square().sum().getFloat();
        }
        return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
    }

    private static boolean finite(List<NDArray> arrays) {
        for (NDArray a : arrays) {
            if (a.isInfinite().any().getBoolean() || a.isNaN().any().getBoolean()) {
                return false;
            }
        }
        return true;
    }
}
