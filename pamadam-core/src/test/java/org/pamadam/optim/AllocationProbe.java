package org.pamadam.optim;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.pamadam.rule.Rule;

/**
 * A JVM of its own for {@link AvxTwoAllocationTest}: {@link AllocationTest}'s model (one tensor of
 * 100,000 floats and 49 small ones; on the heap, or in direct buffers with the argument
 * {@code direct}), PAMAdam, two threads, clipping at 1.0. After 2,000 steps of
 * warm-up it prints the default kernel, then the bytes each thread allocated per step over each of
 * six windows of 500 steps: {@code window W caller=B worker=B}.
 */
public final class AllocationProbe {
    private AllocationProbe() {
    }

    public static void main(String[] args) {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Param> ps = AllocationTest.model(args.length > 0 && args[0].equals("direct"));
        System.out.println("kernel " + Optimizer.defaultKernel());
        try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().build(), ps).threads(2).maxGradNorm(1.0).build()) {
            List<Thread> threads = new ArrayList<>();
            threads.add(Thread.currentThread());
            threads.addAll(opt.workerThreads());
            for (int i = 0; i < 2000; i++) {
                opt.step();
            }
            for (int window = 0; window < 6; window++) {
                long[] before = new long[threads.size()];
                for (int t = 0; t < threads.size(); t++) {
                    before[t] = bean.getThreadAllocatedBytes(threads.get(t).getId());
                }
                for (int i = 0; i < 500; i++) {
                    opt.step();
                }
                StringBuilder line = new StringBuilder("window " + window);
                for (int t = 0; t < threads.size(); t++) {
                    long bytes = (bean.getThreadAllocatedBytes(threads.get(t).getId()) - before[t]) / 500;
                    line.append(t == 0 ? " caller=" : " worker=").append(bytes);
                }
                System.out.println(line);
            }
        }
    }
}
