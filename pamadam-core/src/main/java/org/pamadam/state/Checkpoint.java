package org.pamadam.state;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.OptimizerState;
import org.pamadam.rule.Decay;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * The optimizer checkpoint file: a versioned binary format with a CRC32C of everything before it.
 *
 * <pre>
 * "PAMADAM-STATE\0\0\0" (16 bytes) | u32 version = 3 | u64 payload length | payload | u32 crc32c(all before)
 * payload: u32 groups, per group: rule, u32 tensors, per tensor:
 *          name, u32 rank, u32 dims..., u64 step, f64 last ratio, u64 clamp count,
 *          u32 m length, f32 m..., i32 v length (-1: none), f32 v...
 *          then u64 skipped steps, f64 maxGradNorm (+inf: no clipping), u64 optimizer steps
 * rule:    name, moments, decay, ratio (strings), f64 lr, beta1, beta2, eps, weightDecay, u8 adapt, f64 maxRatio
 * strings: u32 byte length + UTF-8
 * </pre>
 * Version 1 (before the ratio clamp and clipping) lacks the clamp count, maxGradNorm and maxRatio; it
 * is still read, as a run with neither (count 0, +inf, +inf). Versions 1 and 2 lack the optimizer's
 * step count (the schedules' position); the largest tensor step count stands in for it.
 * All numbers little-endian. Saving writes a temporary file beside the target, forces it to disk,
 * renames it over the target and forces the folder ({@link #writeAtomically}), so a crash never leaves
 * a half-written checkpoint under the real name.
 * Loading checks magic, version, length and checksum and decodes the whole state before the live
 * optimizer is touched; any failure is a {@link CheckpointException} and the optimizer is unchanged.
 */
public final class Checkpoint {
    static final byte[] MAGIC = "PAMADAM-STATE\0\0\0".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 3;
    /** The oldest format version {@link #decode} still reads. */
    static final int OLDEST = 1;
    private static final int HEADER = MAGIC.length + 4 + 8;

    private Checkpoint() {
    }

    /** Saves the optimizer's state to {@code file} atomically. */
    public static void save(Optimizer optimizer, Path file) throws IOException {
        writeAtomically(file, encode(optimizer.state()));
    }

    /** Loads {@code file} into the optimizer, or throws leaving it untouched. */
    public static void load(Optimizer optimizer, Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": no such checkpoint file");
        }
        OptimizerState state = decode(bytes, file.toString());
        try {
            optimizer.load(state);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": does not fit this optimizer: " + e.getMessage());
        }
    }

    /**
     * Writes {@code bytes} to {@code file} so that a crash at any moment leaves either the old file or
     * the new one under its name, never a mixture: the bytes go to the sibling {@code <name>.tmp}
     * (one left by a killed save is removed first), which is forced to disk and renamed over
     * {@code file} atomically; then the folder is forced too, so that the rename itself survives a
     * power cut. One writer per file at a time.
     *
     * @throws IOException when any step fails, naming the file or folder: a failed sync is an error,
     *     and a file system that cannot rename atomically is refused (naming it) rather than written
     *     non-atomically. Before the rename, {@code file} is untouched and the temporary file removed.
     */
    public static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = temporaryFile(abs);
        Files.deleteIfExists(tmp); // what a killed save left: never renamed, so never part of a checkpoint
        boolean renamed = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                try {
                    ops.force(ch);
                } catch (IOException e) {
                    throw new IOException(tmp + ": could not sync to disk, so " + abs.getFileName()
                            + " was not replaced: " + e.getMessage(), e);
                }
            }
            try {
                ops.moveAtomically(tmp, abs);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(abs + ": the file system of " + dir + " (" + describeStore(dir)
                        + ") cannot rename atomically; not saving there, since a crash during a plain move could "
                        + "leave a half-written file under the real name. Choose a folder on another file system", e);
            }
            renamed = true;
        } finally {
            if (!renamed) {
                Files.deleteIfExists(tmp);
            }
        }
        try {
            ops.syncDirectory(dir);
        } catch (IOException e) {
            throw new IOException(dir + ": could not sync the folder after renaming " + abs.getFileName()
                    + " into it, so the new file may not survive a power cut: " + e.getMessage(), e);
        }
    }

    /** The temporary sibling {@link #writeAtomically} writes before renaming: {@code <name>.tmp}. */
    public static Path temporaryFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    private static String describeStore(Path dir) {
        try {
            FileStore store = Files.getFileStore(dir);
            return store.type() + " file system '" + store.name() + "'";
        } catch (IOException e) {
            return "file system unknown: " + e.getMessage();
        }
    }

    /**
     * The file-system calls of a save that can fail without a way to provoke them for real (a failing
     * disk, a file system without atomic rename): tests replace {@link #ops} to make each one fail.
     */
    interface FileOps {
        void force(FileChannel ch) throws IOException;

        void moveAtomically(Path from, Path to) throws IOException;

        void syncDirectory(Path dir) throws IOException;
    }

    static final FileOps REAL_OPS = new FileOps() {
        @Override
        public void force(FileChannel ch) throws IOException {
            ch.force(true);
        }

        @Override
        public void moveAtomically(Path from, Path to) throws IOException {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            if (WINDOWS) {
                return; // a folder cannot be opened there; the rename is as durable as NTFS makes it
            }
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            }
        }
    };

    private static final boolean WINDOWS = System.getProperty("os.name", "").startsWith("Windows");

    /** {@link #REAL_OPS}, except in tests. */
    static volatile FileOps ops = REAL_OPS;

    /** The file format's bytes for a state. */
    public static byte[] encode(OptimizerState state) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(payload)) {
            Le le = new Le(out);
            le.u32(state.groups().size());
            for (OptimizerState.Group g : state.groups()) {
                Rule r = g.rule();
                le.string(r.name());
                le.string(r.moments().name());
                le.string(r.decay().name());
                le.string(r.ratio().name());
                le.f64(r.lr());
                le.f64(r.beta1());
                le.f64(r.beta2());
                le.f64(r.eps());
                le.f64(r.weightDecay());
                out.writeByte(r.adapt() ? 1 : 0);
                le.f64(r.maxRatio());
                le.u32(g.tensors().size());
                for (OptimizerState.Tensor t : g.tensors()) {
                    le.string(t.name());
                    le.u32(t.shape().length);
                    for (int d : t.shape()) {
                        le.u32(d);
                    }
                    le.u64(t.step());
                    le.f64(t.lastRatio());
                    le.u64(t.clamped());
                    le.floats(t.m());
                    if (t.v() == null) {
                        le.u32(-1);
                    } else {
                        le.floats(t.v());
                    }
                }
            }
            le.u64(state.skippedSteps());
            le.f64(state.maxGradNorm());
            le.u64(state.steps());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] body = payload.toByteArray();
        ByteBuffer buf = ByteBuffer.allocate(HEADER + body.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(VERSION).putLong(body.length).put(body);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, HEADER + body.length);
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    /** Decodes and validates a checkpoint; {@code source} names it in errors. */
    public static OptimizerState decode(byte[] bytes, String source) throws CheckpointException {
        if (bytes.length < HEADER + 4) {
            throw new CheckpointException(source + ": truncated in the header (" + bytes.length + " bytes, it needs "
                    + (HEADER + 4) + ")");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        buf.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new CheckpointException(source + ": not a PAMAdam optimizer checkpoint (bad magic)");
        }
        int version = buf.getInt();
        if (version < OLDEST || version > VERSION) {
            throw new CheckpointException(source + ": checkpoint format version " + version
                    + ", this build reads versions " + OLDEST + " to " + VERSION);
        }
        long length = buf.getLong();
        if (length != bytes.length - HEADER - 4L) {
            throw new CheckpointException(source + ": truncated or padded: the header says " + length
                    + " payload bytes, file has " + (bytes.length - HEADER - 4L));
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (stored != (int) crc.getValue()) {
            throw new CheckpointException(source + ": checksum mismatch in the trailing CRC32C (file is corrupted)");
        }
        Where where = new Where();
        try {
            return readPayload(buf.limit(bytes.length - 4), source, version, where);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new CheckpointException(source + ": malformed payload in " + where + ": "
                    + (e.getMessage() == null ? "unexpected end" : e.getMessage()));
        }
    }

    /** The part of the payload being read, for the refusal: "group 2 rule", "tensor 'fc1.bias' (group 1, tensor 3)". */
    private static final class Where {
        private String at = "group count";

        @Override
        public String toString() {
            return at;
        }
    }

    private static OptimizerState readPayload(ByteBuffer buf, String source, int version, Where where)
            throws CheckpointException {
        boolean v2 = version >= 2;
        int groupCount = count(buf, "group count");
        List<OptimizerState.Group> groups = new ArrayList<>();
        for (int g = 0; g < groupCount; g++) {
            where.at = "group " + (g + 1) + " rule";
            String name = string(buf);
            Moments moments = Moments.valueOf(string(buf));
            Decay decay = Decay.valueOf(string(buf));
            TrustRatio ratio = TrustRatio.valueOf(string(buf));
            Rule rule = new Rule(name, moments, decay, ratio, buf.getDouble(), buf.getDouble(), buf.getDouble(),
                    buf.getDouble(), buf.getDouble(), buf.get() != 0,
                    v2 ? buf.getDouble() : Double.POSITIVE_INFINITY);
            where.at = "group " + (g + 1) + " tensor count";
            int tensorCount = count(buf, "tensor count");
            List<OptimizerState.Tensor> tensors = new ArrayList<>();
            for (int t = 0; t < tensorCount; t++) {
                String at = "(group " + (g + 1) + ", tensor " + (t + 1) + ")";
                where.at = "tensor name " + at;
                String tname = string(buf);
                where.at = "tensor '" + tname + "' " + at;
                int[] shape = new int[rank(buf)];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = dimension(buf);
                }
                long step = buf.getLong();
                double lastRatio = buf.getDouble();
                long clamped = v2 ? buf.getLong() : 0;
                float[] m = floats(buf);
                int vlen = buf.getInt();
                float[] v = vlen < 0 ? null : floats(buf, vlen);
                tensors.add(new OptimizerState.Tensor(tname, shape, step, lastRatio, m, v, clamped));
            }
            groups.add(new OptimizerState.Group(rule, tensors));
        }
        where.at = "trailer (skipped steps, maxGradNorm, optimizer steps)";
        long skipped = buf.getLong();
        double maxGradNorm = v2 ? buf.getDouble() : Double.POSITIVE_INFINITY;
        // Format 3 saves the optimizer's step count (the schedules' position); before it, the
        // largest tensor step count stands in for it.
        Long steps = version >= 3 ? buf.getLong() : null;
        if (buf.hasRemaining()) {
            throw new CheckpointException(source + ": " + buf.remaining() + " unexpected trailing bytes after the "
                    + "payload's " + where);
        }
        return steps == null ? new OptimizerState(groups, skipped, maxGradNorm)
                : new OptimizerState(groups, skipped, maxGradNorm, steps);
    }

    /** A group or tensor count: each needs at least one byte, so more than the bytes left is implausible. */
    private static int count(ByteBuffer buf, String what) {
        int n = buf.getInt();
        if (n < 0 || n > buf.remaining() + 1) {
            throw new IllegalArgumentException("implausible " + what + " " + n);
        }
        return n;
    }

    /** A tensor's rank: its dimensions take 4 bytes each. */
    private static int rank(ByteBuffer buf) {
        int n = buf.getInt();
        if (n < 0 || (long) n * 4 > buf.remaining()) {
            throw new IllegalArgumentException("implausible rank " + n + " (" + buf.remaining() + " bytes left)");
        }
        return n;
    }

    private static int dimension(ByteBuffer buf) {
        int n = buf.getInt();
        if (n < 0) {
            throw new IllegalArgumentException("negative dimension " + n);
        }
        return n;
    }

    private static String string(ByteBuffer buf) {
        int n = buf.getInt();
        if (n < 0 || n > buf.remaining()) {
            throw new IllegalArgumentException("implausible string length " + n + " (" + buf.remaining()
                    + " bytes left)");
        }
        byte[] b = new byte[n];
        buf.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static float[] floats(ByteBuffer buf) {
        return floats(buf, buf.getInt());
    }

    private static float[] floats(ByteBuffer buf, int n) {
        if (n < 0 || (long) n * 4 > buf.remaining()) {
            throw new IllegalArgumentException("array of " + n + " floats exceeds the file");
        }
        float[] out = new float[n];
        buf.asFloatBuffer().get(out);
        buf.position(buf.position() + 4 * n);
        return out;
    }

    /** Little-endian writes over a DataOutputStream (which is big-endian). */
    private static final class Le {
        private final DataOutputStream out;

        Le(DataOutputStream out) {
            this.out = out;
        }

        void u32(int x) throws IOException {
            out.writeInt(Integer.reverseBytes(x));
        }

        void u64(long x) throws IOException {
            out.writeLong(Long.reverseBytes(x));
        }

        void f64(double x) throws IOException {
            u64(Double.doubleToRawLongBits(x));
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u32(b.length);
            out.write(b);
        }

        void floats(float[] a) throws IOException {
            u32(a.length);
            ByteBuffer bb = ByteBuffer.allocate(4 * a.length).order(ByteOrder.LITTLE_ENDIAN);
            bb.asFloatBuffer().put(a);
            out.write(bb.array());
        }
    }
}
