package org.pamadam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection: {@code pamadam train --checkpoint} runs in a child JVM that is killed with SIGKILL at
 * seeded random moments, then started again with {@code --resume} (or afresh, when it was killed before
 * its first generation), as a supervisor would, until it completes. Its metrics, and its final model and
 * optimizer state, must equal byte for byte those of the same run never interrupted (also in a child
 * JVM), and its folder must hold two generations and no temporary file at the end.
 *
 * <p>A moment is a point of the run's progress, drawn from a seeded generator: an epoch and a batch of
 * it. The child is killed as soon as its progress bar (on its stderr) shows that batch done, so the kill
 * lands during that epoch or, for its last batches, during the evaluation and save that follow. Nothing
 * here waits on the clock: the test reacts to what the child prints and waits for it to exit.
 *
 * <p>Seen red (2026-12-07, both with the attempts listed and the first differing metrics row in the
 * message; diffs and output in {@code docs/mutation/fault-injection/}): with {@code DjlTraining}'s
 * restore skipping {@code optimizer.load} (a resume starts from zero moments), and with
 * {@code DataOrder.forEpoch} seeded by the epochs the process has run instead of the epoch number (a
 * resumed process replays epoch 1's order). Each time the uninterrupted run's rows matched up to the
 * epoch a resume first ran, and differed from there.
 */
class FaultInjectionTest {
    static final long SEED = 20_261_207L;
    static final int KILLS = 4;
    static final int EPOCHS = 4;
    static final int TRAIN = 4000;
    static final int BATCH = 50;
    /** The progress bar: "... epoch 3/4  45% [====   ]   36/80 (...". */
    static final Pattern PROGRESS = Pattern.compile("epoch (\\d+)/\\d+ .*?(\\d+)/(\\d+) \\(");

    @TempDir
    Path dir;

    @Test
    void killedAtSeededRandomMomentsAndResumedItEndsAsIfNeverInterrupted() throws Exception {
        Path data = Cli.smallData(TRAIN, 200);
        Path straightCkpt = dir.resolve("straight-ckpt");
        Child straight = new Child(data, "--checkpoint", straightCkpt, dir.resolve("straight"), "straight");
        assertEquals(0, straight.exit(), straight.log());

        SplittableRandom rnd = new SplittableRandom(SEED);
        int batches = TRAIN / BATCH;
        Path ckpt = dir.resolve("ckpt");
        List<String> attempts = new ArrayList<>();
        for (int attempt = 1; ; attempt++) {
            int done = newestGeneration(ckpt);
            String name = "attempt-" + attempt;
            String how = done < 0 ? "fresh" : "resumed after epoch " + done;
            if (attempts.size() == KILLS) {
                Child last = new Child(data, done < 0 ? "--checkpoint" : "--resume", ckpt, dir.resolve(name), name);
                assertEquals(0, last.exit(), last.log());
                attempts.add(name + " (" + how + ") completed");
                assertEquals(metrics(dir.resolve("straight")), metrics(dir.resolve(name)), attempts.toString());
                break;
            }
            int epoch = rnd.nextInt(Math.max(done, 0) + 1, EPOCHS + 1);
            int batch = rnd.nextInt(1, batches + 1);
            Child child = new Child(data, done < 0 ? "--checkpoint" : "--resume", ckpt, dir.resolve(name), name);
            boolean reached = child.awaitProgress(epoch, batch);
            child.process.destroyForcibly(); // SIGKILL on Linux and macOS
            int exit = child.exit();
            assertTrue(reached, name + " ended before epoch " + epoch + " batch " + batch + ": " + child.log());
            assertEquals(128 + 9, exit, "killed by signal 9");
            attempts.add(name + " (" + how + ") killed at epoch " + epoch + " batch " + batch + "/" + batches);
        }
        System.out.println("fault injection: " + attempts);

        Path last = ckpt.resolve(String.format("gen-%06d.ckpt", EPOCHS));
        Map<String, byte[]> got = sections(last);
        Map<String, byte[]> want = sections(straightCkpt.resolve(last.getFileName()));
        assertArrayEquals(want.get("model"), got.get("model"), "model after the last epoch");
        assertEquals(tensors(want.get("optimizer")), tensors(got.get("optimizer")), "optimizer state after the last epoch");
        try (var files = Files.list(ckpt)) {
            List<String> names = files.map(f -> f.getFileName().toString()).sorted().toList();
            assertEquals(List.of(String.format("gen-%06d.ckpt", EPOCHS - 1), last.getFileName().toString()), names,
                    "two generations and no temporary file");
        }
    }

    /** {@code pamadam train} in a child JVM with this JVM's class path and options; its stderr read as it comes. */
    private final class Child {
        final Process process;
        final String name;
        private final StringBuilder err = new StringBuilder();
        private final Object lock = new Object();
        private int epoch;
        private int batch;
        private boolean ended;

        Child(Path data, String checkpointFlag, Path ckpt, Path out, String name) throws IOException {
            this.name = name;
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "-Xmx768m", "-XX:+UseSerialGC",
                    "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Djava.awt.headless=true",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "train", "--optimizer", "adam", "--seed", "5", "--batch-size", Integer.toString(BATCH),
                    "--epochs", Integer.toString(EPOCHS), "--data", data.toString(), checkpointFlag, ckpt.toString(),
                    "--out", out.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("DJL_OFFLINE", "true");
            pb.redirectOutput(dir.resolve(name + ".out").toFile());
            process = pb.start();
            Thread reader = new Thread(this::readErr, "stderr of " + name);
            reader.setDaemon(true);
            reader.start();
        }

        /** Reads the progress bar's updates (separated by carriage returns) and notes how far the run is. */
        private void readErr() {
            try (var in = new java.io.InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)) {
                StringBuilder line = new StringBuilder();
                for (int c; (c = in.read()) >= 0; ) {
                    if (c != '\r' && c != '\n') {
                        line.append((char) c);
                        continue;
                    }
                    Matcher m = PROGRESS.matcher(line);
                    synchronized (lock) {
                        err.append(line).append('\n');
                        if (m.find()) {
                            epoch = Integer.parseInt(m.group(1));
                            batch = Integer.parseInt(m.group(2));
                            lock.notifyAll();
                        }
                    }
                    line.setLength(0);
                }
            } catch (IOException e) {
                // the child was killed: its stream ends
            } finally {
                synchronized (lock) {
                    ended = true;
                    lock.notifyAll();
                }
            }
        }

        /** Waits until the child reports {@code b} batches of epoch {@code e} done; false when it ended first. */
        boolean awaitProgress(int e, int b) throws InterruptedException {
            synchronized (lock) {
                while (!(epoch > e || (epoch == e && batch >= b)) && !ended) {
                    lock.wait();
                }
                return epoch > e || (epoch == e && batch >= b);
            }
        }

        int exit() throws InterruptedException {
            return process.waitFor();
        }

        String log() throws IOException {
            synchronized (lock) {
                return Files.readString(dir.resolve(name + ".out")) + err;
            }
        }
    }

    /** The epoch of the newest generation in the folder, -1 when it has none. */
    private static int newestGeneration(Path ckpt) throws IOException {
        if (!Files.isDirectory(ckpt)) {
            return -1;
        }
        try (var files = Files.list(ckpt)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("gen-\\d{6}\\.ckpt"))
                    .mapToInt(n -> Integer.parseInt(n.substring(4, 10))).max().orElse(-1);
        }
    }

    /** metrics.csv without the timing columns (seconds, optimizer ms/step, optimizer share). */
    private static List<String> metrics(Path out) throws IOException {
        List<String> rows = new ArrayList<>();
        for (String row : Files.readAllLines(out.resolve("metrics.csv"))) {
            rows.add(String.join(",", List.of(row.split(",")).subList(0, 7)));
        }
        assertEquals(EPOCHS + 1, rows.size(), "a header and one row per epoch");
        return rows;
    }

    /**
     * The sections of a generation file, read here from its documented layout ("PAMTRAIN", u32 version,
     * u32 count, per section u16 name length, name, u64 length, bytes, u32 CRC; all big-endian).
     */
    private static Map<String, byte[]> sections(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        byte[] magic = new byte[8];
        b.get(magic);
        assertEquals("PAMTRAIN", new String(magic, StandardCharsets.US_ASCII), file + File.separator);
        b.getInt();
        int count = b.getInt();
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            byte[] name = new byte[b.getShort()];
            b.get(name);
            byte[] value = new byte[(int) b.getLong()];
            b.get(value);
            b.getInt();
            out.put(new String(name, StandardCharsets.UTF_8), value);
        }
        assertTrue(out.containsKey("model") && out.containsKey("optimizer"), out.keySet().toString());
        return out;
    }

    /**
     * The optimizer state's tensors by name, each as its bytes in the core checkpoint format: the DJL
     * optimizer lists tensors in the order it first updated them, which differs between processes.
     */
    private static Map<String, String> tensors(byte[] optimizerState) throws IOException {
        org.pamadam.optim.OptimizerState state = org.pamadam.state.Checkpoint.decode(optimizerState, "optimizer");
        Map<String, String> out = new TreeMap<>();
        for (org.pamadam.optim.OptimizerState.Group g : state.groups()) {
            for (org.pamadam.optim.OptimizerState.Tensor t : g.tensors()) {
                org.pamadam.optim.OptimizerState one = new org.pamadam.optim.OptimizerState(
                        List.of(new org.pamadam.optim.OptimizerState.Group(g.rule(), List.of(t))), state.skippedSteps(),
                        state.maxGradNorm());
                out.put(t.name(), java.util.HexFormat.of().formatHex(org.pamadam.state.Checkpoint.encode(one)));
            }
        }
        return out;
    }
}
