package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Every task of every phase runs exactly once, across many short phases (where races live). */
class WorkerPoolTest {

    @Test
    void eachTaskRunsExactlyOncePerPhase() {
        try (WorkerPool pool = new WorkerPool(4)) {
            for (int phase = 0; phase < 20_000; phase++) {
                int count = 1 + phase % 7;
                AtomicIntegerArray hits = new AtomicIntegerArray(count);
                pool.run(count, hits::incrementAndGet);
                for (int i = 0; i < count; i++) {
                    assertEquals(1, hits.get(i), "phase " + phase + " task " + i);
                }
            }
        }
    }

    @Test
    void aFailingTaskIsRethrownToTheCaller() {
        try (WorkerPool pool = new WorkerPool(3)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(10, i -> {
                if (i == 7) {
                    throw new IllegalStateException("task 7");
                }
            }));
            assertEquals("task 7", e.getMessage());
            AtomicIntegerArray hits = new AtomicIntegerArray(5);
            pool.run(5, hits::incrementAndGet); // still usable afterwards
            assertEquals(1, hits.get(4));
        }
    }
}
