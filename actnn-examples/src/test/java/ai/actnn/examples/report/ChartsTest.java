package ai.actnn.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Renders every chart. Set {@code -Dactnn.chartDir=/tmp} to keep the PNGs for a look (they are
 * written to a temporary directory otherwise).
 */
class ChartsTest {

    @TempDir Path tmp;

    private Path dir() {
        String keep = System.getProperty("actnn.chartDir");
        return keep != null ? Path.of(keep) : tmp;
    }

    @Test
    void rendersThroughputMemoryAndAccuracyCharts() throws IOException {
        List<Series> throughput = List.of(
                new Series("L0", new double[] {32, 64, 128, 160}, new double[] {95, 110, 118, 120}),
                new Series("L3", new double[] {32, 64, 128, 256, 512, 608}, new double[] {60, 70, 78, 84, 86, 86}),
                new Series("L5", new double[] {64, 256, 512, 1056}, new double[] {40, 50, 54, 55}));
        Map<String, Integer> max = Map.of("L0", 160, "L3", 608, "L5", 1056);
        Map<String, double[]> memory = new LinkedHashMap<>();
        memory.put("batch 64", new double[] {2048.0, 170.66, 150.2});
        memory.put("batch 128", new double[] {4096.0, 341.3, 300.9});
        List<Series> accuracy = List.of(
                new Series("L0", new double[] {1, 2, 3}, new double[] {96.1, 97.9, 98.4}),
                new Series("L3", new double[] {1, 2, 3}, new double[] {95.8, 97.7, 98.3}));

        Path first = dir().resolve("actnn-chart-throughput.png");
        Charts.save(Charts.throughput("ResNet-50 (sample data)", throughput, max), first);
        Path both = dir().resolve("actnn-chart-memory-accuracy.png");
        Charts.save(List.of(
                Charts.memoryBars("Activation memory (sample data)", "activation memory (MB)",
                        List.of("L0", "L3", "L4"), memory),
                Charts.accuracy("Test accuracy (sample data)", accuracy)), both);

        BufferedImage one = ImageIO.read(first.toFile());
        assertEquals(Charts.WIDTH, one.getWidth());
        assertEquals(Charts.HEIGHT, one.getHeight());
        BufferedImage two = ImageIO.read(both.toFile());
        assertEquals(2 * Charts.WIDTH, two.getWidth());
    }

    @Test
    void rejectsMismatchedSeries() {
        assertThrows(IllegalArgumentException.class, () -> new Series("x", new double[] {1}, new double[] {}));
        Map<String, double[]> bad = Map.of("batch 1", new double[] {1, 2});
        assertThrows(IllegalArgumentException.class,
                () -> Charts.memoryBars("t", "y", List.of("L0"), bad));
    }
}
