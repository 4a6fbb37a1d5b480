package ai.actnn.examples.train;

import ai.actnn.examples.report.JsonLines;
import ai.actnn.examples.report.Units;

/**
 * An {@link EpochResult} as one JSON line ({@link JsonLines}), as {@code train --json} prints it
 * and {@code docs/bench/tables.py} reads it: rates rounded to four decimals, memory in MB (MiB,
 * one decimal), unknown memory null.
 *
 * @param model the model name
 * @param level the level
 * @param epoch the epoch number, from 1
 * @param trainLoss mean training loss over the epoch's steps
 * @param trainAccuracy fraction of training predictions that were right
 * @param testAccuracy fraction of test images classified right after the epoch
 * @param ips training images per second
 * @param seconds wall time of the epoch's training steps
 * @param activationMb median activation memory of a step
 * @param peakMb largest peak of a step above its start
 * @param savedMb what the engine kept for the backward of the last step by its own count
 */
public record EpochLine(
        String model, String level, int epoch,
        double trainLoss, double trainAccuracy, double testAccuracy, double ips, double seconds,
        Double activationMb, Double peakMb, Double savedMb) {

    /**
     * Returns the JSON form of an epoch.
     *
     * @param model the model name
     * @param level the level
     * @param e the epoch
     * @return its line
     */
    public static EpochLine of(String model, String level, EpochResult e) {
        return new EpochLine(model, level, e.epoch(), Units.round(e.trainLoss(), 4),
                Units.round(e.trainAccuracy(), 4), Units.round(e.testAccuracy(), 4),
                Units.round(e.imagesPerSecond(), 1), Units.round(e.seconds(), 2),
                Units.mbOrNull(e.activationBytes()), Units.mbOrNull(e.peakBytes()), Units.mbOrNull(e.savedBytes()));
    }
}
