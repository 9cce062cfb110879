package org.pamadam.dl4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The accumulation window of a {@link NetworkStep}: per tensor an off-heap sum of the micro-batch
 * gradients, turned into sum / k for the step. The arithmetic is the core {@code Accumulation}'s, so
 * the result has its bits: the first micro-batch is copied, the others added in float, element by
 * element in micro-batch order, and the sum divided by k as a float, k the window's length even for
 * a partial window (the core's one rule: what torch's loop, which divides each loss by k, does with a
 * short last window).
 */
final class MeanWindow {
    private final ByteBuffer[] sums;
    private int pending;

    /** A window over tensors of these sizes (floats); its buffers are allocated on the first add. */
    MeanWindow(int tensors) {
        sums = new ByteBuffer[tensors];
    }

    /** Micro-batches added since the window opened. */
    int pending() {
        return pending;
    }

    /** Adds one micro-batch: {@code grads[i]} is tensor i's gradient, native order from index 0. */
    void add(ByteBuffer[] grads) {
        for (int i = 0; i < sums.length; i++) {
            int bytes = grads[i].capacity();
            if (sums[i] == null) {
                sums[i] = ByteBuffer.allocateDirect(Math.max(bytes, Float.BYTES)).order(ByteOrder.nativeOrder());
            }
            ByteBuffer s = sums[i];
            ByteBuffer g = grads[i];
            if (pending == 0) {
                s.put(0, g, 0, bytes);
            } else {
                for (int k = 0; k < bytes; k += Float.BYTES) {
                    s.putFloat(k, s.getFloat(k) + g.getFloat(k));
                }
            }
        }
        pending++;
    }

    /**
     * Closes the window: the sums become sum / k, and the window is empty again (a refused step drops
     * it, as the core's does). Returns the buffers, which stay this window's: valid until the next
     * {@link #add}.
     */
    ByteBuffer[] close(int[] sizes, int k) {
        pending = 0;
        if (k != 1) {
            float d = k;
            for (int i = 0; i < sums.length; i++) {
                ByteBuffer s = sums[i];
                for (int b = 0, bytes = sizes[i] * Float.BYTES; b < bytes; b += Float.BYTES) {
                    s.putFloat(b, s.getFloat(b) / d);
                }
            }
        }
        return sums;
    }
}
