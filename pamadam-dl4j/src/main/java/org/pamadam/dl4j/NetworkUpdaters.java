package org.pamadam.dl4j;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.ConvexOptimizer;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * DL4J's network updaters with the PAMAdam-family step in the place of the per-block updater calls.
 * DL4J's {@code update} divides the gradient by the minibatch size, then runs each updater block;
 * here, after the same division, one {@link NetworkStep} steps every tensor whose updater is a
 * {@link RuleUpdater} (writing p' and zeroing its gradient), and only then do the other blocks (a
 * batch-norm layer's running statistics, other updaters) run as DL4J runs them. A refused step
 * throws before any of them writes.
 */
final class NetworkUpdaters {
    private NetworkUpdaters() {
    }

    /** The updater {@link Dl4jOptimizers#attach} installs in a MultiLayerNetwork. */
    static final class ForMultiLayer extends MultiLayerUpdater {
        private static final long serialVersionUID = 1L;
        private final transient MultiLayerNetwork net;
        private final transient NetworkStep step;
        private final transient RemainingUpdates remaining;

        ForMultiLayer(MultiLayerNetwork net, INDArray state, NetworkStep.Settings settings) {
            super(net, state);
            this.net = net;
            List<long[]> written = new ArrayList<>();
            step = build(this, t -> String.valueOf(((org.deeplearning4j.nn.api.Layer) t).getIndex()), settings,
                    written);
            remaining = new RemainingUpdates(net.params(), getFlattenedGradientsView(), written.toArray(new long[0][]));
        }

        NetworkStep step() {
            return step;
        }

        @Override
        public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize,
                                        LayerWorkspaceMgr workspaceMgr) {
            checkInternal(gradient.gradient() == getFlattenedGradientsView());
            remaining.checkApplied();
            if (isMiniBatch()) {
                divideByMinibatch(false, gradient, batchSize);
            }
            stepInPlace(step, remaining, net.getOptimizer(), epoch);
            others(updaterBlocks, iteration, epoch, workspaceMgr);
        }
    }

    /** The updater {@link Dl4jOptimizers#attach} installs in a ComputationGraph. */
    static final class ForGraph extends ComputationGraphUpdater {
        private static final long serialVersionUID = 1L;
        private final transient ComputationGraph graph;
        private final transient NetworkStep step;
        private final transient RemainingUpdates remaining;

        ForGraph(ComputationGraph graph, INDArray state, NetworkStep.Settings settings) {
            super(graph, state);
            this.graph = graph;
            List<long[]> written = new ArrayList<>();
            step = build(this, t -> t.getConfig().getLayerName(), settings, written);
            remaining = new RemainingUpdates(graph.params(), getFlattenedGradientsView(),
                    written.toArray(new long[0][]));
        }

        NetworkStep step() {
            return step;
        }

        @Override
        public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize,
                                        LayerWorkspaceMgr workspaceMgr) {
            checkInternal(gradient.gradient() == getFlattenedGradientsView());
            remaining.checkApplied();
            if (isMiniBatch()) {
                divideByMinibatch(false, gradient, batchSize);
            }
            stepInPlace(step, remaining, graph.getOptimizer(), epoch);
            others(updaterBlocks, iteration, epoch, workspaceMgr);
        }
    }

    /**
     * The step, and who applies the rest: with the solver's subtraction replaced (see
     * {@link RemainingUpdates}) the step's tensors keep their gradients and the solver subtracts only
     * the other updaters' ranges; otherwise their update is zeroed, so the solver's {@code p -= update}
     * leaves p' as the step wrote it. Nothing is written before the step's own checks pass.
     */
    private static void stepInPlace(NetworkStep step, RemainingUpdates remaining, ConvexOptimizer solver, int epoch) {
        boolean solverSubtractsTheRest = solver != null && remaining.installIn(solver);
        step.step(epoch);
        if (solverSubtractsTheRest) {
            remaining.await();
        } else {
            step.zeroGradients();
            remaining.zeroed();
        }
    }

    private static void checkInternal(boolean internal) {
        if (!internal) {
            throw new UnsupportedOperationException("pamadam-dl4j steps a network's own gradients; an external "
                    + "gradient (computed in another network) is not supported");
        }
    }

    private static boolean ours(UpdaterBlock block) {
        return block.getGradientUpdater() instanceof RuleGradientUpdater;
    }

    /** DL4J's per-block update for every block that is not a {@link RuleUpdater}'s. */
    private static void others(List<UpdaterBlock> blocks, int iteration, int epoch, LayerWorkspaceMgr workspaceMgr) {
        for (UpdaterBlock block : blocks) {
            if (ours(block) || block.skipDueToPretrainConfig(false)) {
                continue;
            }
            try (MemoryWorkspace ws = workspaceMgr.notifyScopeEntered(ArrayType.UPDATER_WORKING_MEM)) {
                block.update(iteration, epoch);
            }
        }
    }

    /** The step over every tensor of {@code updater}'s RuleUpdater blocks, named {@code layer_param}. */
    private static NetworkStep build(BaseMultiLayerUpdater<?> updater, Function<Trainable, String> layerName,
                                     NetworkStep.Settings settings, List<long[]> written) {
        List<NetworkStep.Tensor> tensors = new ArrayList<>();
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            GradientUpdater<?> u = block.getGradientUpdater();
            if (!(u instanceof RuleGradientUpdater) || block.skipDueToPretrainConfig(false)) {
                continue;
            }
            RuleGradientUpdater rule = (RuleGradientUpdater) u;
            for (UpdaterBlock.ParamState ps : block.getLayersAndVariablesInBlock()) {
                Trainable layer = ps.getLayer();
                String name = layerName.apply(layer) + "_" + ps.getParamName();
                GradientNormalization gn = layer.getConfig().getGradientNormalization();
                if (gn != null && gn != GradientNormalization.None) {
                    throw new IllegalArgumentException("tensor '" + name + "': its layer has DL4J gradient "
                            + "normalization " + gn + "; pamadam-dl4j clips by the global norm instead (attach with "
                            + "Settings.maxGradNorm), so set GradientNormalization.None");
                }
                long from = ps.getParamOffsetStart() - block.getParamOffsetStart();
                long to = ps.getParamOffsetEnd() - block.getParamOffsetStart();
                if (to == from) {
                    continue;
                }
                written.add(new long[] {ps.getParamOffsetStart(), ps.getParamOffsetEnd()});
                tensors.add(new NetworkStep.Tensor(name, flat(ps.getParamView()), flat(ps.getGradView()),
                        rule.getConfig(), slice(rule.m(), from, to), rule.v() == null ? null : slice(rule.v(), from, to),
                        slice(rule.counts(), from, to)));
            }
        }
        return new NetworkStep(tensors, settings);
    }

    /** A parameter or gradient view as it lies in memory (DL4J's views are dense runs). */
    private static INDArray flat(INDArray a) {
        NdMemory.check("DL4J view " + java.util.Arrays.toString(a.shape()), a);
        return a;
    }

    private static INDArray slice(INDArray region, long from, long to) {
        return region.get(NDArrayIndex.interval(from, to));
    }
}
