package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
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

    @Test
    void theCallerParksWhileAWorkerFinishes() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean workerHasTask = new AtomicBoolean();
            Thread[] callerRef = new Thread[1];
            Thread caller = new Thread(() -> pool.run(2, i -> {
                if (Thread.currentThread() == callerRef[0]) {
                    // Hold the caller on its task until the worker has claimed the other one.
                    while (!workerHasTask.get()) {
                        Thread.onSpinWait();
                    }
                } else {
                    workerHasTask.set(true);
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }), "test-caller");
            callerRef[0] = caller;
            caller.start();
            // With both tasks claimed and one blocked, the caller must end up parked on the pool, not
            // spinning or yielding (RUNNABLE) until the worker is done.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!(caller.getState() == Thread.State.WAITING && LockSupport.getBlocker(caller) == pool)
                    && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(Thread.State.WAITING, caller.getState());
            assertSame(pool, LockSupport.getBlocker(caller));
            release.countDown();
            caller.join(10_000);
            assertFalse(caller.isAlive(), "the caller was not woken when the last task finished");
        }
    }

    @Test
    void closeStopsTheWorkersAndLaterPhasesStillRun() throws Exception {
        WorkerPool pool = new WorkerPool(3);
        List<Thread> workers = pool.workerThreads();
        assertEquals(2, workers.size());
        assertTrue(workers.stream().allMatch(Thread::isDaemon));
        pool.close();
        for (Thread t : workers) {
            t.join(10_000);
            assertFalse(t.isAlive(), t.getName());
        }
        AtomicIntegerArray hits = new AtomicIntegerArray(4);
        pool.run(4, hits::incrementAndGet); // the caller runs them all
        for (int i = 0; i < 4; i++) {
            assertEquals(1, hits.get(i));
        }
    }
}
