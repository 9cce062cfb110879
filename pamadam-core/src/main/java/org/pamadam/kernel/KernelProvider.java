package org.pamadam.kernel;

import java.util.Locale;

/**
 * Picks the kernel once per JVM: the SIMD kernel when {@code jdk.incubator.vector} is present (run
 * with {@code --add-modules jdk.incubator.vector}), else the scalar one. No error is raised for a
 * missing module; {@link #describe()} says which kernel is active and why.
 *
 * <p>The system property {@code pamadam.kernel} ({@code scalar} or {@code vector}) forces a choice,
 * for tests and benchmarks.
 */
public final class KernelProvider {
    private static final Kernel DEFAULT;
    private static final String REASON;

    static {
        String forced = System.getProperty("pamadam.kernel", "").toLowerCase(Locale.ROOT);
        Kernel vector = null;
        String why;
        if (forced.equals("scalar")) {
            why = "forced by -Dpamadam.kernel=scalar";
        } else {
            try {
                vector = loadVector();
                why = "jdk.incubator.vector present";
            } catch (LinkageError | ReflectiveOperationException | RuntimeException e) {
                why = "jdk.incubator.vector not available (run with --add-modules jdk.incubator.vector)";
            }
        }
        DEFAULT = vector != null ? vector : ScalarKernel.SCALAR;
        REASON = why;
    }

    private KernelProvider() {
    }

    /** The vector kernel, or an exception when the module is missing. */
    public static Kernel vector() throws ReflectiveOperationException {
        return loadVector();
    }

    private static Kernel loadVector() throws ReflectiveOperationException {
        // Reflection keeps this class loadable when the incubator module is absent.
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new ClassNotFoundException("jdk.incubator.vector");
        }
        Class<?> type = Class.forName("org.pamadam.kernel.VectorKernel");
        return (Kernel) type.getDeclaredConstructor().newInstance();
    }

    /** The kernel chosen for this JVM. */
    public static Kernel get() {
        return DEFAULT;
    }

    /** e.g. "vector-512 (jdk.incubator.vector present)". */
    public static String describe() {
        return DEFAULT.name() + " (" + REASON + ")";
    }
}
