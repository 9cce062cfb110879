package org.pamadam;

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
}
