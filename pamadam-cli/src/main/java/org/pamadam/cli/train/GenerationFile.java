package org.pamadam.cli.train;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.pamadam.state.CheckpointException;

/**
 * The bytes of one training-checkpoint generation: named sections, each with its own CRC32C, in one
 * file, so that a generation is whole or refused as a unit (a crash can no longer leave files of two
 * epochs side by side).
 *
 * <pre>
 * "PAMTRAIN"  u32 version  u32 sectionCount
 * per section: u16 nameLength, name (UTF-8), u64 length, bytes, u32 CRC32C(name, length, bytes)
 * "END!"      u32 CRC32C of every byte before it
 * </pre>
 * Big-endian. The end marker and the final CRC tell a file cut at a section boundary from a whole one.
 */
final class GenerationFile {
    static final int VERSION = 1;
    private static final byte[] MAGIC = "PAMTRAIN".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "END!".getBytes(StandardCharsets.US_ASCII);

    private GenerationFile() {
    }

    /** Sections in order, by name. */
    static byte[] encode(Map<String, byte[]> sections) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(sections.size());
            for (Map.Entry<String, byte[]> s : sections.entrySet()) {
                byte[] name = s.getKey().getBytes(StandardCharsets.UTF_8);
                out.writeShort(name.length);
                out.write(name);
                out.writeLong(s.getValue().length);
                out.write(s.getValue());
                out.writeInt((int) sectionCrc(name, s.getValue()));
            }
            out.write(END);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
        byte[] body = bytes.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(body);
        return ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();
    }

    /**
     * The sections of a generation, after checking magic, version, every section's CRC, that
     * {@code required} are all present, the end marker and the file CRC.
     *
     * @throws CheckpointException naming {@code source} and what is wrong
     */
    static Map<String, byte[]> decode(byte[] bytes, String source, List<String> required) throws CheckpointException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        Map<String, byte[]> sections = new LinkedHashMap<>();
        String where = "header";
        try {
            byte[] magic = new byte[MAGIC.length];
            buf.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new CheckpointException(source + ": not a pamadam training checkpoint (bad magic)");
            }
            int version = buf.getInt();
            if (version != VERSION) {
                throw new CheckpointException(source + ": training checkpoint format version " + version
                        + ", this build reads version " + VERSION);
            }
            int count = buf.getInt();
            if (count < 0 || count > 64) {
                throw new CheckpointException(source + ": implausible section count " + count);
            }
            for (int i = 0; i < count; i++) {
                where = "section " + (i + 1) + " of " + count;
                int nameLength = buf.getShort() & 0xffff;
                if (nameLength < 1 || nameLength > 32) {
                    throw new CheckpointException(source + ": implausible name length " + nameLength + " in " + where);
                }
                byte[] name = new byte[nameLength];
                buf.get(name);
                String n = new String(name, StandardCharsets.UTF_8);
                if (!n.matches("[a-z]+")) {
                    throw new CheckpointException(source + ": implausible section name in " + where + " (corrupted)");
                }
                where = "section '" + n + "'";
                long length = buf.getLong();
                if (length < 0 || length > buf.remaining()) {
                    throw new CheckpointException(source + ": truncated in " + where + " (it says " + length
                            + " bytes, " + buf.remaining() + " left)");
                }
                byte[] value = new byte[(int) length];
                buf.get(value);
                if (buf.getInt() != (int) sectionCrc(name, value)) {
                    throw new CheckpointException(source + ": " + where + ": checksum mismatch (corrupted)");
                }
                if (sections.put(n, value) != null) {
                    throw new CheckpointException(source + ": " + where + " appears twice");
                }
            }
            where = "end marker";
            byte[] end = new byte[END.length];
            buf.get(end);
            if (!java.util.Arrays.equals(end, END)) {
                throw new CheckpointException(source + ": no end marker after the last section (corrupted)");
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, buf.position());
            if (buf.getInt() != (int) crc.getValue()) {
                throw new CheckpointException(source + ": file checksum mismatch (corrupted)");
            }
            if (buf.hasRemaining()) {
                throw new CheckpointException(source + ": " + buf.remaining() + " unexpected bytes after the end");
            }
        } catch (BufferUnderflowException e) {
            throw new CheckpointException(source + ": truncated in " + where + " (" + bytes.length + " bytes)");
        }
        for (String r : required) {
            if (!sections.containsKey(r)) {
                throw new CheckpointException(source + ": missing section '" + r + "'");
            }
        }
        return sections;
    }

    private static long sectionCrc(byte[] name, byte[] value) {
        CRC32C crc = new CRC32C();
        crc.update(name);
        crc.update(ByteBuffer.allocate(8).putLong(value.length).array());
        crc.update(value);
        return crc.getValue();
    }
}
