package org.pamadam.bench;

/** One optimizer step over a parameter set, set up once per trial. */
interface StepRunner extends AutoCloseable {
    void step();

    @Override
    default void close() {
    }
}
