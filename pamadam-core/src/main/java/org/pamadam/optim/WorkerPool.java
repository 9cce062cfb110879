package org.pamadam.optim;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed set of daemon threads that run tasks {@code 0..count-1} of one phase, the caller taking
 * part. Which thread runs which task does not matter to the results: every task writes only its own
 * slots, and the optimizer combines them in task order. No allocation per phase.
 *
 * <p>Nobody busy-waits for long: idle workers park until a phase is published, and the caller, once
 * no task is left to claim, spins for {@value #SPINS} rounds and then parks until the worker that
 * finishes the last task unparks it. The threads reference this pool only, and the pool forgets each
 * phase's body when the phase ends, so the pool never keeps its owner reachable.
 */
final class WorkerPool implements AutoCloseable {
    /** Caller spin rounds before parking: a phase's last task usually ends within a few microseconds. */
    static final int SPINS = 2_000;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Thread[] workers;
    /** High 32 bits: phase number; low 32 bits: next task index. Stale workers see a new phase and stop. */
    private final AtomicLong ticket = new AtomicLong();
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile IntConsumer body;
    private volatile int count;
    private volatile int phase;
    private volatile boolean closed;
    private volatile Throwable failure;
    /** The thread inside {@link #run}, unparked by whoever completes the phase's last task. */
    private volatile Thread caller;

    WorkerPool(int threads) {
        workers = new Thread[Math.max(0, threads - 1)];
        int id = POOLS.incrementAndGet();
        for (int w = 0; w < workers.length; w++) {
            Thread t = new Thread(this::workerLoop, "pamadam-worker-" + id + "-" + (w + 1));
            t.setDaemon(true);
            workers[w] = t;
            t.start();
        }
    }

    int threads() {
        return workers.length + 1;
    }

    /** The worker threads (not the caller), for tests of the lifecycle. */
    List<Thread> workerThreads() {
        return List.of(workers);
    }

    /** Runs {@code body} for every index in {@code [0, count)} and returns when all are done. */
    void run(int count, IntConsumer body) {
        // After close the caller runs every task itself: slower, never wrong.
        if (workers.length == 0 || count <= 1 || closed) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        int next = phase + 1;
        // Close the old phase before publishing the new task: a worker still in the old phase that
        // read the new count must not find an old-phase ticket below it and run a new task early.
        ticket.set(((long) next << 32) | Integer.MAX_VALUE);
        this.caller = Thread.currentThread();
        this.body = body;
        this.count = count;
        this.failure = null;
        remaining.set(count);
        ticket.set((long) next << 32);
        phase = next;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        work(next);
        for (int spins = 0; remaining.get() > 0 && spins < SPINS; spins++) {
            Thread.onSpinWait();
        }
        while (remaining.get() > 0) {
            // A stale permit (from an earlier phase) only makes this return early; the loop re-checks.
            LockSupport.park(this);
        }
        // Drop the body so the pool (reachable from its threads) does not keep the owner alive.
        this.body = null;
        Throwable f = failure;
        failure = null;
        if (f != null) {
            if (f instanceof RuntimeException) {
                throw (RuntimeException) f;
            }
            if (f instanceof Error) {
                throw (Error) f;
            }
            throw new IllegalStateException(f);
        }
    }

    private void work(int myPhase) {
        IntConsumer b = body;
        int n = count;
        while (true) {
            // Claim with compare-and-set, never getAndIncrement: a worker still in an old phase must
            // not consume (and so lose) a ticket of the new one.
            long t = ticket.get();
            int index = (int) t;
            if ((int) (t >>> 32) != myPhase || index >= n) {
                return;
            }
            if (!ticket.compareAndSet(t, t + 1)) {
                continue;
            }
            try {
                b.accept(index);
            } catch (Throwable e) {
                failure = e;
            } finally {
                if (remaining.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    private void workerLoop() {
        int seen = 0;
        while (!closed) {
            int p = phase;
            if (p == seen) {
                LockSupport.park(this);
                continue;
            }
            seen = p;
            work(p);
        }
    }

    /** Stops the workers (they end after their current task); idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
    }
}
