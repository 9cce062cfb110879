package org.pamadam.dl4j.spark;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pamadam.data.ImageSet;

/** Turns pamadam-data's {@link ImageSet}s into the DataSets {@link SparkTraining} takes. */
public final class SparkData {
    /** Fashion-MNIST has ten classes. */
    public static final int CLASSES = 10;

    private SparkData() {
    }

    /**
     * Images {@code [from, from + count)} as one DataSet: float features {@code [count, rows*cols]} in
     * [0, 1], one-hot labels {@code [count, 10]}.
     */
    public static DataSet slice(ImageSet set, int from, int count) {
        if (from < 0 || count < 1 || from + count > set.count()) {
            throw new IllegalArgumentException("images [" + from + ", " + (from + count) + ") are not within the "
                    + set.count() + " of the set");
        }
        int f = set.features();
        float[] x = new float[count * f];
        System.arraycopy(set.pixels(), from * f, x, 0, count * f);
        float[] y = new float[count * CLASSES];
        for (int i = 0; i < count; i++) {
            y[i * CLASSES + set.labels()[from + i]] = 1f;
        }
        return new DataSet(Nd4j.create(x, new long[] {count, f}, 'c'), Nd4j.create(y, new long[] {count, CLASSES}, 'c'));
    }

    /** The whole set as one DataSet (a test set). */
    public static DataSet all(ImageSet set) {
        return slice(set, 0, set.count());
    }

    /** The set cut into minibatches of {@code size} images, in order (the last one may be smaller). */
    public static List<DataSet> minibatches(ImageSet set, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("minibatch size must be >= 1, got " + size);
        }
        List<DataSet> out = new ArrayList<>();
        for (int from = 0; from < set.count(); from += size) {
            out.add(slice(set, from, Math.min(size, set.count() - from)));
        }
        return out;
    }
}
