package org.pamadam.bench;

import java.util.List;
import org.pamadam.rule.Rule;

/** Maps a benchmark's {@code optimizer} parameter to the code that runs it. */
final class Runners {
    private Runners() {
    }

    static StepRunner create(String optimizer, List<ParamSets.Shape> shapes, int threads) throws Exception {
        if (optimizer.equals("nd4j-adam") || optimizer.startsWith("dl4j-")) {
            return new Nd4jRunner(optimizer, shapes, threads);
        }
        if (optimizer.startsWith("djl-")) {
            // Loaded by name so the benchmark jar also builds and runs without the DJL adapter.
            Class<?> type = Class.forName("org.pamadam.bench.DjlRunner");
            return (StepRunner) type.getDeclaredConstructor(String.class, List.class, int.class)
                    .newInstance(optimizer, shapes, threads);
        }
        if (optimizer.endsWith("-direct")) {
            // The core over direct buffers, as an adapter that views a framework's memory runs it.
            Rule rule = Rule.named(optimizer.substring(0, optimizer.length() - "-direct".length())).build();
            return new CoreRunner(rule, shapes, threads, Double.POSITIVE_INFINITY, true);
        }
        Rule rule = Rule.named(optimizer).build();
        return new CoreRunner(rule, shapes, threads);
    }
}
