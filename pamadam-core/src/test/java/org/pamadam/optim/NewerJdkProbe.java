package org.pamadam.optim;

import java.util.ArrayList;
import java.util.List;
import org.pamadam.rule.Rule;

/**
 * A JVM of its own for {@link NewerJdkTest}: the JVM's default kernel, then, for {@link AllocationTest}'s
 * model on the heap and in direct buffers, the kernel an optimizer ran and a hash of the weights' bits
 * after 50 PAMAdam steps (two threads, clipping at 1.0): {@code heap vector-512 1cc5...}; on JDK 22+
 * also whether an off-heap moment can still be read after its optimizer closed.
 */
public final class NewerJdkProbe {
    private NewerJdkProbe() {
    }

    public static void main(String[] args) {
        lines().forEach(System.out::println);
    }

    static List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("kernel " + Optimizer.defaultKernel());
        for (boolean direct : new boolean[] {false, true}) {
            List<Param> ps = AllocationTest.model(direct);
            try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().build(), ps).threads(2).maxGradNorm(1.0)
                    .build()) {
                for (int i = 0; i < 50; i++) {
                    opt.step();
                }
                long hash = 1;
                for (Param p : ps) {
                    for (int k = 0; k < p.size(); k++) {
                        hash = hash * 31 + Float.floatToRawIntBits(p.get(k));
                    }
                }
                out.add((direct ? "direct " : "heap ") + opt.kernelName() + " " + Long.toHexString(hash));
            }
        }
        if (Runtime.version().feature() >= 22) {
            out.add("moments after close: " + afterClose());
        }
        return out;
    }

    /**
     * Reads an off-heap moment after its optimizer closed: on JDK 22+ its arena is closed, so the read
     * throws ("closed") instead of reading freed memory. Before JDK 22 such a read is undefined, so
     * {@link #lines()} does not call this there.
     */
    private static String afterClose() {
        List<Param> ps = AllocationTest.model(true);
        java.nio.ByteBuffer m;
        try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().build(), ps).build()) {
            opt.step();
            m = opt.momentStore().mDirect(0);
        }
        try {
            return "readable " + m.getFloat(0);
        } catch (IllegalStateException e) {
            return "closed";
        }
    }
}
