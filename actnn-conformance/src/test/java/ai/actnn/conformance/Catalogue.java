package ai.actnn.conformance;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/** Every conformance case of the suite, in table order. */
public final class Catalogue {

    private static List<Case> all;

    private Catalogue() {}

    /**
     * Returns every case.
     *
     * @return the cases
     */
    public static synchronized List<Case> all() {
        if (all == null) {
            List<Case> cases = new ArrayList<>(BlockFamilies.cases());
            cases.addAll(Architectures.cases());
            all = Collections.unmodifiableList(cases);
        }
        return all;
    }

    /**
     * Returns the cases of some sections to run (never the excluded ones, which the table lists
     * with their reason); {@code -Dconformance.only=TEXT} keeps only the cases whose name
     * contains TEXT (for working on one case).
     *
     * @param architectures whether the architectures (else the block families)
     * @param conforming whether the cases expected to pass (else the known failures)
     * @param heavy whether the heavy cases (else the light ones)
     * @return the cases
     */
    public static Stream<Case> select(boolean architectures, boolean conforming, boolean heavy) {
        String only = System.getProperty("conformance.only", "");
        return all().stream()
                .filter(c -> only.isEmpty() || c.name().contains(only))
                .filter(c -> c.section().equals(Architectures.SECTION) == architectures)
                .filter(c -> !c.excluded())
                .filter(c -> c.conforming() == conforming)
                .filter(c -> c.heavy() == heavy);
    }
}
