package ai.actnn.examples.data;

import ai.djl.basicdataset.cv.classification.Mnist;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.TranslateException;

import java.io.IOException;

/**
 * The full MNIST (60,000 train and 10,000 test images) through DJL's {@link Mnist} dataset, which
 * downloads it from DJL's repository: works online only.
 */
final class DjlMnistDownload {

    private static final int SIDE = 28;
    private static final int BATCH = 1000;
    private static final String OFFLINE_PROPERTY = "ai.djl.offline";

    private DjlMnistDownload() {}

    /**
     * Downloads (or finds in DJL's cache) one split.
     *
     * @param usage train or test
     * @return the images
     * @throws IOException if the download fails
     */
    static MnistArrays load(Dataset.Usage usage) throws IOException {
        // bin/actnn runs DJL offline (-Dai.djl.offline=true) so that it never fetches native
        // libraries; this source is the one place that is meant to download, so lift it here.
        String offline = System.getProperty(OFFLINE_PROPERTY);
        if (offline != null) {
            System.setProperty(OFFLINE_PROPERTY, "false");
        }
        try {
            return download(usage);
        } finally {
            if (offline != null) {
                System.setProperty(OFFLINE_PROPERTY, offline);
            }
        }
    }

    private static MnistArrays download(Dataset.Usage usage) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Mnist mnist =
                    Mnist.builder().optUsage(usage).optManager(manager).setSampling(BATCH, false).build();
            try {
                mnist.prepare();
            } catch (IOException e) {
                throw new IOException("DJL could not download MNIST (" + e + ")", e);
            }
            int n = Math.toIntExact(mnist.size());
            byte[] pixels = new byte[n * SIDE * SIDE];
            byte[] labels = new byte[n];
            int offset = 0;
            for (Batch batch : mnist.getData(manager)) {
                try (batch) {
                    float[] x = batch.getData().head().toFloatArray(); // [b,1,28,28] in [0,1]
                    NDArray y = batch.getLabels().head();
                    float[] l = y.toFloatArray();
                    for (int i = 0; i < x.length; i++) {
                        pixels[offset * SIDE * SIDE + i] = (byte) Math.round(x[i] * 255);
                    }
                    for (int i = 0; i < l.length; i++) {
                        labels[offset + i] = (byte) l[i];
                    }
                    offset += l.length;
                }
            }
            return new MnistArrays(pixels, labels, SIDE, SIDE);
        } catch (TranslateException e) {
            throw new IOException("DJL could not read MNIST: " + e.getMessage(), e);
        }
    }
}
