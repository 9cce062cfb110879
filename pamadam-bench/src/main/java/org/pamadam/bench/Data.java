package org.pamadam.bench;

import java.util.SplittableRandom;

final class Data {
    private Data() {
    }

    /** Uniform values in [-scale, scale): the benchmark's numbers only need to be finite and varied. */
    static float[] random(SplittableRandom rnd, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    static float[] negated(float[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = -a[i];
        }
        return out;
    }
}
