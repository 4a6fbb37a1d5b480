package ai.actnn.examples.data;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads regular files out of a gzipped tar archive ({@code .tgz}, as {@code npm pack} writes) into
 * memory, through Apache Commons Compress: ustar name prefixes, GNU long names and pax headers
 * are honoured; directories, links and other entries are skipped.
 */
public final class TarGzReader {

    private TarGzReader() {}

    /**
     * Returns the contents of the regular files whose names the filter accepts.
     *
     * @param archive the {@code .tgz} file
     * @param wanted accepts entry names such as {@code package/src/digits/0.json}
     * @return name to contents, in archive order
     * @throws IOException if the archive cannot be read, or is not gzip, not tar, corrupt or
     *     truncated: the message names the archive
     */
    public static Map<String, byte[]> read(Path archive, Predicate<String> wanted) throws IOException {
        try (InputStream file = new BufferedInputStream(Files.newInputStream(archive))) {
            return read(file, wanted, archive.toString());
        }
    }

    /**
     * Returns the contents of the wanted regular files of a gzipped tar stream.
     *
     * @param tgz the gzipped tar stream
     * @param wanted accepts entry names
     * @param what the archive's name, for messages
     * @return name to contents, in archive order
     * @throws IOException if the stream is not a gzipped tar archive, or is corrupt or truncated
     */
    static Map<String, byte[]> read(InputStream tgz, Predicate<String> wanted, String what) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(tgz))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                // Commons Compress parses a header without checking its checksum
                if (!entry.isCheckSumOK()) {
                    throw new IOException("header checksum mismatch at entry '" + entry.getName() + "'");
                }
                if (entry.isFile() && wanted.test(entry.getName())) {
                    byte[] data = tar.readAllBytes();
                    if (data.length != entry.getSize()) {
                        throw new IOException("truncated: " + entry.getName() + " has " + data.length
                                + " of its " + entry.getSize() + " bytes");
                    }
                    files.put(entry.getName(), data);
                }
            }
        } catch (IOException e) {
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new IOException(what + " is not a readable .tgz archive: " + why, e);
        }
        return files;
    }
}
