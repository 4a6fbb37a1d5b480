package ai.actnn.conformance;

import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every architecture of DJL's basic model zoo plus a stacked LSTM, at the smallest input each accepts. */
class ModelZooConformanceTest {

    static Stream<Case> conforming() {
        return Catalogue.select(true, true, false);
    }

    static Stream<Case> heavy() {
        return Catalogue.select(true, true, true);
    }

    static Stream<Case> knownFailures() {
        return Catalogue.select(true, false, false);
    }

    static Stream<Case> heavyKnownFailures() {
        return Catalogue.select(true, false, true);
    }

    @ParameterizedTest(name = "[{index}] {0}", allowZeroInvocations = true)
    @MethodSource("conforming")
    void conforms(Case c) {
        Conformance.assertConforms(c);
    }

    @Tag("heavy")
    @ParameterizedTest(name = "[{index}] {0}", allowZeroInvocations = true)
    @MethodSource("heavy")
    void heavyConforms(Case c) {
        Conformance.assertConforms(c);
    }

    /** Architectures documenting known library bugs (the report names their root causes). */
    @Tag("known-failure")
    @ParameterizedTest(name = "[{index}] {0}", allowZeroInvocations = true)
    @MethodSource("knownFailures")
    void knownFailure(Case c) {
        Conformance.assertConforms(c);
    }

    @Tag("heavy")
    @Tag("known-failure")
    @ParameterizedTest(name = "[{index}] {0}", allowZeroInvocations = true)
    @MethodSource("heavyKnownFailures")
    void heavyKnownFailure(Case c) {
        Conformance.assertConforms(c);
    }
}
