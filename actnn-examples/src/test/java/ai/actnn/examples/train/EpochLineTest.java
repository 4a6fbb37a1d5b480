package ai.actnn.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.actnn.examples.report.JsonLines;

import org.junit.jupiter.api.Test;

/** {@code train --json}'s lines, as docs/bench/results/mnist-*.jsonl hold them. */
class EpochLineTest {

    private static final long MB = 1 << 20;

    @Test
    void roundsRatesAndWritesMemoryInMb() {
        EpochResult e = new EpochResult(2, 0.16062, 0.95214, 0.94049, 586.26, 16.754,
                Math.round(1.9 * MB), 10 * MB, Math.round(0.183 * MB));
        assertEquals("{\"model\":\"lenet\",\"level\":\"L0\",\"epoch\":2,\"train_loss\":0.1606,"
                + "\"train_accuracy\":0.9521,\"test_accuracy\":0.9405,\"ips\":586.3,\"seconds\":16.75,"
                + "\"activation_mb\":1.9,\"peak_mb\":10,\"saved_mb\":0.2}", JsonLines.write(e.toJson("lenet", "L0")));
    }

    @Test
    void unmeasuredMemoryIsNull() {
        EpochResult e = new EpochResult(1, 0.5, 0.8, 0.9, 427, 21.66, -1, -1, -1);
        assertEquals("{\"model\":\"mlp\",\"level\":\"plain\",\"epoch\":1,\"train_loss\":0.5,"
                + "\"train_accuracy\":0.8,\"test_accuracy\":0.9,\"ips\":427,\"seconds\":21.66,"
                + "\"activation_mb\":null,\"peak_mb\":null,\"saved_mb\":null}", JsonLines.write(e.toJson("mlp", "plain")));
    }
}
