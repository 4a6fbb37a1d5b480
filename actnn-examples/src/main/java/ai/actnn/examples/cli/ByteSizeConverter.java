package ai.actnn.examples.cli;

import ai.actnn.examples.bench.ByteSize;

import picocli.CommandLine;

/** Converts option values such as {@code 4GiB}, {@code 512MiB} or {@code 1e9} to bytes. */
public final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {

    @Override
    public Long convert(String value) {
        try {
            return ByteSize.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
