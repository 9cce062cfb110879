package org.pamadam;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Seeded random tensors for tests. */
public final class TestData {
    private TestData() {
    }

    public static float[] gaussian(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
            double u = 1 - rnd.nextDouble();
            double w = rnd.nextDouble();
            a[i] = (float) (scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w));
        }
        return a;
    }

    /** A direct, native-order buffer holding {@code values} from element {@code offset} on (zeros before). */
    public static ByteBuffer direct(float[] values, int offset) {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * (offset + values.length + 3)).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(offset, values);
        return b;
    }

    /** {@code n} floats of a direct buffer from element {@code offset} on. */
    public static float[] floats(ByteBuffer b, int offset, int n) {
        float[] out = new float[n];
        b.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().get(offset, out);
        return out;
    }
}
