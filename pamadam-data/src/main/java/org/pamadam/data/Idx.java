package org.pamadam.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST format): a big-endian header {@code 0 0 type rank}, {@code rank} u32
 * dimensions, then unsigned bytes. Gzip is detected from the content, not the file name.
 */
public final class Idx {
    private static final int UBYTE = 0x08;

    private Idx() {
    }

    /** An IDX array of unsigned bytes: dimensions and data (row-major). */
    public record Array(int[] dims, byte[] data) {
        public int count() {
            return dims[0];
        }
    }

    /** Reads an IDX file; errors name the file and say what is wrong. */
    public static Array read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new DataException(file + ": no such file");
        }
    }

    /** Reads IDX from a stream (gzip or plain); {@code source} names it in errors. */
    public static Array read(InputStream raw, String source) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(buffered, 1 << 16) : buffered;
        DataInputStream data = new DataInputStream(in);
        try {
            int magic = data.readInt();
            int type = (magic >>> 8) & 0xff;
            int rank = magic & 0xff;
            if ((magic >>> 16) != 0 || rank < 1 || rank > 4) {
                throw new DataException(source + ": not an IDX file (magic 0x" + Integer.toHexString(magic) + ")");
            }
            if (type != UBYTE) {
                throw new DataException(source + ": IDX element type 0x" + Integer.toHexString(type)
                        + " is not supported, expected unsigned bytes (0x08)");
            }
            int[] dims = new int[rank];
            long total = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = data.readInt();
                if (dims[i] < 0) {
                    throw new DataException(source + ": negative dimension " + dims[i]);
                }
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE - 16) {
                throw new DataException(source + ": " + total + " elements is too large");
            }
            byte[] bytes = new byte[(int) total];
            data.readFully(bytes);
            return new Array(dims, bytes);
        } catch (EOFException e) {
            throw new DataException(source + ": truncated (file ends before the data its header declares)");
        } catch (java.util.zip.ZipException e) {
            throw new DataException(source + ": corrupt gzip data: " + e.getMessage());
        }
    }
}
