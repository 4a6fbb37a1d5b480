package ai.actnn.conformance;

import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every block family of {@code ai.djl.nn}: exact at L0, finite, close and compressed at L3. */
class BlockFamilyConformanceTest {

    static Stream<Case> conforming() {
        return Catalogue.select(false, true, false);
    }

    static Stream<Case> knownFailures() {
        return Catalogue.select(false, false, false);
    }

    @ParameterizedTest(name = "[{index}] {0}", allowZeroInvocations = true)
    @MethodSource("conforming")
    void conforms(Case c) {
        Conformance.assertConforms(c);
    }

    /** Cases documenting known library bugs (the report names their root causes). */
    @Tag("known-failure")
    @ParameterizedTest(name = "[{index}] {0}", allowZeroInvocations = true)
    @MethodSource("knownFailures")
    void knownFailure(Case c) {
        Conformance.assertConforms(c);
    }
}
