package ai.actnn.conformance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

import java.util.Random;
import java.util.function.Supplier;

/**
 * One conformance case: a block (built twice, for plain DJL and for conversion), its inputs and
 * what its compression is expected to look like.
 *
 * @param section the table section (block family or "architectures")
 * @param name the case's name in the table
 * @param block builds a fresh, uninitialized block
 * @param inputs the inputs
 * @param expect what compression the case admits
 * @param knownFailure null, or the id of the known library bug this case documents (F1..)
 * @param exclusion null, or why the case cannot be compared at all (listed in the table, not run)
 * @param heavy whether the case is too slow for the default run
 * @param convertedReference whether the exact reference is the converted block under a plain DJL
 *     trainer (its Q-layers then run their own autograd forward), for blocks that DJL's PyTorch
 *     engine cannot run (transposed convolutions: "Not implemented")
 * @param headLoss whether the loss uses the first output only (as DJL's losses do with {@code
 *     predictions.head()}), else every floating output
 */
public record Case(
        String section,
        String name,
        Supplier<Block> block,
        Inputs inputs,
        Expect expect,
        String knownFailure,
        String exclusion,
        boolean heavy,
        boolean convertedReference,
        boolean headLoss) {

    /** What compressing a case's saved activations can do to its gradients and bytes. */
    public enum Expect {
        /** Something is quantized: L3 gradients differ from exact ones, bytes at most L0/4. */
        LOSSY,
        /**
         * Gradients that do not depend on the saved values' precision (masks, offsets, linear
         * functions): L3 equals exact; L3 keeps no more than L0 (which may already keep only a
         * 1-bit mask), L0 keeps something.
         */
        LOSSLESS,
        /** Nothing needs keeping (shape-only layers, rate-0 dropout): no bytes at either level. */
        NOTHING,
        /**
         * Lossy, but activations too small for the quarter bound: each sample has fewer features
         * than one 32-element group plus its 32-bit record amortise (below ~16 features a
         * 2-bit sample costs more than a quarter of 32 bits per feature), 1-bit masks that L0
         * keeps as well weigh more, and batch norms over fewer than 16 values per channel keep 8
         * bits; so only L3 &lt; L0 is asserted of the bytes (closeness is checked as for LOSSY).
         */
        LOSSY_TINY,
        /**
         * A random composition (property tests): L0 exact, L3 finite and keeping fewer bytes than
         * L0; closeness is left to the catalogue cases.
         */
        COMPOSED
    }

    /**
     * The inputs of a case: fixed random values (from a seed, independent of PyTorch's generator).
     *
     * @param shapes the shapes
     * @param intRanges for each input, 0 for a float input, -1 for an integer input of ones (a
     *     mask), else the exclusive upper bound of its random integer values (ids)
     * @param scale the standard deviation of the float inputs (activations are probed with wide
     *     inputs, far above 6)
     * @param gradients whether float inputs require a gradient (compared too)
     */
    public record Inputs(Shape[] shapes, long[] intRanges, float scale, boolean gradients) {

        /**
         * Float inputs with standard normal values, compared gradients.
         *
         * @param shapes the shapes
         * @return the inputs
         */
        public static Inputs floats(Shape... shapes) {
            return new Inputs(shapes, new long[shapes.length], 1f, true);
        }

        /**
         * Returns these inputs with another standard deviation.
         *
         * @param s the standard deviation
         * @return the inputs
         */
        public Inputs scaled(float s) {
            return new Inputs(shapes, intRanges, s, gradients);
        }

        /**
         * Returns these inputs without input gradients (as a training loop feeds data).
         *
         * @return the inputs
         */
        public Inputs asData() {
            return new Inputs(shapes, intRanges, scale, false);
        }

        /**
         * Returns these inputs with other id ranges (0 for a float input).
         *
         * @param ranges one range per input
         * @return the inputs
         */
        public Inputs withRanges(long... ranges) {
            return new Inputs(shapes, ranges, scale, gradients);
        }

        /**
         * Integer id inputs.
         *
         * @param range the exclusive upper bound of the ids
         * @param shapes the shapes
         * @return the inputs
         */
        public static Inputs ids(long range, Shape... shapes) {
            long[] ranges = new long[shapes.length];
            java.util.Arrays.fill(ranges, range);
            return new Inputs(shapes, ranges, 1f, false);
        }

        /**
         * Creates the input arrays.
         *
         * @param manager the manager
         * @param seed the seed
         * @return the arrays
         */
        public NDList create(NDManager manager, long seed) {
            Random random = new Random(seed);
            NDList out = new NDList(shapes.length);
            for (int i = 0; i < shapes.length; i++) {
                int n = Math.toIntExact(shapes[i].size());
                if (intRanges[i] != 0) {
                    long[] v = new long[n];
                    for (int k = 0; k < n; k++) {
                        v[k] = intRanges[i] < 0 ? 1 : (long) (random.nextDouble() * intRanges[i]);
                    }
                    out.add(manager.create(v, shapes[i]));
                } else {
                    float[] v = new float[n];
                    for (int k = 0; k < n; k++) {
                        v[k] = (float) random.nextGaussian() * scale;
                    }
                    out.add(manager.create(v, shapes[i]));
                }
            }
            return out;
        }

        /**
         * Returns the data types of the inputs.
         *
         * @return the types
         */
        public DataType[] types() {
            DataType[] types = new DataType[shapes.length];
            for (int i = 0; i < types.length; i++) {
                types[i] = intRanges[i] != 0 ? DataType.INT64 : DataType.FLOAT32;
            }
            return types;
        }

        /**
         * Whether an input array is one whose gradient is compared.
         *
         * @param x the array
         * @return whether it gets a gradient
         */
        boolean differentiable(NDArray x) {
            return gradients && x.getDataType().isFloating();
        }
    }

    /**
     * A case expected to conform.
     *
     * @param section the section
     * @param name the name
     * @param block the block builder
     * @param inputs the inputs
     * @param expect the expectation
     * @return the case
     */
    public static Case of(String section, String name, Supplier<Block> block, Inputs inputs, Expect expect) {
        return new Case(section, name, block, inputs, expect, null, null, false, false, false);
    }

    /**
     * Returns this case marked as documenting a known library bug.
     *
     * @param id the bug's id (F1..)
     * @return the case
     */
    public Case failingWith(String id) {
        return new Case(section, name, block, inputs, expect, id, exclusion, heavy, convertedReference, headLoss);
    }

    /**
     * Returns this case marked as impossible to compare, with the reason (shown in the table).
     *
     * @param reason why the case cannot run
     * @return the case
     */
    public Case excludedBecause(String reason) {
        return new Case(section, name, block, inputs, expect, knownFailure, reason, heavy, convertedReference, headLoss);
    }

    /**
     * Returns this case marked as too slow for the default run.
     *
     * @return the case
     */
    public Case asHeavy() {
        return new Case(section, name, block, inputs, expect, knownFailure, exclusion, true, convertedReference, headLoss);
    }

    /**
     * Returns this case with the converted block under a plain DJL trainer as the exact reference.
     *
     * @return the case
     */
    public Case withConvertedReference() {
        return new Case(section, name, block, inputs, expect, knownFailure, exclusion, heavy, true, headLoss);
    }

    /**
     * Returns this case with a loss on the first output only.
     *
     * @param newName the case's name
     * @return the case
     */
    public Case withHeadLoss(String newName) {
        return new Case(section, newName, block, inputs, expect, knownFailure, exclusion, heavy, convertedReference, true);
    }

    /**
     * Whether the case is expected to pass.
     *
     * @return whether it is not a known failure
     */
    public boolean conforming() {
        return knownFailure == null && exclusion == null;
    }

    /**
     * Whether the case is excluded (cannot be compared).
     *
     * @return whether it has an exclusion reason
     */
    public boolean excluded() {
        return exclusion != null;
    }

    @Override
    public String toString() {
        return name;
    }
}
