package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every task of every phase runs exactly once, across many short phases (where races live). Waits are
 * on events (joins, the threads' own states), never on the clock; the timeout only turns a hang into a
 * failure.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
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

    /**
     * The caller runs its home range (the first half of 8 tasks) from the front, and the worker starts
     * at the front of its own (task 4). The worker then holds task 4 until tasks 5 to 7 have run, which
     * only the caller can do: it takes them from the back, 7, 6, 5. So the caller's order is exactly
     * 0, 1, 2, 3, 7, 6, 5, whatever the timing.
     */
    @Test
    void eachThreadRunsItsHomeRangeFirstAndTakesOthersFromTheBack() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicIntegerArray done = new AtomicIntegerArray(8);
            java.util.List<Integer> callerOrder = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            java.util.concurrent.atomic.AtomicInteger workerFirst = new java.util.concurrent.atomic.AtomicInteger(-1);
            AtomicBoolean workerStarted = new AtomicBoolean();
            Thread[] callerRef = new Thread[1];
            Thread caller = new Thread(() -> pool.run(8, i -> {
                if (Thread.currentThread() == callerRef[0]) {
                    callerOrder.add(i);
                    // Keep the caller on task 0 until the worker has claimed its first task.
                    while (i == 0 && !workerStarted.get()) {
                        Thread.onSpinWait();
                    }
                } else {
                    workerFirst.compareAndSet(-1, i);
                    workerStarted.set(true);
                    while (i == 4 && !(done.get(5) == 1 && done.get(6) == 1 && done.get(7) == 1)) {
                        Thread.onSpinWait();
                    }
                }
                done.set(i, 1);
            }), "test-caller");
            callerRef[0] = caller;
            caller.start();
            caller.join();
            assertEquals(4, workerFirst.get(), "the worker's first task");
            assertEquals(List.of(0, 1, 2, 3, 7, 6, 5), callerOrder);
        }
    }

    @Test
    void aPhaseAboveTheClaimWordsLimitRunsEveryTaskOnce() {
        try (WorkerPool pool = new WorkerPool(3)) {
            int count = WorkerPool.MAX_TASKS * 2 + 5;
            AtomicIntegerArray hits = new AtomicIntegerArray(count);
            pool.run(count, hits::incrementAndGet);
            for (int i = 0; i < count; i++) {
                if (hits.get(i) != 1) {
                    assertEquals(1, hits.get(i), "task " + i);
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
    void aFailingTasksErrorIsRethrownAsItself() {
        try (WorkerPool pool = new WorkerPool(3)) {
            AssertionError e = assertThrows(AssertionError.class, () -> pool.run(10, i -> {
                if (i == 3) {
                    throw new AssertionError("task 3");
                }
            }));
            assertEquals("task 3", e.getMessage());
        }
    }

    /**
     * With both tasks claimed and one blocked, the caller must end up parked on the pool (not spinning
     * or yielding, which stay RUNNABLE) until the worker is done, and be woken by the last task's end.
     * The worker's task itself waits until it sees the caller parked, then finishes: no sleep, no
     * deadline (a caller that never parks, or is never woken, hangs until the class timeout fails it).
     */
    @Test
    void theCallerParksWhileAWorkerFinishes() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicBoolean workerHasTask = new AtomicBoolean();
            AtomicBoolean sawParked = new AtomicBoolean();
            Thread[] callerRef = new Thread[1];
            Thread caller = new Thread(() -> pool.run(2, i -> {
                Thread me = Thread.currentThread();
                if (me == callerRef[0]) {
                    // Hold the caller on its task until the worker has claimed the other one.
                    while (!workerHasTask.get()) {
                        Thread.onSpinWait();
                    }
                } else {
                    workerHasTask.set(true);
                    Thread c = callerRef[0];
                    while (!(c.getState() == Thread.State.WAITING && LockSupport.getBlocker(c) == pool)) {
                        Thread.onSpinWait();
                    }
                    sawParked.set(true);
                }
            }), "test-caller");
            callerRef[0] = caller;
            caller.start();
            caller.join();
            assertTrue(sawParked.get(), "the worker's task ended before it saw the caller parked");
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
            t.join();
        }
        AtomicIntegerArray hits = new AtomicIntegerArray(4);
        pool.run(4, hits::incrementAndGet); // the caller runs them all
        for (int i = 0; i < 4; i++) {
            assertEquals(1, hits.get(i));
        }
    }
}
