package org.pamadam.cli.train;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.pamadam.cli.report.MetricsCsv;
import org.pamadam.data.DataFile;
import org.pamadam.state.Checkpoint;
import org.pamadam.state.CheckpointException;

/**
 * A training checkpoint folder holds generations, one file each: {@code gen-000003.ckpt} is the run
 * after epoch 3, with its spec, the data it trained on, the metrics so far, the model and the
 * optimizer state as CRC-checked sections ({@link GenerationFile}). A save writes the new generation
 * to a temporary file, syncs it, renames it into place and syncs the folder
 * ({@link Checkpoint#writeAtomically}: a failed sync is an error); only then are older generations
 * deleted, and temporary files a killed save left behind. So a crash at any moment leaves the
 * previous complete generation, and a resume takes the newest generation that reads back whole and
 * valid, saying which and why any newer one was skipped. The data order of an epoch depends only on
 * the seed and the epoch number, so nothing else is needed to continue exactly.
 *
 * <p>A run owns its folder: a run starts saving only into a folder without generations, or into the
 * folder it resumed from ({@link #claim}); so the generations in a folder are always one run's.
 */
public final class TrainingCheckpoint {
    static final String FORMAT = "pamadam-training-checkpoint/2";
    private static final Pattern NAME = Pattern.compile("gen-(\\d{6})\\.ckpt");
    /** A save's temporary file: {@code gen-000003.ckpt.tmp}, or an older pamadam's {@code gen-000003.ckpt<digits>.tmp}. */
    private static final Pattern TEMPORARY = Pattern.compile("gen-\\d{6}\\.ckpt\\d*\\.tmp");
    private static final List<String> SECTIONS = List.of("progress", "data", "metrics", "model", "optimizer");
    /** Complete generations kept: the newest and the one before it, the fallback if the newest is damaged. */
    private static final int KEEP = 2;

    private TrainingCheckpoint() {
    }

    /**
     * What a resumed run continues from: {@code file} is the generation used, {@code skipped} says
     * why each newer generation was not.
     */
    public record Saved(RunSpec spec, String engine, int epochsDone, List<EpochMetrics> rows,
                        TrainingEngine.Snapshot snapshot, List<DataFile> data, Path file, List<String> skipped) {
    }

    /** The file name of the generation after {@code epochsDone} epochs. */
    public static String fileName(int epochsDone) {
        return String.format(Locale.ROOT, "gen-%06d.ckpt", epochsDone);
    }

