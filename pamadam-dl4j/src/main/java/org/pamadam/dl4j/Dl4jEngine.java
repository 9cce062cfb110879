package org.pamadam.dl4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.pamadam.optim.Optimizer;
import org.pamadam.rule.Rule;
import org.pamadam.trace.ReplayEngine;
import org.pamadam.trace.Trace;

/**
 * Replays traces through the DL4J path: each tensor is a parameter of its own {@link UpdaterBlock}
 * (DL4J's class, so pre-updater regularization, the {@link RuleUpdater} over the block and the
 * post-updater {@link TensorStep} run in DL4J's order), and the update is subtracted as DL4J's
 * step function does. One block per tensor gives every tensor its own iteration count, so a tensor
 * skipped in a step (null gradient) keeps its moments and step count, as in PyTorch.
 */
public final class Dl4jEngine implements ReplayEngine {

    private final Function<Rule, IUpdater> updaters;

    /** Public no-arg constructor for ServiceLoader. */
    public Dl4jEngine() {
        this(Dl4jOptimizers::updater);
    }

    /** With another updater in the block (to compare DL4J's own updaters with the reference). */
    Dl4jEngine(Function<Rule, IUpdater> updaters) {
        this.updaters = updaters;
    }

    @Override
    public String name() {
        return "dl4j";
    }

    @Override
    public Run open(Rule rule, List<Trace.TraceParam> params) {
        return open(rule, params, java.util.OptionalDouble.empty());
    }

    /** Clips each step's gradients with {@link GlobalNormClipping#clip} when the trace has max_grad_norm. */
    @Override
    public Run open(Rule rule, List<Trace.TraceParam> params, java.util.OptionalDouble maxGradNorm) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Trace.TraceParam p : params) {
            tensors.put(p.name(), new Tensor(p.name(), p.init(), rule, updaters.apply(rule)));
        }
        return new Run() {
            @Override
            public void step(Map<String, float[]> grads) {
                List<INDArray> present = new ArrayList<>();
                for (Tensor t : tensors.values()) {
                    float[] g = grads.get(t.name);
                    if (g != null && g.length > 0) {
                        t.grad.assign(Nd4j.createFromArray(g).reshape(1, g.length));
                        present.add(t.grad);
                    }
                }
                if (maxGradNorm.isPresent()) {
                    GlobalNormClipping.clip(maxGradNorm.getAsDouble(), present);
                }
                for (Tensor t : tensors.values()) {
                    if (grads.get(t.name) != null) {
                        t.step();
                    }
                }
            }

            @Override
            public float[] values(String name) {
                return tensors.get(name).param.toFloatVector();
            }

            @Override
            public double ratio(String name) {
                return tensors.get(name).ratio();
            }

            @Override
            public String describe() {
                return "DL4J UpdaterBlock + TensorStep, ND4J " + Nd4j.getBackend().getClass().getSimpleName()
                        + ", kernel " + Optimizer.defaultKernel();
            }
        };
    }

    /** One trace tensor as a one-parameter DL4J layer. */
    private static final class Tensor implements Trainable, TrainingConfig {
        private static final String PARAM = "W";
        final String name;
        final INDArray param;
        final INDArray grad;
        private final IUpdater updater;
        private final List<Regularization> regularization;
        private final UpdaterBlock block;
        private int iteration;

        Tensor(String name, float[] init, Rule rule, IUpdater updater) {
            this.name = name;
            int n = init.length;
            this.param = Nd4j.create(DataType.FLOAT, 1, n);
            this.param.assign(Nd4j.createFromArray(init.clone()).reshape(1, n));
            this.grad = Nd4j.create(DataType.FLOAT, 1, n);
            this.updater = updater;
            this.regularization = Dl4jOptimizers.regularization(rule);
            int state = (int) updater.stateSize(n);
            List<UpdaterBlock.ParamState> states = new ArrayList<>();
            states.add(new UpdaterBlock.ParamState(this, PARAM, 0, n, param, grad));
            block = new UpdaterBlock(0, n, 0, state, states);
            block.setUpdaterView(Nd4j.create(DataType.FLOAT, 1, state));
            block.setGradientView(grad);
            block.setUpdaterViewRequiresInitialization(true);
            block.init();
        }

        /** One step on the gradient already in {@link #grad}. */
        void step() {
            if (grad.length() == 0 || param.length() == 0) {
                iteration++; // an empty tensor: nothing to update
                return;
            }
            block.update(iteration, 0);
            param.subi(grad); // DL4J's NegativeGradientStepFunction
            iteration++;
        }

        double ratio() {
            for (Regularization r : regularization) {
                if (r instanceof TensorStep) {
                    return ((TensorStep) r).lastRatio();
                }
            }
            return 1.0;
        }

        // ---- Trainable ----

        @Override
        public TrainingConfig getConfig() {
            return this;
        }

        @Override
        public long numParams() {
            return param.length();
        }

        @Override
        public INDArray params() {
            return param;
        }

        @Override
        public Map<String, INDArray> paramTable(boolean backpropOnly) {
            return Map.of(PARAM, param);
        }

        @Override
        public boolean updaterDivideByMinibatch(String paramName) {
            return false;
        }

        @Override
        public INDArray getGradientsViewArray() {
            return grad;
        }

        // ---- TrainingConfig ----

        @Override
        public String getLayerName() {
            return name;
        }

        @Override
        public List<Regularization> getRegularizationByParam(String paramName) {
            return regularization;
        }

        @Override
        public boolean isPretrainParam(String paramName) {
            return false;
        }

        @Override
        public IUpdater getUpdaterByParam(String paramName) {
            return updater;
        }

        @Override
        public GradientNormalization getGradientNormalization() {
            return GradientNormalization.None;
        }

        @Override
        public double getGradientNormalizationThreshold() {
            return 0;
        }

        @Override
        public void setDataType(DataType dataType) {
            // Always float32.
        }
    }
}
