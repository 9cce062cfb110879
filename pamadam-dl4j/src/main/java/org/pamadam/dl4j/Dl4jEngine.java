package org.pamadam.dl4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pamadam.optim.Optimizer;
import org.pamadam.rule.Rule;
import org.pamadam.trace.ReplayEngine;
import org.pamadam.trace.Trace;

/**
 * Replays traces through the DL4J path: every trace tensor is an ND4J array, with its moments and
 * counters in a {@link RuleUpdater} state array laid out as DL4J lays out a block's, and one
 * {@link NetworkStep} steps them all, as it steps a network. A tensor skipped in a step (null
 * gradient) keeps its moments and step count, as in PyTorch.
 */
public final class Dl4jEngine implements ReplayEngine {

    /** Public no-arg constructor for ServiceLoader. */
    public Dl4jEngine() {
    }

    @Override
    public String name() {
        return "dl4j";
    }

    @Override
    public Run open(Rule rule, List<Trace.TraceParam> params) {
        return open(rule, params, OptionalDouble.empty());
    }

    /** Clips by the global norm, as the core, when the trace has max_grad_norm. */
    @Override
    public Run open(Rule rule, List<Trace.TraceParam> params, OptionalDouble maxGradNorm) {
        RuleUpdater config = Dl4jOptimizers.updater(rule);
        List<String> names = new ArrayList<>();
        List<INDArray> values = new ArrayList<>();
        List<INDArray> grads = new ArrayList<>();
        List<NetworkStep.Tensor> tensors = new ArrayList<>();
        for (Trace.TraceParam p : params) {
            int n = p.init().length;
            names.add(p.name());
            INDArray value = Nd4j.create(DataType.FLOAT, Math.max(1, n));
            INDArray grad = Nd4j.create(DataType.FLOAT, Math.max(1, n));
            values.add(value);
            grads.add(grad);
            if (n == 0) {
                continue; // an empty tensor: nothing to step
            }
            value.assign(Nd4j.createFromArray(p.init().clone()));
            INDArray state = Nd4j.create(DataType.FLOAT, config.stateSize(n));
            long m = config.momentSize(n);
            boolean adam = m == 2L * n;
            tensors.add(new NetworkStep.Tensor(p.name(), value, grad, config,
                    state.get(NDArrayIndex.interval(0, n)), adam ? state.get(NDArrayIndex.interval(n, 2L * n)) : null,
                    state.get(NDArrayIndex.interval(m, m + n))));
        }
        NetworkStep.Settings settings = NetworkStep.Settings.defaults();
        if (maxGradNorm.isPresent()) {
            settings = settings.maxGradNorm(maxGradNorm.getAsDouble());
        }
        NetworkStep step = new NetworkStep(tensors, settings);
        List<String> stepped = step.tensorNames();
        boolean[] present = new boolean[stepped.size()];
        return new Run() {
            @Override
            public void step(Map<String, float[]> g) {
                for (int i = 0; i < stepped.size(); i++) {
                    String name = stepped.get(i);
                    float[] x = g.get(name);
                    present[i] = x != null;
                    if (x != null) {
                        grads.get(names.indexOf(name)).assign(Nd4j.createFromArray(x));
                    }
                }
                step.step(0, present);
            }

            @Override
            public float[] values(String name) {
                int i = names.indexOf(name);
                float[] all = values.get(i).toFloatVector();
                return params.get(i).init().length == 0 ? new float[0] : all;
            }

            @Override
            public double ratio(String name) {
                return stepped.contains(name) ? step.lastRatio(name) : 1.0;
            }

            @Override
            public String describe() {
                return "DL4J NetworkStep over ND4J " + Nd4j.getBackend().getClass().getSimpleName()
                        + " buffers, kernel " + Optimizer.defaultKernel();
            }
        };
    }
}
