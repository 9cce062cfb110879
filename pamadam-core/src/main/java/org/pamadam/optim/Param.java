package org.pamadam.optim;

import java.util.Arrays;

/**
 * A named parameter tensor: its values (row-major {@code float[]}, updated in place by the optimizer)
 * and its current gradient, or null when it has none this step (it is then skipped, as PyTorch skips
 * a parameter whose {@code grad is None}).
 */
public final class Param {
    private final String name;
    private final int[] shape;
    private final float[] data;
    private float[] grad;

    private Param(String name, int[] shape, float[] data) {
        this.name = name;
        this.shape = shape;
        this.data = data;
    }

    /**
     * Wraps {@code data} (not copied: the optimizer updates it in place). {@code shape} may be empty for
     * a 0-d scalar; its element count must equal {@code data.length}.
     */
    public static Param of(String name, int[] shape, float[] data) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("parameter name must not be empty");
        }
        if (shape == null || data == null) {
            throw new IllegalArgumentException("parameter '" + name + "': shape and data must not be null");
        }
        long count = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "parameter '" + name + "': negative dimension in shape " + Arrays.toString(shape));
            }
            count *= d;
        }
        if (count != data.length) {
            throw new IllegalArgumentException("parameter '" + name + "': shape " + Arrays.toString(shape)
                    + " holds " + count + " elements but data has " + data.length);
        }
        return new Param(name, shape.clone(), data);
    }

    /** A 1-d parameter over {@code data}. */
    public static Param of(String name, float[] data) {
        return of(name, new int[] {data.length}, data);
    }

    public String name() {
        return name;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int size() {
        return data.length;
    }

    /** The live values, updated in place by {@link Optimizer#step()}. */
    public float[] data() {
        return data;
    }

    /** The gradient for the next step, or null. */
    public float[] grad() {
        return grad;
    }

    /**
     * Sets the gradient for the next step (not copied), or null to skip this tensor. A wrong length is
     * refused here, naming the tensor.
     */
    public void setGrad(float[] grad) {
        if (grad != null && grad.length != data.length) {
            throw new IllegalArgumentException("gradient for '" + name + "' has " + grad.length
                    + " elements, expected " + data.length + " (shape " + Arrays.toString(shape) + ")");
        }
        this.grad = grad;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
