package org.pamadam.djl;

import ai.djl.ndarray.types.Shape;
import java.util.Random;

/** Test helpers: seeded random tensors and error measures. */
final class Tensors {
    private Tensors() {
    }

    static float[] normal(Random rnd, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (rnd.nextGaussian() * scale);
        }
        return out;
    }

    static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    static Shape shape(int[] dims) {
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = dims[i];
        }
        return new Shape(out);
    }

    /** max|got - want| / max|want| (0 when identical; infinite for a NaN or for a difference from all zeros). */
    static double relativeError(float[] got, float[] want) {
        if (got.length != want.length) {
            throw new AssertionError("length " + got.length + " != " + want.length);
        }
        // The traces' own agreement metric.
        return org.pamadam.trace.Replay.relativeError(got, want);
    }

    /** The decimal a float hyperparameter stands for, as PyTorch users write it (0.9f means 0.9). */
    static double decimal(float f) {
        return Double.parseDouble(Float.toString(f));
    }
}
