package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/** After warm-up, a fused step allocates nothing on the calling thread (counted, not timed). */
class AllocationTest {

    @Test
    void stepDoesNotAllocate() {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom rnd = new SplittableRandom(1);
        List<Param> ps = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Param p = Param.of("t" + i, TestData.gaussian(rnd, i == 0 ? 100_000 : 64 + i, 1));
            p.setGrad(TestData.gaussian(rnd, p.size(), 0.1));
            ps.add(p);
        }
        for (Rule rule : new Rule[] {Rule.pamAdam().build(), Rule.adam().build(), Rule.lamb().build()}) {
            try (Optimizer opt = Optimizer.builder().group(rule, ps).threads(2).build()) {
                for (int i = 0; i < 2000; i++) {
                    opt.step(); // warm up: JIT compilation, escape analysis
                }
                long before = bean.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 1000; i++) {
                    opt.step();
                }
                long perStep = (bean.getCurrentThreadAllocatedBytes() - before) / 1000;
                assertTrue(perStep < 16, rule.name() + ": " + perStep + " bytes allocated per step");
            }
        }
    }
}
