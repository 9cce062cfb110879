package org.pamadam.dl4j;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.pamadam.optim.Accumulation;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * The independent expectation for a DL4J network's steps: the core {@link Optimizer} over heap copies
 * of the network's tensors, fed mean gradients that the test computes itself. Before each fit, the
 * network's own backprop ({@code computeGradientAndScore}, which changes nothing) gives the summed
 * gradient; this class divides it by the minibatch size as a float, exactly what the updater is
 * meant to receive. Nothing here reads the gradient the network's updater sees.
 */
final class CoreTwin implements AutoCloseable {
    private final MultiLayerNetwork net;
    private final List<String> names;
    private final List<Param> params = new ArrayList<>();
    final Optimizer core;
    final Accumulation accumulation;

    CoreTwin(MultiLayerNetwork net, List<String> names, Rule rule, double maxGradNorm, int accumulate) {
        this(net, names, n -> rule, maxGradNorm, accumulate);
    }

    /** Tensor {@code n} under {@code ruleFor.apply(n)}, in groups by rule. */
    CoreTwin(MultiLayerNetwork net, List<String> names, java.util.function.Function<String, Rule> ruleFor,
             double maxGradNorm, int accumulate) {
        this.net = net;
        this.names = names;
        java.util.Map<Rule, List<Param>> groups = new java.util.LinkedHashMap<>();
        for (String n : names) {
            Param p = Param.of(n, memoryOrder(net.getParam(n)));
            params.add(p);
            groups.computeIfAbsent(ruleFor.apply(n), r -> new ArrayList<>()).add(p);
        }
        Optimizer.Builder b = Optimizer.builder().threads(1);
        groups.forEach(b::group);
        if (maxGradNorm != Double.POSITIVE_INFINITY) {
            b.maxGradNorm(maxGradNorm);
        }
        core = b.build();
        accumulation = accumulate > 1 ? new Accumulation(core, accumulate) : null;
    }

    /** The elements of a dense view in the order they lie in memory (the order the step runs them in). */
    static float[] memoryOrder(INDArray a) {
        return a.reshape(a.ordering(), new long[] {a.length()}).toFloatVector();
    }

    /** Mean gradients of {@code batch} at the network's current parameters, by name order. */
    List<float[]> meanGradients(DataSet batch) {
        net.setInput(batch.getFeatures());
        net.setLabels(batch.getLabels());
        net.computeGradientAndScore();
        float b = batch.numExamples();
        List<float[]> out = new ArrayList<>();
        for (String n : names) {
            float[] g = memoryOrder(net.gradient().getGradientFor(n));
            for (int i = 0; i < g.length; i++) {
                g[i] /= b;
            }
            out.add(g);
        }
        return out;
    }

    /** One core step (or micro-batch) on these gradients. */
    void step(List<float[]> grads) {
        for (int i = 0; i < params.size(); i++) {
            params.get(i).setGrad(grads.get(i));
        }
        if (accumulation == null) {
            core.step();
        } else {
            accumulation.step();
        }
    }

    float[] values(String name) {
        return params.get(names.indexOf(name)).data();
    }

    @Override
    public void close() {
        core.close();
    }
}
