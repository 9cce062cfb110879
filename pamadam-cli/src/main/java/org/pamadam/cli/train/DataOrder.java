package org.pamadam.cli.train;

import java.util.Random;

/**
 * The order in which every engine visits the images. An epoch's order depends only on the seed and
 * the epoch number, so a resumed run sees exactly the order an uninterrupted one would.
 */
final class DataOrder {
    private DataOrder() {
    }

    /** The training order of one epoch (1-based). */
    static int[] forEpoch(RunSpec spec, int n, int epoch) {
        return shuffled(n, new Random(spec.seed() * 1_000_003L + epoch));
    }

    /** 0, 1, ..., n-1 (evaluation needs no shuffle). */
    static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    /** A Fisher-Yates shuffle of 0..n-1 with {@code rnd}. */
    static int[] shuffled(int n, Random rnd) {
        int[] p = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