    /** Writes the generation for the rows so far, atomically, then drops generations no longer needed. */
    public static void save(Path dir, String engine, RunSpec spec, List<DataFile> data, List<EpochMetrics> rows,
                            TrainingEngine.Snapshot snapshot) throws IOException {
        Files.createDirectories(dir);
        int done = rows.isEmpty() ? 0 : rows.get(rows.size() - 1).epoch();
        Properties p = new Properties();
        p.setProperty("format", FORMAT);
        p.setProperty("engine", engine);
        p.setProperty("optimizer", spec.optimizer());
        p.setProperty("lr", Double.toString(spec.lr()));
        p.setProperty("seed", Long.toString(spec.seed()));
        p.setProperty("model", spec.model());
        p.setProperty("batchSize", Integer.toString(spec.batchSize()));
        spec.recipe().store(p);
        p.setProperty("epochsDone", Integer.toString(done));
        Properties d = new Properties();
        d.setProperty("files", Integer.toString(data.size()));
        for (int i = 0; i < data.size(); i++) {
            d.setProperty(i + ".name", data.get(i).name());
            d.setProperty(i + ".size", Long.toString(data.get(i).size()));
            d.setProperty(i + ".crc32c", Long.toString(data.get(i).crc32c()));
        }
        Map<String, byte[]> sections = new LinkedHashMap<>();
        sections.put("progress", text(p));
        sections.put("data", text(d));
        sections.put("metrics", csv(rows).getBytes(StandardCharsets.UTF_8));
        sections.put("model", snapshot.model());
        sections.put("optimizer", snapshot.optimizer());
        Checkpoint.writeAtomically(dir.resolve(fileName(done)), GenerationFile.encode(sections));
        // Keep the generation just written and the newest one below it (the fallback should this one be
        // damaged later); delete older ones. A generation numbered above this one (a torn file this run
        // resumed past) is left for the save of that epoch to replace: never is the one just written lost.
        int kept = 0;
        for (int g : generations(dir)) {
            if (g <= done && ++kept > KEEP) {
                Files.deleteIfExists(dir.resolve(fileName(g)));
            }
        }
        for (Path tmp : matching(dir, TEMPORARY)) {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Refuses to start a run that would save into {@code dir} while it holds generations of another run:
     * allowed only when {@code dir} has none (or does not exist yet), or is the folder {@code resumedFrom}
     * that this run continues.
     *
     * @throws CheckpointException naming the folder, its generations and the way out
     */
    public static void claim(Path dir, Path resumedFrom) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Integer> generations = generations(dir);
        if (generations.isEmpty()) {
            return;
        }
        if (resumedFrom != null && Files.isDirectory(resumedFrom) && Files.isSameFile(dir, resumedFrom)) {
            return;
        }
        List<String> names = new ArrayList<>();
        for (int i = generations.size() - 1; i >= 0; i--) {
            names.add(fileName(generations.get(i)));
        }
        throw new CheckpointException(dir + ": holds the generations of another run (" + String.join(", ", names)
                + "); a run saves only into a folder without generations: continue that run with --resume " + dir
                + ", or choose another folder");
    }

    /**
     * The newest generation in {@code dir} that reads back whole and valid.
     *
     * @throws CheckpointException when none does, naming each generation's reason
     */
    public static Saved load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": not a training checkpoint (no such folder)");
        }
        List<Integer> generations = generations(dir);
        if (generations.isEmpty()) {
            String why = Files.exists(dir.resolve("progress.properties"))
                    ? " (progress.properties: a folder checkpoint of an older pamadam, which this version does not read)"
                    : "";
            throw new CheckpointException(dir + ": not a training checkpoint (no gen-NNNNNN.ckpt generation)" + why);
        }
        List<String> skipped = new ArrayList<>();
        for (int g : generations) {
            Path file = dir.resolve(fileName(g));
            try {
                Saved s = read(file, g);
                return new Saved(s.spec(), s.engine(), s.epochsDone(), s.rows(), s.snapshot(), s.data(), file,
                        List.copyOf(skipped));
            } catch (CheckpointException e) {
                skipped.add(e.getMessage());
            } catch (NoSuchFileException e) {
                skipped.add(file + ": vanished while reading");
            }
        }
        throw new CheckpointException(dir + ": no valid generation: " + String.join("; ", skipped));
    }

    private static Saved read(Path file, int generation) throws IOException {
        Map<String, byte[]> s = GenerationFile.decode(Files.readAllBytes(file), file.toString(), SECTIONS);
        String part = "progress";
        try {
            Properties p = properties(s.get("progress"));
            if (!FORMAT.equals(p.getProperty("format"))) {
                throw new CheckpointException(file + ": section 'progress': unknown format " + p.getProperty("format")
                        + ", expected " + FORMAT);
            }
            RunSpec partial = new RunSpec(p.getProperty("optimizer"), Double.parseDouble(p.getProperty("lr")),
                    Long.parseLong(p.getProperty("seed")), p.getProperty("model"), 0,
                    Integer.parseInt(p.getProperty("batchSize")), Recipe.load(p));
            int done = Integer.parseInt(p.getProperty("epochsDone"));
            if (done != generation) {
                throw new CheckpointException(file + ": section 'progress': holds epoch " + done + ", its name says "
                        + generation);
            }
            String engine = p.getProperty("engine");
            if (engine == null || partial.optimizer() == null || partial.model() == null) {
                throw new CheckpointException(file + ": section 'progress': lacks engine, optimizer or model");
            }
            part = "data";
            Properties d = properties(s.get("data"));
            List<DataFile> data = new ArrayList<>();
            int files = Integer.parseInt(d.getProperty("files"));
            for (int i = 0; i < files; i++) {
                data.add(new DataFile(java.util.Objects.requireNonNull(d.getProperty(i + ".name"), "data file name"),
                        Long.parseLong(d.getProperty(i + ".size")), Long.parseLong(d.getProperty(i + ".crc32c"))));
            }
            part = "metrics";
            List<EpochMetrics> rows = parse(new String(s.get("metrics"), StandardCharsets.UTF_8), partial);
            if (rows.size() != done) {
                throw new CheckpointException(file + ": section 'metrics': " + rows.size() + " rows for " + done
                        + " epochs");
            }
            return new Saved(partial, engine, done, rows, new TrainingEngine.Snapshot(s.get("model"), s.get("optimizer")),
                    data, file, List.of());
        } catch (RuntimeException e) {
            throw new CheckpointException(file + ": section '" + part + "': malformed: " + e);
        }
    }

    /** Generation numbers in {@code dir}, newest first (temporary files of an interrupted save are not). */
    private static List<Integer> generations(Path dir) throws IOException {
        List<Integer> out = new ArrayList<>();
        for (Path f : matching(dir, NAME)) {
            Matcher m = NAME.matcher(f.getFileName().toString());
            if (m.matches()) {
                out.add(Integer.parseInt(m.group(1)));
            }
        }
        out.sort(java.util.Comparator.reverseOrder());
        return out;
    }

    /** The files of {@code dir} whose whole name matches {@code name}. */
    private static List<Path> matching(Path dir, Pattern name) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> name.matcher(f.getFileName().toString()).matches()).toList();
        }
    }

    private static byte[] text(Properties p) throws IOException {
        StringWriter w = new StringWriter();
        p.store(w, null);
        return w.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Properties properties(byte[] bytes) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
        return p;
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

    /** Refuses to resume on other data than the checkpoint trained on, naming the first differing file. */
    public static void checkData(Saved saved, List<DataFile> data) throws CheckpointException {
        if (saved.data().equals(data)) {
            return;
        }
        for (int i = 0; i < Math.max(saved.data().size(), data.size()); i++) {
            DataFile was = i < saved.data().size() ? saved.data().get(i) : null;
            DataFile now = i < data.size() ? data.get(i) : null;
            if (!java.util.Objects.equals(was, now)) {
                throw new CheckpointException(saved.file() + ": trained on other data: " + describe(was)
                        + ", this run reads " + describe(now) + "; resume with the data the checkpoint was trained on");
            }
        }
    }

    private static String describe(DataFile f) {
        return f == null ? "no file" : String.format(Locale.ROOT, "%s (%d bytes, crc32c %08x)", f.name(), f.size(),
                f.crc32c());
    }
}
