package org.pamadam.cli.train;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.zip.CRC32C;
import org.pamadam.cli.report.MetricsCsv;
import org.pamadam.state.Checkpoint;
import org.pamadam.state.CheckpointException;

/**
 * A training checkpoint folder: {@code model.params}, {@code optimizer.state}, {@code metrics.csv}
 * (the epochs so far) and, written last, {@code progress.properties} with the run's spec, the next
 * epoch and a CRC32C of each file. Every file is written atomically; the CRCs tie them together, so a
 * crash between two writes or a damaged file is refused on resume instead of mixing two epochs.
 * The data order of an epoch depends only on the seed and the epoch number, so nothing else is needed.
 */
public final class TrainingCheckpoint {
    private static final String[] FILES = {"model.params", "optimizer.state", "metrics.csv"};

    private TrainingCheckpoint() {
    }

    /** What a resumed run continues from. */
    public record Saved(RunSpec spec, String engine, int epochsDone, List<EpochMetrics> rows,
                        TrainingEngine.Snapshot snapshot) {
    }

    public static void save(Path dir, String engine, RunSpec spec, List<EpochMetrics> rows,
                            TrainingEngine.Snapshot snapshot) throws IOException {
        Files.createDirectories(dir);
        byte[][] contents = {snapshot.model(), snapshot.optimizer(), csv(rows).getBytes(StandardCharsets.UTF_8)};
        Properties p = new Properties();
        for (int i = 0; i < FILES.length; i++) {
            Checkpoint.writeAtomically(dir.resolve(FILES[i]), contents[i]);
            p.setProperty("crc." + FILES[i], Long.toString(crc(contents[i])));
        }
        p.setProperty("format", "pamadam-training-checkpoint/1");
        p.setProperty("engine", engine);
        p.setProperty("optimizer", spec.optimizer());
        p.setProperty("lr", Double.toString(spec.lr()));
        p.setProperty("seed", Long.toString(spec.seed()));
        p.setProperty("model", spec.model());
        p.setProperty("batchSize", Integer.toString(spec.batchSize()));
        spec.recipe().store(p);
        p.setProperty("epochsDone", Integer.toString(rows.isEmpty() ? 0 : rows.get(rows.size() - 1).epoch()));
        java.io.StringWriter text = new java.io.StringWriter();
        p.store(text, "pamadam train checkpoint");
        Checkpoint.writeAtomically(dir.resolve("progress.properties"), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    public static Saved load(Path dir) throws IOException {
        Properties p = new Properties();
        try {
            p.load(new StringReader(Files.readString(dir.resolve("progress.properties"))));
        } catch (NoSuchFileException e) {
            throw new CheckpointException(dir + ": not a training checkpoint (no progress.properties)");
        }
        if (!"pamadam-training-checkpoint/1".equals(p.getProperty("format"))) {
            throw new CheckpointException(dir + "/progress.properties: unknown format " + p.getProperty("format"));
        }
        byte[][] contents = new byte[FILES.length][];
        for (int i = 0; i < FILES.length; i++) {
            try {
                contents[i] = Files.readAllBytes(dir.resolve(FILES[i]));
            } catch (NoSuchFileException e) {
                throw new CheckpointException(dir + ": missing " + FILES[i]);
            }
            if (!Long.toString(crc(contents[i])).equals(p.getProperty("crc." + FILES[i]))) {
                throw new CheckpointException(dir + "/" + FILES[i] + ": checksum mismatch (corrupted, or from another save)");
            }
        }
        try {
            RunSpec partial = new RunSpec(p.getProperty("optimizer"), Double.parseDouble(p.getProperty("lr")),
                    Long.parseLong(p.getProperty("seed")), p.getProperty("model"), 0,
                    Integer.parseInt(p.getProperty("batchSize")), Recipe.load(p));
            int done = Integer.parseInt(p.getProperty("epochsDone"));
            List<EpochMetrics> rows = parse(new String(contents[2], StandardCharsets.UTF_8), partial);
            return new Saved(partial, p.getProperty("engine"), done, rows,
                    new TrainingEngine.Snapshot(contents[0], contents[1]));
        } catch (RuntimeException e) {
            throw new CheckpointException(dir + "/progress.properties: malformed: " + e.getMessage());
        }
    }

    private static long crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return c.getValue();
    }

    private static String csv(List<EpochMetrics> rows) throws IOException {
        Path tmp = Files.createTempFile("metrics", ".csv");
        try {
            MetricsCsv.write(tmp, rows);
            return Files.readString(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static List<EpochMetrics> parse(String csv, RunSpec spec) {
        List<EpochMetrics> rows = new ArrayList<>();
        String[] lines = csv.split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String[] f = lines[i].split(",");
            rows.add(new EpochMetrics(spec, Integer.parseInt(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                    Double.parseDouble(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]),
                    Double.parseDouble(f[9])));
        }
        return rows;
    }

    /** Refuses to resume with other settings than the checkpoint's, naming the first difference. */
    public static void checkMatches(Saved saved, String engine, RunSpec spec) throws CheckpointException {
        RunSpec s = saved.spec();
        String diff = !saved.engine().equals(engine) ? "engine " + saved.engine() + " vs " + engine
                : !s.optimizer().equals(spec.optimizer()) ? "optimizer " + s.optimizer() + " vs " + spec.optimizer()
                : s.lr() != spec.lr() ? "lr " + s.lr() + " vs " + spec.lr()
                : s.seed() != spec.seed() ? "seed " + s.seed() + " vs " + spec.seed()
                : !s.model().equals(spec.model()) ? "model " + s.model() + " vs " + spec.model()
                : s.batchSize() != spec.batchSize() ? "batch size " + s.batchSize() + " vs " + spec.batchSize()
                : !s.recipe().equals(spec.recipe()) ? "recipe " + s.recipe().describe() + " vs " + spec.recipe().describe()
                : null;
        if (diff != null) {
            throw new CheckpointException(String.format(Locale.ROOT,
                    "checkpoint does not match this run (%s); resume with the checkpoint's settings", diff));
        }
    }
}
