package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pamadam.rule.Rule;

/**
 * After warm-up a step over ND4J's buffers allocates nothing on the heap: the Params keep their views
 * of ND4J's memory, gradients are re-set to the same buffer and offset, the counters are written and
 * the update zeroed through views made once. Counted on the stepping thread, the only one with one
 * core thread.
 */
class AllocationTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aWarmStepAllocatesNothing(int accumulate) {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "this JVM counts no thread allocations");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        List<INDArray> params = new ArrayList<>();
        List<INDArray> grads = new ArrayList<>();
        for (int n : new int[] {70_000, 513, 1}) {
            params.add(Nd4j.rand(DataType.FLOAT, 1, n));
            grads.add(Nd4j.zeros(DataType.FLOAT, 1, n));
        }
        NetworkStep step = NetworkStep.over(Rule.pamAdam().maxRatio(10).build(), params, grads,
                NetworkStep.Settings.defaults().threads(1).accumulate(accumulate).maxGradNorm(1.0));
        for (int s = 0; s < 200; s++) {
            step.step(0);
            step.zeroGradients();
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int s = 0; s < 50; s++) {
            step.step(0);
            step.zeroGradients();
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertEquals(0, allocated, "bytes allocated by 50 warm steps");
        step.close();
    }
}
