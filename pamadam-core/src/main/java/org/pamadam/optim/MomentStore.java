package org.pamadam.optim;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The moments m and v of every tensor, on the same kind of memory as the tensor: {@code float[]} for a
 * heap {@link Param}, a direct buffer for a direct one (so one kernel loop reads all four arrays).
 * {@code v} is absent for momentum rules. Off-heap moments ({@link OffHeapFloats}) are freed by
 * {@link #free()}; until then, or for a store never freed, once the garbage collector finds them
 * unreachable.
 *
 * <p>Off-heap moments start on a 64-byte boundary, a cache line, as PyTorch's CPU tensors do:
 * {@code allocateDirect} gives malloc's 16, and the vector loops then split loads across lines
 * (pass one over the main job's 235,146 floats took 77 instead of 89 us in
 * {@code docs/benchmarks/issue-19-e2e/kernels-mlp-size/}).
 */
final class MomentStore {
    private final float[][] mHeap;
    private final float[][] vHeap;
    private final ByteBuffer[] mDirect;
    private final ByteBuffer[] vDirect;
    /** The allocations behind the m and v views (what {@link #free()} releases). */
    private final OffHeapFloats.Block[] mAllocated;
    private final OffHeapFloats.Block[] vAllocated;
    private boolean freed;

    /**
     * Allocates zeroed moments for every tensor, except those with {@code externalM[i]} set: their
     * moments are the given native-order regions (exactly {@code size} floats, index 0 first), as
     * they are.
     */
    MomentStore(Param[] params, boolean[] hasV, ByteBuffer[] externalM, ByteBuffer[] externalV) {
        int n = params.length;
        mHeap = new float[n][];
        vHeap = new float[n][];
        mDirect = new ByteBuffer[n];
        vDirect = new ByteBuffer[n];
        mAllocated = new OffHeapFloats.Block[n];
        vAllocated = new OffHeapFloats.Block[n];
        for (int i = 0; i < n; i++) {
            int size = params[i].size();
            if (externalM[i] != null) {
                mDirect[i] = externalM[i];
                vDirect[i] = hasV[i] ? externalV[i] : null;
            } else if (params[i].isDirect()) {
                mAllocated[i] = OffHeapFloats.allocate(size);
                mDirect[i] = mAllocated[i].floats;
                if (hasV[i]) {
                    vAllocated[i] = OffHeapFloats.allocate(size);
                    vDirect[i] = vAllocated[i].floats;
                }
            } else {
                mHeap[i] = new float[size];
                vHeap[i] = hasV[i] ? new float[size] : null;
            }
        }
    }

    float[] mHeap(int i) {
        return mHeap[i];
    }

    float[] vHeap(int i) {
        return vHeap[i];
    }

    ByteBuffer mDirect(int i) {
        return mDirect[i];
    }

    ByteBuffer vDirect(int i) {
        return vDirect[i];
    }

    boolean hasV(int i) {
        return vHeap[i] != null || vDirect[i] != null;
    }

    /** A copy of tensor {@code i}'s m ({@code second} false) or v, or null when it keeps no v. */
    float[] copy(int i, boolean second) {
        float[] heap = second ? vHeap[i] : mHeap[i];
        if (heap != null) {
            return heap.clone();
        }
        ByteBuffer direct = second ? vDirect[i] : mDirect[i];
        if (direct == null) {
            return null;
        }
        float[] out = new float[direct.capacity() / Float.BYTES];
        direct.asFloatBuffer().get(0, out);
        return out;
    }

    /** Overwrites tensor {@code i}'s m ({@code second} false) or v with {@code values} (same length). */
    void write(int i, boolean second, float[] values) {
        float[] heap = second ? vHeap[i] : mHeap[i];
        if (heap != null) {
            System.arraycopy(values, 0, heap, 0, heap.length);
            return;
        }
        ByteBuffer direct = second ? vDirect[i] : mDirect[i];
        if (direct != null) {
            direct.asFloatBuffer().put(0, values);
        }
    }

    /** Frees the off-heap moments now. The store must not be used afterwards (the optimizer checks). */
    void free() {
        if (freed) {
            return;
        }
        freed = true;
        Arrays.fill(mDirect, null);
        Arrays.fill(vDirect, null);
        for (OffHeapFloats.Block[] all : new OffHeapFloats.Block[][] {mAllocated, vAllocated}) {
            for (int i = 0; i < all.length; i++) {
                if (all[i] != null) {
                    OffHeapFloats.free(all[i]);
                    all[i] = null;
                }
            }
        }
    }
}
