package org.pamadam.optim;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed set of daemon threads that run tasks {@code 0..count-1} of one phase, the caller taking
 * part. Which thread runs which task does not matter to the results: every task writes only its own
 * slots, and the optimizer combines them in task order. No allocation per phase.
 *
 * <p><b>Home ranges.</b> The tasks of a phase are split into one contiguous range per thread (the
 * caller's first, then each worker's), and each thread runs its own range front to back before it
 * takes what is left of the others' from their back. So the same thread runs the same chunks in
 * consecutive phases, as long as nobody is late: pass two then finds the moments and gradients that
 * pass one of the same chunk pulled into this core's cache, rather than in another core's (the
 * measurements are in {@code docs/benchmarks/issue-19-e2e/home-ranges/}). Taking others' tasks from
 * the back keeps the balance of a shared queue when a thread is late or descheduled.
 *
 * <p>Nobody busy-waits for long: idle workers park until a phase is published, and the caller, once
 * no task is left to claim, spins for {@value #SPINS} rounds and then parks until the worker that
 * finishes the last task unparks it. The threads reference this pool only, and the pool forgets each
 * phase's body when the phase ends, so the pool never keeps its owner reachable.
 */
final class WorkerPool implements AutoCloseable {
    /** Caller spin rounds before parking: a phase's last task usually ends within a few microseconds. */
    static final int SPINS = 2_000;
    private static final int INDEX_BITS = 20;
    /** Task indices in a claim word take INDEX_BITS; a larger phase runs as several phases of this many. */
    static final int MAX_TASKS = (1 << INDEX_BITS) - 1;
    private static final long INDEX_MASK = MAX_TASKS;
    private static final int PHASE_SHIFT = 2 * INDEX_BITS;
    private static final int PHASE_MASK = (1 << (64 - PHASE_SHIFT)) - 1;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Thread[] workers;
    /**
     * One claim word per home range (range 0 the caller's, range w+1 worker w's): the phase number
     * (24 bits), the next index from the front {@code lo} and the end {@code hi} (20 bits each). The
     * range's owner takes {@code lo}, others take {@code hi - 1}; it is empty when {@code lo >= hi}.
     * A worker still in an old phase sees a new phase number and stops.
     */
    private final AtomicLongArray words;
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile IntConsumer body;
    /** Added to each claimed index: non-zero only for the later parts of a phase above MAX_TASKS. */
    private volatile int offset;
    private volatile int phase;
    private volatile boolean closed;
    private volatile Throwable failure;
    /** The thread inside {@link #run}, unparked by whoever completes the phase's last task. */
    private volatile Thread caller;

    WorkerPool(int threads) {
        workers = new Thread[Math.max(0, threads - 1)];
        words = new AtomicLongArray(workers.length + 1);
        int id = POOLS.incrementAndGet();
        for (int w = 0; w < workers.length; w++) {
            int home = w + 1;
            Thread t = new Thread(() -> workerLoop(home), "pamadam-worker-" + id + "-" + home);
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
        for (int from = 0; from < count; from += MAX_TASKS) {
            runPhase(from, Math.min(MAX_TASKS, count - from), body);
        }
    }

    private void runPhase(int from, int count, IntConsumer body) {
        int next = (phase + 1) & PHASE_MASK;
        int ranges = words.length();
        // Close every range in the new phase before publishing anything: a worker still in the old
        // phase then fails its claim, and one that reads the new phase early finds nothing to take.
        for (int r = 0; r < ranges; r++) {
            words.set(r, word(next, 0, 0));
        }
        this.caller = Thread.currentThread();
        this.body = body;
        this.offset = from;
        this.failure = null;
        remaining.set(count);
        for (int r = 0; r < ranges; r++) {
            words.set(r, word(next, (int) ((long) count * r / ranges), (int) ((long) count * (r + 1) / ranges)));
        }
        phase = next;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        work(next, 0);
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

    private static long word(int phase, int lo, int hi) {
        return ((long) phase << PHASE_SHIFT) | ((long) lo << INDEX_BITS) | hi;
    }

    /** Runs tasks of phase {@code myPhase}: the home range from its front, then the others from their back. */
    private void work(int myPhase, int home) {
        IntConsumer b = body;
        int base = offset;
        int ranges = words.length();
        for (int k = 0; k < ranges; k++) {
            int r = (home + k) % ranges;
            boolean own = k == 0;
            while (true) {
                // Claim with compare-and-set, never getAndIncrement: a worker still in an old phase
                // must not consume (and so lose) a task of the new one.
                long w = words.get(r);
                if ((int) (w >>> PHASE_SHIFT) != myPhase) {
                    return;
                }
                int lo = (int) ((w >>> INDEX_BITS) & INDEX_MASK);
                int hi = (int) (w & INDEX_MASK);
                if (lo >= hi) {
                    break;
                }
                int index = own ? lo : hi - 1;
                long claimed = own ? word(myPhase, lo + 1, hi) : word(myPhase, lo, hi - 1);
                if (!words.compareAndSet(r, w, claimed)) {
                    continue;
                }
                try {
                    b.accept(base + index);
                } catch (Throwable e) {
                    failure = e;
                } finally {
                    if (remaining.decrementAndGet() == 0) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }
    }

    private void workerLoop(int home) {
        int seen = 0;
        while (!closed) {
            int p = phase;
            if (p == seen) {
                LockSupport.park(this);
                continue;
            }
            seen = p;
            work(p, home);
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
