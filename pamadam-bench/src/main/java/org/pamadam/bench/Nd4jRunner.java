package org.pamadam.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.pamadam.dl4j.NetworkStep;
import org.pamadam.rule.Rule;

/**
 * ND4J on the native CPU backend: its built-in Adam updater ({@code nd4j-adam}, then DL4J's
 * {@code p -= update}), or this project's DL4J step ({@code dl4j-<rule>}): one NetworkStep over every
 * tensor, in place on ND4J's buffers, as an attached network's fit runs it when every tensor takes the
 * rule. There the solver's subtraction is replaced by one over the other updaters' ranges
 * ({@code RemainingUpdates}), none here, so nothing follows the step. DL4J's division of the gradient
 * by the minibatch size, which precedes every updater alike, is not timed. As in DL4J, the updater
 * turns the gradient array into the update in place; the next step then starts from that array, so
 * no copy is timed (for dl4j-* the gradients stay as they were: values that stay finite).
 */
final class Nd4jRunner implements StepRunner {
    private final List<INDArray> params = new ArrayList<>();
    private final List<INDArray> grads = new ArrayList<>();
    private final List<GradientUpdater<?>> updaters = new ArrayList<>();
    private final NetworkStep ours;
    private int iteration;

    Nd4jRunner(String optimizer, List<ParamSets.Shape> shapes, int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        SplittableRandom rnd = new SplittableRandom(1);
        for (ParamSets.Shape s : shapes) {
            // DL4J hands updaters flattened [1, n] row views of its parameter and gradient buffers.
            long[] dims = {1, s.size()};
            params.add(Nd4j.create(Data.random(rnd, s.size(), 0.02f), dims, 'c'));
            grads.add(Nd4j.create(Data.random(rnd, s.size(), 1e-3f), dims, 'c'));
        }
        if (optimizer.equals("nd4j-adam")) {
            Adam config = new Adam(1e-3);
            for (ParamSets.Shape s : shapes) {
                INDArray state = Nd4j.create(DataType.FLOAT, 1, config.stateSize(s.size()));
                updaters.add(config.instantiate(state, true));
            }
            ours = null;
        } else {
            Rule rule = Rule.named(optimizer.substring("dl4j-".length())).build();
            ours = NetworkStep.over(rule, params, grads, NetworkStep.Settings.defaults().threads(threads));
        }
    }

    @Override
    public void step() {
        if (ours != null) {
            ours.step(0);
        } else {
            for (int i = 0; i < params.size(); i++) {
                updaters.get(i).applyUpdater(grads.get(i), iteration, 0);
            }
            for (int i = 0; i < params.size(); i++) {
                params.get(i).subi(grads.get(i)); // DL4J's NegativeGradientStepFunction
            }
        }
        iteration++;
    }
}
