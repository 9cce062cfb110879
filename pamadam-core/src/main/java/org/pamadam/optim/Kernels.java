package org.pamadam.optim;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * Picks the kernel, as Lucene's {@code VectorizationProvider}: the widest SIMD kernel the CPU has when
 * {@code jdk.incubator.vector} is present (run with {@code --add-modules jdk.incubator.vector}), else
 * the scalar one. No error is raised for a missing module; {@link #describe()} says which kernel is
 * active and why. Every kernel gives the same bits ({@link Kernel}), so the choice changes speed only.
 *
 * <p>The system property {@code pamadam.kernel} forces a choice: {@code scalar}, {@code vector} (the
 * widest), {@code vector-128}, {@code vector-256} or {@code vector-512}. A width the CPU lacks, or a
 * vector kernel without the module, is refused when the first optimizer is built, naming what the
 * machine has.
 *
 * <p>On a JDK whose {@code jdk.incubator.vector} dropped the JDK 17 {@code ByteBuffer} access (JDK 19
 * and later), a vector kernel still runs heap parameters, and parameters in direct buffers are copied
 * through per-thread heap blocks for its heap loops ({@link StagingVectorKernel}); {@link #describe()}
 * says so.
 */
final class Kernels {
    static final String PROPERTY = "pamadam.kernel";
    private static final String MODULE_HINT = "run with --add-modules jdk.incubator.vector";
    private static final String STAGED = "; this JDK's jdk.incubator.vector lacks the JDK 17 ByteBuffer"
            + " access, so parameters in direct buffers are copied through heap blocks";

    private Kernels() {
    }

    /**
     * The kernel {@code -Dpamadam.kernel} chooses (default: the widest available).
     *
     * @throws IllegalArgumentException when the property names a kernel this machine cannot run
     */
    static Kernel get() {
        if (Holder.CHOSEN == null) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + System.getProperty(PROPERTY) + ": "
                    + Holder.REASON);
        }
        return Holder.CHOSEN;
    }

    /** e.g. "vector-512 (jdk.incubator.vector present; widest on this CPU: 512 bits)". */
    static String describe() {
        return Holder.CHOSEN == null ? "refused: " + Holder.REASON : Holder.CHOSEN.name() + " (" + Holder.REASON + ")";
    }

    /** Decided once per JVM; a refused property keeps its message for every later call. */
    private static final class Holder {
        static final Kernel CHOSEN;
        static final String REASON;

        static {
            String forced = System.getProperty(PROPERTY, "").trim();
            int widest = widestBits();
            Kernel chosen = null;
            String reason;
            if (!forced.isEmpty()) {
                try {
                    chosen = named(forced);
                    reason = "forced by -D" + PROPERTY + "=" + forced
                            + (chosen instanceof StagingVectorKernel ? STAGED : "");
                } catch (IllegalArgumentException e) {
                    reason = e.getMessage();
                }
            } else if (widest == 0) {
                chosen = ScalarKernel.SCALAR;
                reason = "jdk.incubator.vector not available (" + MODULE_HINT + ")";
            } else {
                chosen = vectorOrNull(widest);
                reason = "jdk.incubator.vector present; widest on this CPU: " + widest + " bits"
                        + (chosen instanceof StagingVectorKernel ? STAGED : "");
                if (chosen == null) {
                    chosen = ScalarKernel.SCALAR;
                    reason = "this JDK's jdk.incubator.vector cannot run the vector kernels";
                }
            }
            CHOSEN = chosen;
            REASON = reason;
        }
    }

    /**
     * The kernel named {@code name} ({@code scalar}, {@code vector}, {@code vector-128},
     * {@code vector-256}, {@code vector-512}); an {@link IllegalArgumentException} names what this
     * machine offers when it cannot run it.
     */
    static Kernel named(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("scalar")) {
            return ScalarKernel.SCALAR;
        }
        int bits;
        switch (n) {
            case "vector": bits = -1; break;
            case "vector-128": bits = 128; break;
            case "vector-256": bits = 256; break;
            case "vector-512": bits = 512; break;
            default:
                throw new IllegalArgumentException("kernel '" + name + "': expected scalar, vector, vector-128,"
                        + " vector-256 or vector-512");
        }
        int widest = widestBits();
        if (widest == 0) {
            throw new IllegalArgumentException("kernel '" + name + "' needs jdk.incubator.vector, which this JVM"
                    + " lacks (" + MODULE_HINT + "); the scalar kernel gives the same results");
        }
        if (bits > widest) {
            throw new IllegalArgumentException("kernel '" + name + "': this CPU's widest vector is " + widest
                    + " bits (vector-" + widest + "); choose scalar or vector-128 to vector-" + widest);
        }
        Kernel k = vectorOrNull(bits < 0 ? widest : bits);
        if (k == null) {
            throw new IllegalArgumentException("kernel '" + name + "': this JDK's jdk.incubator.vector cannot run"
                    + " the vector kernels; use scalar, which gives the same results");
        }
        return k;
    }

    /** The widest float vector the CPU supports, in bits; 0 without the incubator module. */
    static int widestBits() {
        try {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return 0;
            }
            // Reflection keeps this class loadable when the module is absent.
            Class<?> vectors = Class.forName("jdk.incubator.vector.FloatVector");
            Object preferred = vectors.getField("SPECIES_PREFERRED").get(null);
            return (Integer) Class.forName("jdk.incubator.vector.VectorSpecies")
                    .getMethod("vectorBitSize").invoke(preferred);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return 0;
        }
    }

    /**
     * The vector kernel of this width, or null when it cannot run; see {@link #checked(Kernel)}.
     */
    private static Kernel vectorOrNull(int bits) {
        try {
            return checked((Kernel) Class.forName("org.pamadam.optim.VectorKernel" + bits)
                    .getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }

    /**
     * {@code k} checked against the scalar kernel on a small range of each memory kind: {@code k}
     * itself when both agree; a {@link StagingVectorKernel} over it when its heap loops agree and
     * its off-heap ones cannot link (a JDK whose incubator API dropped {@code ByteBuffer} access),
     * if the staged off-heap sum agrees too; else null.
     */
    static Kernel checked(Kernel k) {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * 40).order(ByteOrder.nativeOrder());
        float[] a = new float[40];
        for (int i = 0; i < a.length; i++) {
            a[i] = i - 20.5f;
            b.putFloat(4 * i, a[i]);
        }
        try {
            if (k.sumOfSquares(a, 0, 40) != ScalarKernel.SCALAR.sumOfSquares(a, 0, 40)) {
                return null;
            }
        } catch (LinkageError | RuntimeException e) {
            return null;
        }
        try {
            return k.sumOfSquares(b, 0, 40) == ScalarKernel.SCALAR.sumOfSquares(b, 0, 40) ? k : null;
        } catch (LinkageError e) {
            Kernel staged = new StagingVectorKernel(k);
            return staged.sumOfSquares(b, 0, 40) == ScalarKernel.SCALAR.sumOfSquares(b, 0, 40) ? staged : null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
