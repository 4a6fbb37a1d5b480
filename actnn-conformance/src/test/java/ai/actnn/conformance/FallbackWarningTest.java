package ai.actnn.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.actnn.conformance.logging.LogRecorder;
import ai.djl.nn.Block;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A block that falls back to the generic recomputing path (or stays uncompressed) must be visible:
 * converting it logs one WARN naming the block.
 */
class FallbackWarningTest {

    @Test
    void everyFallbackIsAnnouncedByAWarn() {
        List<String> silent = new ArrayList<>();
        for (Case c : Catalogue.all()) {
            if (c.heavy()) {
                continue;
            }
            int mark = LogRecorder.mark();
            Block converted = ActNNAdapter.convert(c.block().get());
            List<LogRecorder.Event> events = LogRecorder.since(mark);
            for (Map.Entry<String, Integer> e : ActNNAdapter.qLayerNames(converted).entrySet()) {
                if (!ActNNAdapter.isFallback(e.getKey())) {
                    continue;
                }
                String subject = ActNNAdapter.fallbackSubject(e.getKey());
                boolean warned = events.stream().anyMatch(ev -> ev.level() == Level.WARN && ev.message().contains(subject));
                if (!warned) {
                    silent.add(c.name() + " -> " + e.getKey());
                }
            }
        }
        assertTrue(silent.isEmpty(), "fallbacks without a WARN naming them (" + silent.size() + "):\n  " + String.join("\n  ", silent));
    }
}
