package org.pamadam.dl4j;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The off-heap memory behind an ND4J array, for the core's kernels to read and write in place: the
 * direct buffer of the whole allocation ({@code data().asNio()}, index 0 is the allocation's first
 * element) and the array's first element in it ({@code offset()}, in floats).
 *
 * <p>Only a dense run of float32 elements is accepted: element-wise stride 1, as DL4J's parameter,
 * gradient and updater-state views always are. A strided view is refused naming the tensor, its
 * shape and strides, rather than copied: a copy would cost two passes per step and hide where the
 * memory went. Two arrays stepped together (a parameter and its gradient) must also lay their
 * elements out the same way, so that element k of one is element k of the other.
 */
final class NdMemory {
    private NdMemory() {
    }

    /** The direct buffer under {@code a} (checked by {@link #check}). */
    static ByteBuffer buffer(INDArray a) {
        return a.data().asNio();
    }

    /** The offset, in floats, of {@code a}'s first element in {@link #buffer}. */
    static int offset(INDArray a) {
        return Math.toIntExact(a.offset());
    }

    /** Refuses an array the kernels cannot run over in place, naming {@code what}. */
    static void check(String what, INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException(what + " is " + a.dataType() + ", but pamadam-dl4j steps float32 "
                    + "tensors (the reference is float32); build the network with dataType(DataType.FLOAT)");
        }
        if (a.length() > 1 && a.elementWiseStride() != 1) {
            throw new IllegalArgumentException(what + " is not one dense run of memory (shape "
                    + Arrays.toString(a.shape()) + ", strides " + Arrays.toString(a.stride()) + ", order "
                    + a.ordering() + "): the step runs in place over contiguous memory only");
        }
        if (a.offset() + a.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " ends at float " + (a.offset() + a.length())
                    + " of its buffer, beyond 2^31 - 1");
        }
        ByteBuffer b = buffer(a);
        if (b == null || !b.isDirect()) {
            throw new IllegalArgumentException(what + ": ND4J gives no direct buffer for it (a CPU backend such as"
                    + " nd4j-native is required)");
        }
    }

    /** Refuses a parameter and gradient whose elements are not laid out alike. */
    static void checkSameLayout(String what, INDArray param, INDArray grad) {
        if (param.length() != grad.length()) {
            throw new IllegalArgumentException(what + ": parameter has " + param.length() + " elements, gradient "
                    + grad.length());
        }
        if (param.length() > 1 && (param.ordering() != grad.ordering()
                || !Arrays.equals(param.shape(), grad.shape()))) {
            throw new IllegalArgumentException(what + ": parameter " + Arrays.toString(param.shape()) + " order "
                    + param.ordering() + " and gradient " + Arrays.toString(grad.shape()) + " order "
                    + grad.ordering() + " lay their elements out differently");
        }
    }
}
