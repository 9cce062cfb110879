package org.pamadam.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Not a test (its name is outside Surefire's default includes, and it asserts nothing): times one
 * update of one tensor on each path, next to DJL's built-in native Adam. Run on demand with
 * {@code mvn -o -pl pamadam-djl test -Dtest=UpdateBenchmark}.
 */
class UpdateBenchmark {

    @Test
    void timeOneUpdate() {
        // The first round warms the JIT (the vector kernel compiles late) and is not reported.
        int[] sizes = {1 << 12, 1 << 12, 200_704, 1 << 20};
        for (int round = 0; round < sizes.length; round++) {
            int n = sizes[round];
            int iters = n > 500_000 ? 100 : 400;
            Random rnd = new Random(1);
            float[] init = Tensors.normal(rnd, n, 1);
            float[] g = Tensors.normal(rnd, n, 0.1);
            try (NDManager m = DjlEngine.startEngine().newBaseManager();
                 RuleOptimizer host = PamAdam.builder().build();
                 RuleOptimizer device = PamAdam.builder().optHostKernel(false).build()) {
                NDArray w1 = m.create(init.clone(), new Shape(n));
                NDArray w2 = m.create(init.clone(), new Shape(n));
                NDArray w3 = m.create(init.clone(), new Shape(n));
                NDArray grad = m.create(g, new Shape(n));
                ai.djl.training.optimizer.Optimizer builtin = ai.djl.training.optimizer.Optimizer.adam().build();
                double tHost = time(host, w1, grad, iters);
                double tDevice = time(device, w2, grad, iters);
                double tBuiltin = time(builtin, w3, grad, iters);
                if (round == 0) {
                    continue;
                }
                System.out.printf("%,d elements: core kernel on tensor memory %.1f us, NDArray ops %.1f us, "
                        + "DJL built-in Adam %.1f us per update (kernel %s)%n", n, tHost, tDevice, tBuiltin,
                        host.hostKernelName());
            }
        }
    }

    private static double time(ai.djl.training.optimizer.Optimizer opt, NDArray w, NDArray grad, int iters) {
        for (int i = 0; i < 300; i++) {
            opt.update("w", w, grad);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
            opt.update("w", w, grad);
        }
        w.toFloatArray();
        return (System.nanoTime() - t0) / 1e3 / iters;
    }
}
