package org.pamadam.data;

import java.util.zip.CRC32C;

/**
 * One IDX file as it was read: its name (as found, e.g. {@code train-images-idx3-ubyte.gz}), its size
 * in bytes and the CRC32C of those bytes. A training checkpoint records the four of a run, so that a
 * resume on other data is refused instead of silently mixing two data sets.
 */
public record DataFile(String name, long size, long crc32c) {

    static DataFile of(String name, byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return new DataFile(name, bytes.length, crc.getValue());
    }
}
