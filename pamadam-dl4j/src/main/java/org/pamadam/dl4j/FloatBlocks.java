package org.pamadam.dl4j;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk access to the float32 storage behind ND4J arrays, so the element loops run over heap
 * {@code float[]} chunks (the core's kernels, plain loops the JIT vectorises) instead of per-element
 * INDArray getters.
 *
 * <p>An array is used in place when its elements are one contiguous run of its buffer (element-wise
 * stride 1): DL4J's parameter, gradient and updater-state views always are. Arrays that work on the
 * same elements must also agree on the order of that run (vectors always do; matrices need the same
 * shape and ordering); otherwise {@link #contiguous} substitutes C-order copies, and {@link #writeBack}
 * copies results back. Each chunk is copied in and out with bulk {@link FloatBuffer} transfers
 * (memcpy), small enough to stay in cache.
 */
final class FloatBlocks {
    /** Elements per chunk: four chunks of the working arrays fit comfortably in L2. */
    static final int CHUNK = 8192;

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][CHUNK]);

    private FloatBlocks() {
    }

    /** This thread's four scratch chunks of {@link #CHUNK} floats. */
    static float[][] scratch() {
        return SCRATCH.get();
    }

    /**
     * The arrays themselves when they can be processed in place together, else C-order copies of all
     * of them. Every array must be float32 and have the same number of elements.
     */
    static INDArray[] contiguous(String who, INDArray... arrays) {
        long n = arrays[0].length();
        boolean inPlace = true;
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT) {
                throw new IllegalArgumentException(who + " computes in float32 like the reference optimizer, but got a "
                        + a.dataType() + " array; build the network with dataType(DataType.FLOAT)");
            }
            if (a.length() != n) {
                throw new IllegalArgumentException(who + ": arrays of " + n + " and " + a.length()
                        + " elements cannot be stepped together");
            }
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(who + ": " + n + " elements in one array is more than 2^31 - 1");
            }
            inPlace &= n <= 1 || a.elementWiseStride() == 1;
        }
        if (inPlace && !sameLayout(arrays)) {
            inPlace = false;
        }
        if (inPlace) {
            return arrays;
        }
        INDArray[] copies = new INDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            copies[i] = arrays[i].dup('c');
        }
        return copies;
    }

    /** Element {@code i} of every array is at the same position of its contiguous run. */
    private static boolean sameLayout(INDArray[] arrays) {
        boolean allVectors = true;
        for (INDArray a : arrays) {
            allVectors &= a.isVectorOrScalar();
        }
        if (allVectors) {
            return true;
        }
        INDArray first = arrays[0];
        for (INDArray a : arrays) {
            if (a.ordering() != first.ordering() || !java.util.Arrays.equals(a.shape(), first.shape())) {
                return false;
            }
        }
        return true;
    }

    /** After {@link #contiguous} returned copies: copies the arrays at {@code written} back. */
    static void writeBack(INDArray[] originals, INDArray[] work, int... written) {
        if (work == originals) {
            return;
        }
        for (int i : written) {
            originals[i].assign(work[i]);
        }
    }

    /** The buffer of a contiguous float32 array, positioned at its first element. */
    static FloatBuffer buffer(INDArray a) {
        // asNioFloat() wraps the whole underlying allocation and sets the position to the view's offset.
        FloatBuffer b = a.data().asNioFloat();
        if (b.order() != ByteOrder.nativeOrder()) {
            throw new IllegalStateException("ND4J buffer is not in native byte order");
        }
        return b;
    }
}
