package org.pamadam.optim;

import java.lang.ref.Cleaner;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Zeroed off-heap float arrays on a 64-byte boundary (a cache line, as PyTorch's CPU tensors are),
 * freed on demand. Two ways, chosen once per JVM, both through reflection so the library still
 * compiles for JDK 17:
 * <ul>
 * <li>JDK 22 and later: one shared {@code java.lang.foreign.Arena} per array, closed by
 *     {@link #free}, or by a {@link Cleaner} once the array's buffer is unreachable (as the garbage
 *     collector frees a direct buffer). An access after {@link #free} throws instead of reading freed
 *     memory.</li>
 * <li>Before: {@code ByteBuffer.allocateDirect}, freed by {@code sun.misc.Unsafe.invokeCleaner}. JDK
 *     24 and later warn about that method, which is why newer JDKs take the arena. Where neither
 *     works, freeing is left to the garbage collector, as for any direct buffer.</li>
 * </ul>
 */
final class OffHeapFloats {
    private static final int LINE = 64;

    /** The arena methods (JDK 22+), else null. */
    private static final Method OF_SHARED;
    private static final Method ALLOCATE;
    private static final Method AS_BYTE_BUFFER;
    private static final Method CLOSE;
    /** {@code Unsafe.invokeCleaner} and its receiver (before JDK 22), else null. */
    private static final Method INVOKE_CLEANER;
    private static final Object UNSAFE;

    static {
        Method ofShared = null;
        Method allocate = null;
        Method asByteBuffer = null;
        Method close = null;
        if (Runtime.version().feature() >= 22) {
            try {
                Class<?> arena = Class.forName("java.lang.foreign.Arena");
                ofShared = arena.getMethod("ofShared");
                allocate = arena.getMethod("allocate", long.class, long.class);
                close = arena.getMethod("close");
                asByteBuffer = Class.forName("java.lang.foreign.MemorySegment").getMethod("asByteBuffer");
            } catch (ReflectiveOperationException | RuntimeException e) {
                ofShared = null;
            }
        }
        OF_SHARED = ofShared;
        ALLOCATE = allocate;
        AS_BYTE_BUFFER = asByteBuffer;
        CLOSE = close;
        Method invoke = null;
        Object unsafe = null;
        if (OF_SHARED == null) {
            try {
                Class<?> type = Class.forName("sun.misc.Unsafe");
                Field field = type.getDeclaredField("theUnsafe");
                field.setAccessible(true);
                unsafe = field.get(null);
                invoke = type.getMethod("invokeCleaner", ByteBuffer.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                invoke = null;
            }
        }
        INVOKE_CLEANER = invoke;
        UNSAFE = unsafe;
    }

    private OffHeapFloats() {
    }

    /** One allocation: the native-order view of its floats, and what {@link #free} releases. */
    static final class Block {
        final ByteBuffer floats;
        /** The direct buffer to clean (before JDK 22), else null. */
        private final ByteBuffer direct;
        /** Closes the arena (JDK 22+), else null. */
        private final Cleaner.Cleanable arena;

        private Block(ByteBuffer floats, ByteBuffer direct, Cleaner.Cleanable arena) {
            this.floats = floats;
            this.direct = direct;
            this.arena = arena;
        }
    }

    /** Started only where arenas are used. */
    private static final class Arenas {
        static final Cleaner CLEANER = Cleaner.create();
    }

    /** Closes an arena; holds no reference to what it frees, as a {@link Cleaner} action must not. */
    private static final class CloseArena implements Runnable {
        private final Object arena;

        CloseArena(Object arena) {
            this.arena = arena;
        }

        @Override
        public void run() {
            try {
                CLOSE.invoke(arena);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Nothing else can free it; the process keeps the memory.
            }
        }
    }

    /** {@code floats} zeroed floats starting on a 64-byte boundary. */
    static Block allocate(int floats) {
        long bytes = (long) floats * Float.BYTES;
        if (OF_SHARED != null) {
            try {
                Object arena = OF_SHARED.invoke(null);
                Object segment = ALLOCATE.invoke(arena, Math.max(bytes, 1), (long) LINE);
                ByteBuffer view = ((ByteBuffer) AS_BYTE_BUFFER.invoke(segment)).limit((int) bytes).slice()
                        .order(ByteOrder.nativeOrder());
                return new Block(view, null, Arenas.CLEANER.register(view, new CloseArena(arena)));
            } catch (ReflectiveOperationException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (cause instanceof OutOfMemoryError) {
                    throw (OutOfMemoryError) cause;
                }
                throw new IllegalStateException("off-heap allocation of " + bytes + " bytes failed", cause);
            }
        }
        ByteBuffer memory = ByteBuffer.allocateDirect((int) bytes + 2 * LINE);
        ByteBuffer view = memory.alignedSlice(LINE);
        view.limit((int) bytes);
        return new Block(view.slice().order(ByteOrder.nativeOrder()), memory, null);
    }

    /** Releases the block's memory now; it must not be used afterwards. */
    static void free(Block block) {
        if (block.arena != null) {
            block.arena.clean(); // closes it once, here or never again
            return;
        }
        if (INVOKE_CLEANER != null) {
            try {
                INVOKE_CLEANER.invoke(UNSAFE, block.direct);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Left to the garbage collector, which frees an unreachable direct buffer.
            }
        }
    }
}
