package org.pamadam.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The memory of DJL PyTorch CPU tensors, seen from Java: whether a tensor's memory can be viewed
 * (and so updated in place), the view, and the few element loops the host path runs on gradients
 * itself (zeroing, the mean of an accumulation window, rescale and element clipping). The step's
 * maths is the core's.
 */
final class TensorMemory {
    private static final String PYTORCH = "PyTorch";
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** Copied over gradients to zero them, a block at a time (memcpy speed, no per-element loop). */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 16);

    private TensorMemory() {
    }

    /**
     * Whether {@code array}'s memory can be viewed: PyTorch engine (eager, so a CPU tensor's memory
     * holds its current value), CPU, float32, dense, and a direct buffer that really aliases the
     * tensor. The last is probed: PyTorch hands out a contiguous copy for a non-contiguous tensor.
     */
    static boolean viewable(NDArray array) {
        long size = array.size();
        if (size == 0 || size > Integer.MAX_VALUE - 8
                || !PYTORCH.equals(array.getManager().getEngine().getEngineName())
                || !Device.cpu().equals(array.getDevice())
                || array.getDataType() != DataType.FLOAT32
                || array.isSparse()) {
            return false;
        }
        ByteBuffer first = array.toByteBuffer(true);
        return first.isDirect() && first.capacity() == size * Float.BYTES && aliases(first, array.toByteBuffer(true));
    }

    /** A native-order view of a viewable tensor's memory (a copy for any other tensor). */
    static ByteBuffer view(NDArray array) {
        return array.toByteBuffer(true).order(NATIVE);
    }

    /**
     * Whether two direct buffers show the same memory: one element is flipped through {@code a} and
     * looked for through {@code b}, then restored bit for bit.
     */
    static boolean aliases(ByteBuffer a, ByteBuffer b) {
        if (!a.isDirect() || !b.isDirect() || a.capacity() != b.capacity() || a.capacity() < Float.BYTES) {
            return false;
        }
        int bits = a.getInt(0);
        a.putInt(0, ~bits);
        boolean same = b.getInt(0) == ~bits;
        a.putInt(0, bits);
        return same;
    }

    /** Whether every byte of the buffer is 0 (stops at the first that is not). */
    static boolean allZero(ByteBuffer buffer) {
        int bytes = buffer.capacity();
        int at = 0;
        for (; at + Long.BYTES <= bytes; at += Long.BYTES) {
            if (buffer.getLong(at) != 0) {
                return false;
            }
        }
        for (; at < bytes; at++) {
            if (buffer.get(at) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Writes exact zeros over the buffer (whatever it held, NaN included). */
    static void zero(ByteBuffer buffer) {
        int bytes = buffer.capacity();
        for (int at = 0; at < bytes; at += ZEROS.capacity()) {
            int n = Math.min(ZEROS.capacity(), bytes - at);
            buffer.put(at, ZEROS, 0, n);
        }
    }

    /**
     * {@code dst[i] = clip(src[i] / divisor * rescale)}, where clip is {@code [-clip, clip]} when
     * {@code clip > 0}; each step is left out when neutral. The division is the mean of an
     * accumulation window, rounded as the core's {@code Accumulation} rounds it. {@code dst} may be
     * {@code src}.
     */
    static void prepare(ByteBuffer src, ByteBuffer dst, int size, float divisor, float rescale, float clip) {
        for (int i = 0; i < size; i++) {
            int at = i * Float.BYTES;
            float g = src.getFloat(at);
            if (divisor != 1f) {
                g /= divisor;
            }
            if (rescale != 1f) {
                g *= rescale;
            }
            if (clip > 0f) {
                g = Math.max(-clip, Math.min(clip, g));
            }
            dst.putFloat(at, g);
        }
    }
}
