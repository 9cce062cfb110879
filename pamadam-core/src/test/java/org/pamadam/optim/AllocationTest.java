package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/**
 * After warm-up, a step allocates nothing on any thread that runs it: the caller and every worker
 * (counted by the JVM's per-thread allocation counters, not timed), on heap and off-heap parameters,
 * with and without clipping.
 */
class AllocationTest {

    @Test
    void stepDoesNotAllocateOnAnyThread() {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (boolean direct : new boolean[] {false, true}) {
            List<Param> ps = model(direct);
            for (Rule rule : new Rule[] {Rule.pamAdam().build(), Rule.adam().build(), Rule.lamb().build()}) {
                try (Optimizer opt = Optimizer.builder().group(rule, ps).threads(2).maxGradNorm(1.0).build()) {
                    List<Thread> threads = new ArrayList<>(opt.workerThreads());
                    threads.add(Thread.currentThread());
                    assertEquals(2, threads.size());
                    for (int i = 0; i < 2000; i++) {
                        opt.step(); // warm up: JIT compilation, escape analysis
                    }
                    // A worker may still be switching to compiled code after the warm-up (then its
                    // vectors are boxed): measure up to five windows and keep each thread's smallest,
                    // which is the steady state the assertion is about.
                    long[] best = new long[threads.size()];
                    java.util.Arrays.fill(best, Long.MAX_VALUE);
                    for (int window = 0; window < 5; window++) {
                        long[] before = allocated(bean, threads);
                        for (int i = 0; i < 500; i++) {
                            opt.step();
                        }
                        long[] after = allocated(bean, threads);
                        boolean clean = true;
                        for (int t = 0; t < threads.size(); t++) {
                            best[t] = Math.min(best[t], (after[t] - before[t]) / 500);
                            clean &= best[t] < 16;
                        }
                        if (clean) {
                            break;
                        }
                    }
                    for (int t = 0; t < threads.size(); t++) {
                        assertTrue(best[t] < 16, rule.name() + (direct ? " direct" : " heap") + " on "
                                + threads.get(t).getName() + ": " + best[t] + " bytes allocated per step");
                    }
                }
            }
        }
    }

    /** One tensor of 100,000 floats and 49 of 65 to 113, on the heap or direct; also {@link AllocationProbe}'s. */
    static List<Param> model(boolean direct) {
        SplittableRandom rnd = new SplittableRandom(1);
        List<Param> ps = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            float[] values = TestData.gaussian(rnd, i == 0 ? 100_000 : 64 + i, 1);
            float[] grad = TestData.gaussian(rnd, values.length, 0.1);
            if (direct) {
                Param p = Param.ofBuffer("t" + i, new int[] {values.length}, TestData.direct(values, 0), 0);
                ByteBuffer g = TestData.direct(grad, 0);
                p.setGrad(g, 0);
                ps.add(p);
            } else {
                Param p = Param.of("t" + i, values);
                p.setGrad(grad);
                ps.add(p);
            }
        }
        return ps;
    }

    private static long[] allocated(com.sun.management.ThreadMXBean bean, List<Thread> threads) {
        long[] out = new long[threads.size()];
        for (int t = 0; t < out.length; t++) {
            out[t] = bean.getThreadAllocatedBytes(threads.get(t).getId());
        }
        return out;
    }
}
