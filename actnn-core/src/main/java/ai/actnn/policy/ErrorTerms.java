package ai.actnn.policy;

/**
 * One layer call's contribution to the auto level's bound, from one backward.
 *
 * @param q the bound of the added error at one quantization step ({@code B = 1}), before the
 *     allowance for the fp32 rounding
 * @param exactGradient the part of the gradient's squared norm that does not depend on the
 *     compressed activation (a normalisation's {@code ||dbeta||^2})
 * @param measuredGradient the part computed from the compressed activation ({@code ||g~||^2})
 * @param termsPerEntry how many products each gradient entry sums (the fp32 rounding allowance
 *     grows with it)
 */
record ErrorTerms(double q, double exactGradient, double measuredGradient, double termsPerEntry) {

    /**
     * Returns {@code q} with the allowance for the deterministic part of the rounding error.
     *
     * @return the bound at one quantization step
     */
    double bound() {
        return q * (1 + termsPerEntry * ErrorModel.ROUNDING_PER_TERM);
    }
}
