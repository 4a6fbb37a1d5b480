package ai.actnn.store;

import java.util.Locale;

/**
 * The engine's count of what one step keeps for its backward: bytes and elements, by kind of
 * item, each tensor counted once, as it was when saved (or widened). {@link #describe()} is the
 * breakdown the store logs at debug level, so that a user can see what a step's saved memory is
 * made of.
 */
final class KeptCount {

    /** The kinds of saved items, in the order {@link #describe()} lists them. */
    enum Kind {
        PACKED("packed activations"),
        EXACT("exact activations"),
        MASK("1-bit masks"),
        CODES("few-bit codes"),
        POOLING("max-pool offsets");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        static Kind of(Saved saved) {
            if (saved instanceof SharedActivation shared) {
                return of(shared.target());
            }
            if (saved instanceof PackedActivation || saved instanceof CompactedActivation) {
                return PACKED;
            }
            if (saved instanceof SavedMask) {
                return MASK;
            }
            if (saved instanceof SavedCodes) {
                return CODES;
            }
            if (saved instanceof SavedPooling) {
                return POOLING;
            }
            return EXACT;
        }
    }

    /** The project's MB (as the benchmarks print it): 2^20 bytes. */
    static final double MB = 1024.0 * 1024.0;

    private final long[] bytes = new long[Kind.values().length];
    private final long[] elements = new long[Kind.values().length];

    /**
     * Adds bytes and elements of one kind: for a copy replaced by a wider one, the difference in
     * bytes and no elements (its tensor is counted already).
     */
    void add(Kind kind, long addedBytes, long addedElements) {
        bytes[kind.ordinal()] += addedBytes;
        elements[kind.ordinal()] += addedElements;
    }

    long bytes() {
        long total = 0;
        for (long b : bytes) {
            total += b;
        }
        return total;
    }

    long elements() {
        long total = 0;
        for (long e : elements) {
            total += e;
        }
        return total;
    }

    /** Bits per element over everything kept, or NaN when nothing was. */
    double averageBits() {
        long n = elements();
        return n == 0 ? Double.NaN : bytes() * 8.0 / n;
    }

    /**
     * The breakdown in words, for example {@code "9.93 MB (2.02 bits/element): packed activations
     * 8.50 MB at 2.42 bits, 1-bit masks 1.41 MB at 1.00 bits"}; kinds that kept nothing are left
     * out.
     */
    String describe() {
        StringBuilder s = new StringBuilder(String.format(
                Locale.ROOT, "%.2f MB (%.2f bits/element)", bytes() / MB, averageBits()));
        String sep = ": ";
        for (Kind k : Kind.values()) {
            int i = k.ordinal();
            if (elements[i] == 0) {
                continue;
            }
            s.append(sep).append(String.format(Locale.ROOT, "%s %.2f MB at %.2f bits", k.label, bytes[i] / MB,
                    bytes[i] * 8.0 / elements[i]));
            sep = ", ";
        }
        return s.toString();
    }
}
