package org.pamadam.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.rule.Rule;

/**
 * ND4J on the native CPU backend: its built-in Adam updater ({@code nd4j-adam}), or this project's
 * DL4J path ({@code dl4j-<rule>}: the rule's updater then its per-tensor step, as DL4J calls them).
 * As in DL4J, the updater turns the gradient array into the update in place; the next step then
 * starts from that array (values stay finite and of similar size), so no copy is timed.
 */
final class Nd4jRunner implements StepRunner {
    private final List<INDArray> params = new ArrayList<>();
    private final List<INDArray> grads = new ArrayList<>();
    private final List<GradientUpdater<?>> updaters = new ArrayList<>();
    private final List<Regularization> post;
    private final double lr;
    private int iteration;

    Nd4jRunner(String optimizer, List<ParamSets.Shape> shapes, int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        IUpdater config;
        if (optimizer.equals("nd4j-adam")) {
            config = new Adam(1e-3);
            post = List.of();
            lr = 1e-3;
        } else {
            Rule rule = Rule.named(optimizer.substring("dl4j-".length())).build();
            config = Dl4jOptimizers.updater(rule);
            post = Dl4jOptimizers.regularization(rule);
            lr = rule.lr();
        }
        SplittableRandom rnd = new SplittableRandom(1);
        for (ParamSets.Shape s : shapes) {
            // DL4J hands updaters flattened [1, n] row views of its parameter and gradient buffers.
            long[] dims = {1, s.size()};
            params.add(Nd4j.create(Data.random(rnd, s.size(), 0.02f), dims, 'c'));
            grads.add(Nd4j.create(Data.random(rnd, s.size(), 1e-3f), dims, 'c'));
            INDArray state = Nd4j.create(DataType.FLOAT, 1, config.stateSize(s.size()));
            updaters.add(config.instantiate(state, true));
        }
    }

    @Override
    public void step() {
        for (int i = 0; i < params.size(); i++) {
            INDArray update = grads.get(i);
            updaters.get(i).applyUpdater(update, iteration, 0);
            for (Regularization r : post) {
                r.apply(params.get(i), update, lr, iteration, 0);
            }
            params.get(i).subi(update);
        }
        iteration++;
    }
}
