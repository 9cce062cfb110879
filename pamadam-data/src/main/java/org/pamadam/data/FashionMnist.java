package org.pamadam.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Finds and loads Fashion-MNIST (or MNIST: same file names and format). Location, first match wins:
 * an explicit directory ({@code --data}), {@code $PAMADAM_DATA}, {@value #DEBIAN_DIR} (Debian package
 * {@code dataset-fashion-mnist}), else the subset bundled in this jar (10,000 training and 2,000
 * test images, class-balanced, drawn from the official files), so everything works out of the box.
 */
public final class FashionMnist {
    public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
    public static final String ENV = "PAMADAM_DATA";
    private static final String BUNDLED = "/org/pamadam/data/fashion-mnist-subset/";
    private static final String[] FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

    private FashionMnist() {
    }

    /**
     * Training and test sets, a sentence saying where they came from, and the four files they were
     * read from (training images and labels, test images and labels; empty for data made in memory).
     */
    public record Data(ImageSet train, ImageSet test, String source, java.util.List<DataFile> files) {
        public Data {
            files = java.util.List.copyOf(files);
        }

        /** Data made in memory, read from no file. */
        public Data(ImageSet train, ImageSet test, String source) {
            this(train, test, source, java.util.List.of());
        }
    }

    /** Loads from {@code dir} when non-null, else from the first location that exists (see class doc). */
    public static Data load(Path dir) throws IOException {
        return load(dir, System.getenv());
    }

    static Data load(Path dir, Map<String, String> env) throws IOException {
        if (dir != null) {
            return fromDirectory(dir, "--data " + dir);
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromDirectory(Path.of(fromEnv), "$" + ENV + "=" + fromEnv);
        }
        Path debian = Path.of(DEBIAN_DIR);
        if (Files.isDirectory(debian)) {
            return fromDirectory(debian, DEBIAN_DIR + " (Debian dataset-fashion-mnist)");
        }
        return bundled();
    }

    /** The bundled class-balanced subset. */
    public static Data bundled() throws IOException {
        java.util.List<DataFile> files = new java.util.ArrayList<>();
        Idx.Array[] arrays = new Idx.Array[4];
        for (int i = 0; i < 4; i++) {
            String path = BUNDLED + FILES[i] + ".gz";
            byte[] bytes;
            try (InputStream in = FashionMnist.class.getResourceAsStream(path)) {
                if (in == null) {
                    throw new DataException("bundled data " + path + " is missing from the jar");
                }
                bytes = in.readAllBytes();
            }
            files.add(DataFile.of("bundled:" + FILES[i] + ".gz", bytes));
            arrays[i] = Idx.read(new java.io.ByteArrayInputStream(bytes), "bundled " + FILES[i]);
        }
        ImageSet train = ImageSet.of(arrays[0], arrays[1], "bundled training subset");
        ImageSet test = ImageSet.of(arrays[2], arrays[3], "bundled test subset");
        return new Data(train, test, "bundled Fashion-MNIST subset (" + train.count() + " train / "
                + test.count() + " test images; install dataset-fashion-mnist or pass --data for the full set)", files);
    }

    /** Loads the four files from a directory, each plain or with a ".gz" suffix. */
    public static Data fromDirectory(Path dir, String description) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new DataException(dir + ": not a directory (expected the four Fashion-MNIST IDX files)");
        }
        Idx.Array[] arrays = new Idx.Array[4];
        java.util.List<DataFile> files = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path plain = dir.resolve(FILES[i]);
            Path gz = dir.resolve(FILES[i] + ".gz");
            Path file = Files.exists(gz) ? gz : plain;
            if (!Files.exists(file)) {
                throw new DataException(dir + ": missing " + FILES[i] + " (or " + FILES[i] + ".gz)");
            }
            byte[] bytes = Files.readAllBytes(file);
            files.add(DataFile.of(file.getFileName().toString(), bytes));
            arrays[i] = Idx.read(new java.io.ByteArrayInputStream(bytes), file.toString());
        }
        ImageSet train = ImageSet.of(arrays[0], arrays[1], dir + "/" + FILES[0]);
        ImageSet test = ImageSet.of(arrays[2], arrays[3], dir + "/" + FILES[2]);
        return new Data(train, test, description + ": " + train.count() + " train / " + test.count() + " test images",
                files);
    }
}
