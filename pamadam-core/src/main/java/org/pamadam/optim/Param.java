package org.pamadam.optim;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A named parameter tensor: its values, updated in place by the optimizer, and its current gradient,
 * or none this step (the tensor is then skipped, as PyTorch skips a parameter whose
 * {@code grad is None}).
 *
 * <p>The values live in one of two kinds of memory, fixed when the Param is made:
 * <ul>
 * <li><b>heap</b> ({@link #of(String, int[], float[])}): a row-major {@code float[]};</li>
 * <li><b>direct</b> ({@link #ofBuffer}): a region of a direct {@link ByteBuffer} in native byte order,
 *     such as a framework tensor's own memory (DJL's {@code NDArray.toByteBuffer(true)} on a CPU
 *     PyTorch tensor, ND4J's {@code DataBuffer}). The optimizer then reads and writes that memory
 *     with no copy, and keeps the tensor's moments off-heap too.</li>
 * </ul>
 * A gradient is on the same kind of memory as its values: each kernel loop runs over one kind.
 * When a framework reallocates a tensor, {@link #rebind} points the Param at the new memory; the
 * optimizer's state for it (moments, step count) is kept.
 *
 * <p>Not thread-safe: set gradients and rebind between steps, from the thread that steps.
 */
public final class Param {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** Read-only zeros for {@link #zeroGrad}; never written. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 16);

    private final String name;
    private final int[] shape;
    private final int size;
    private final boolean direct;
    private float[] data;
    /** Direct values: a native-order slice whose index 0 is element 0, exactly {@code size} floats. */
    private ByteBuffer buffer;
    /** The buffer and element offset {@link #buffer} was cut from, to tell two views of one memory apart. */
    private ByteBuffer source;
    private int sourceOffset;
    private float[] grad;
    private ByteBuffer gradBuffer;
    /** The last direct gradient view made, kept across steps so that setting it again allocates nothing. */
    private ByteBuffer gradView;
    private ByteBuffer gradSource;
    private int gradOffset;
    /** The view set before {@link #gradView}, kept for callers that alternate two gradient buffers. */
    private ByteBuffer otherGradView;
    private ByteBuffer otherGradSource;
    private int otherGradOffset;

    private Param(String name, int[] shape, int size, boolean direct) {
        this.name = name;
        this.shape = shape;
        this.size = size;
        this.direct = direct;
    }

    /**
     * Wraps {@code data} (not copied: the optimizer updates it in place). {@code shape} may be empty for
     * a 0-d scalar; its element count must equal {@code data.length}.
     */
    public static Param of(String name, int[] shape, float[] data) {
        checkName(name);
        if (shape == null || data == null) {
            throw new IllegalArgumentException("parameter '" + name + "': shape and data must not be null");
        }
        int count = count(name, shape);
        if (count != data.length) {
            throw new IllegalArgumentException("parameter '" + name + "': shape " + Arrays.toString(shape)
                    + " holds " + count + " elements but data has " + data.length);
        }
        Param p = new Param(name, shape.clone(), count, false);
        p.data = data;
        return p;
    }

    /** A 1-d parameter over {@code data}. */
    public static Param of(String name, float[] data) {
        return of(name, new int[] {data.length}, data);
    }

    /**
     * A parameter over the floats of a direct, writable {@code buffer} from element {@code offset} (in
     * floats, counted from the buffer's index 0, not its position) on: as many as {@code shape} holds.
     * The memory is read and written in place in native byte order, whatever {@code buffer.order()}
     * says. The buffer must stay valid while the optimizer uses it.
     */
    public static Param ofBuffer(String name, int[] shape, ByteBuffer buffer, int offset) {
        checkName(name);
        if (shape == null || buffer == null) {
            throw new IllegalArgumentException("parameter '" + name + "': shape and buffer must not be null");
        }
        Param p = new Param(name, shape.clone(), count(name, shape), true);
        p.rebind(buffer, offset);
        return p;
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("parameter name must not be empty");
        }
    }

    private static int count(String name, int[] shape) {
        long count = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "parameter '" + name + "': negative dimension in shape " + Arrays.toString(shape));
            }
            count *= d;
            if (count > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("parameter '" + name + "': shape " + Arrays.toString(shape)
                        + " holds more than " + (Integer.MAX_VALUE - 8) + " elements");
            }
        }
        return (int) count;
    }

    /**
     * Points this direct parameter at new memory (the framework reallocated the tensor): a region of
     * {@code buffer} from element {@code offset} on, checked as in {@link #ofBuffer}. Its optimizer
     * state is kept.
     */
    public void rebind(ByteBuffer buffer, int offset) {
        if (!direct) {
            throw new IllegalArgumentException("parameter '" + name + "' is on the heap (a float[]): rebind it"
                    + " with a float[]; a Param keeps the kind of memory it was made with");
        }
        ByteBuffer region = region("parameter '" + name + "'", buffer, offset, size);
        if (region.isReadOnly()) {
            throw new IllegalArgumentException("parameter '" + name + "': the buffer is read-only, but the"
                    + " optimizer writes the values in place");
        }
        this.buffer = region;
        this.source = buffer;
        this.sourceOffset = offset;
    }

    /** Points this heap parameter at a new {@code float[]} of the same length. Its optimizer state is kept. */
    public void rebind(float[] data) {
        if (direct) {
            throw new IllegalArgumentException("parameter '" + name + "' is off-heap (a direct buffer): rebind it"
                    + " with a direct buffer; a Param keeps the kind of memory it was made with");
        }
        if (data == null || data.length != size) {
            throw new IllegalArgumentException("parameter '" + name + "': rebind to " + (data == null ? "null"
                    : data.length + " elements") + ", expected " + size + " (shape " + Arrays.toString(shape) + ")");
        }
        this.data = data;
    }

    /** A native-order slice of {@code count} floats from element {@code offset} of a direct buffer. */
    private static ByteBuffer region(String what, ByteBuffer buffer, int offset, int count) {
        if (buffer == null) {
            throw new IllegalArgumentException(what + ": the buffer must not be null");
        }
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException(what + ": the buffer must be direct (off-heap); for heap memory"
                    + " use a float[]");
        }
        long end = ((long) offset + count) * Float.BYTES;
        if (offset < 0 || end > buffer.capacity()) {
            throw new IllegalArgumentException(what + ": floats " + offset + " to " + ((long) offset + count)
                    + " do not fit a buffer of " + buffer.capacity() + " bytes (" + buffer.capacity() / Float.BYTES
                    + " floats)");
        }
        return buffer.slice(offset * Float.BYTES, count * Float.BYTES).order(NATIVE);
    }

    public String name() {
        return name;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int size() {
        return size;
    }

    /** True when the values live in a direct buffer ({@link #ofBuffer}), false for a {@code float[]}. */
    public boolean isDirect() {
        return direct;
    }

    /**
     * The live values of a heap parameter, updated in place by {@link Optimizer#step()}.
     *
     * @throws IllegalStateException for a direct parameter: use {@link #buffer()}
     */
    public float[] data() {
        if (direct) {
            throw new IllegalStateException("parameter '" + name + "' is off-heap: read it through buffer()");
        }
        return data;
    }

    /**
     * The live values of a direct parameter: a native-order view whose index 0 is element 0 and whose
     * capacity is {@code 4 * size()} bytes.
     *
     * @throws IllegalStateException for a heap parameter: use {@link #data()}
     */
    public ByteBuffer buffer() {
        if (!direct) {
            throw new IllegalStateException("parameter '" + name + "' is on the heap: read it through data()");
        }
        return buffer;
    }

    /** Element {@code i} of the values, on either kind of memory (for checks and messages, not loops). */
    public float get(int i) {
        return direct ? buffer.getFloat(i * Float.BYTES) : data[i];
    }

    /** True when a gradient is set for the next step. */
    public boolean hasGrad() {
        return grad != null || gradBuffer != null;
    }

    /** The heap gradient for the next step, or null (always null for a direct parameter). */
    public float[] grad() {
        return grad;
    }

    /** The direct gradient for the next step (a native-order view from element 0), or null. */
    public ByteBuffer gradBuffer() {
        return gradBuffer;
    }

    /** Element {@code i} of the gradient, on either kind of memory (for checks and messages, not loops). */
    public float gradAt(int i) {
        return direct ? gradBuffer.getFloat(i * Float.BYTES) : grad[i];
    }

    /**
     * Sets the gradient for the next step (not copied), or null to skip this tensor. A wrong length, or
     * a {@code float[]} for a direct parameter, is refused here, naming the tensor.
     */
    public void setGrad(float[] grad) {
        if (grad == null) {
            clearGrad();
            return;
        }
        if (direct) {
            throw new IllegalArgumentException("parameter '" + name + "' is off-heap: its gradient must be a direct"
                    + " buffer too (setGrad(ByteBuffer, int)), not a float[]");
        }
        if (grad.length != size) {
            throw new IllegalArgumentException("gradient for '" + name + "' has " + grad.length
                    + " elements, expected " + size + " (shape " + Arrays.toString(shape) + ")");
        }
        this.grad = grad;
    }

    /**
     * Sets the gradient of a direct parameter: the floats of a direct {@code buffer} (read-only is
     * fine) from element {@code offset} on, as many as the parameter holds. Setting the same buffer and
     * offset again, or either of the last two, reuses the view, so a training loop that does so
     * (one gradient buffer, or two in turn) allocates nothing.
     */
    public void setGrad(ByteBuffer buffer, int offset) {
        if (!direct) {
            throw new IllegalArgumentException("parameter '" + name + "' is on the heap: its gradient must be a"
                    + " float[] too (setGrad(float[])), not a buffer");
        }
        if (buffer != gradSource || offset != gradOffset || gradView == null) {
            ByteBuffer view = buffer == otherGradSource && offset == otherGradOffset && otherGradView != null
                    ? otherGradView : region("gradient for '" + name + "'", buffer, offset, size);
            otherGradView = gradView;
            otherGradSource = gradSource;
            otherGradOffset = gradOffset;
            gradView = view;
            gradSource = buffer;
            gradOffset = offset;
        }
        gradBuffer = gradView;
    }

    /**
     * Sets elements {@code [from, to)} of the gradient to +0: the optimizer's fused zeroing, chunk by
     * chunk right after pass two has read them ({@link Optimizer#stepAndZeroGrad()}).
     */
    void zeroGrad(int from, int to) {
        if (!direct) {
            Arrays.fill(grad, from, to, 0f);
            return;
        }
        // Bulk copies from a shared all-zero buffer: the absolute put leaves its position alone, so
        // worker threads may share it.
        int at = from * Float.BYTES;
        int end = to * Float.BYTES;
        while (at < end) {
            int n = Math.min(end - at, ZEROS.capacity());
            gradBuffer.put(at, ZEROS, 0, n);
            at += n;
        }
    }

    /** Removes the gradient: the tensor is skipped by the next step. */
    public void clearGrad() {
        grad = null;
        gradBuffer = null;
    }

    /** True when the two parameters' values overlap in memory (as far as can be told: same array, or regions of one buffer). */
    boolean overlaps(Param other) {
        if (size == 0 || other.size == 0 || direct != other.direct) {
            return false;
        }
        if (!direct) {
            return data == other.data;
        }
        return source == other.source && sourceOffset < other.sourceOffset + other.size
                && other.sourceOffset < sourceOffset + size;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + (direct ? " (direct)" : "");
    }
}
