package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/**
 * Worker threads neither keep a forgotten optimizer alive nor outlive it; close is idempotent. No wait
 * here has a deadline; the timeout only turns a hang into a failure.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LifecycleTest {

    private record Dropped(WeakReference<Optimizer> ref, List<Thread> workers) {
    }

    /** Builds and steps an optimizer in its own frame, so no local keeps it reachable afterwards. */
    private static Dropped stepAndForget() {
        Param w = Param.of("w", TestData.gaussian(new SplittableRandom(1), 3 * Optimizer.CHUNK, 1));
        Optimizer opt = Optimizer.builder().group(Rule.pamAdam().build(), List.of(w)).threads(2).build();
        w.setGrad(TestData.gaussian(new SplittableRandom(2), w.size(), 1));
        opt.step(); // a phase on the workers: the pool must not hold the optimizer's task afterwards
        assertEquals(1, opt.workerThreads().size());
        return new Dropped(new WeakReference<>(opt), opt.workerThreads());
    }

    /**
     * A full collection (System.gc() runs one, stop-the-world, under every collector the build uses)
     * clears every weak reference to an object that is only weakly reachable: if the reference survives
     * it, the optimizer is still strongly reachable. Then the Cleaner closes the pool and the workers
     * end: joined without a deadline (a worker that never ends hangs until the class timeout).
     */
    @Test
    void aForgottenOptimizerIsCollectedAndItsWorkersEnd() throws InterruptedException {
        Dropped d = stepAndForget();
        for (int i = 0; i < 3 && d.ref().get() != null; i++) {
            System.gc();
        }
        assertNull(d.ref().get(), "the optimizer is still reachable (from its worker threads?)");
        for (Thread t : d.workers()) {
            t.join();
        }
    }

    @Test
    void closeEndsTheWorkersAndMayBeRepeated() throws InterruptedException {
        Param w = Param.of("w", new float[] {1, 2});
        Optimizer opt = Optimizer.builder().group(Rule.adam().build(), List.of(w)).threads(3).build();
        List<Thread> workers = opt.workerThreads();
        assertEquals(2, workers.size());
        opt.close();
        opt.close();
        for (Thread t : workers) {
            t.join();
        }
    }
}
