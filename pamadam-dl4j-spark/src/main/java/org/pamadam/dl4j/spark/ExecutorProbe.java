package org.pamadam.dl4j.spark;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.SparkEnv;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.dl4j.NetworkStep;

/**
 * A DL4J Spark {@link TrainingHook} that runs in the executors, around each minibatch a training worker
 * fits, and adds what it saw to an {@link ExecutorReportAccumulator}: this JVM's identity, the loss,
 * the updater configurations of the network as deserialised there, the tensors its attached
 * {@link NetworkStep} steps and the trust ratios they took, and optionally (see {@link SparkSettings#measureSteps()}) the size of
 * every step relative to the parameters.
 *
 * <p>Serialised with the training worker into every task; one instance per task.
 */
public final class ExecutorProbe implements TrainingHook {
    private static final long serialVersionUID = 1L;

    private final ExecutorReportAccumulator reports;
    private final boolean measureSteps;

    private transient Map<String, INDArray> before;
    private transient Map<String, Double> lrs;

    /**
     * @param reports      the accumulator to add to (registered with the SparkContext)
     * @param measureSteps whether to copy the parameters before each fit and measure the step
     */
    public ExecutorProbe(ExecutorReportAccumulator reports, boolean measureSteps) {
        this.reports = reports;
        this.measureSteps = measureSteps;
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        pre(model);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        pre(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        post(minibatch.numExamples(), model);
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        post(minibatch.getFeatures(0).size(0), model);
    }

    private void pre(Model model) {
        if (!measureSteps) {
            return;
        }
        before = new HashMap<>();
        lrs = new HashMap<>();
        for (Layer layer : layers(model)) {
            TrainingConfig config = layer.getConfig();
            for (Map.Entry<String, INDArray> e : layer.paramTable(false).entrySet()) {
                IUpdater u = config.getUpdaterByParam(e.getKey());
                if (u == null || !u.hasLearningRate()) {
                    continue;
                }
                String key = config.getLayerName() + "_" + e.getKey();
                before.put(key, e.getValue().dup());
                lrs.put(key, u.getLearningRate(layer.getIterationCount(), layer.getEpochCount()));
            }
        }
    }

    private void post(long examples, Model model) {
        Set<String> updaters = new TreeSet<>();
        Updater updater = model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).getUpdater()
                : model instanceof ComputationGraph ? ((ComputationGraph) model).getUpdater() : null;
        if (updater instanceof BaseMultiLayerUpdater) {
            for (UpdaterBlock block : ((BaseMultiLayerUpdater<?>) updater).getUpdaterBlocks()) {
                updaters.add(String.valueOf(block.getGradientUpdater().getConfig()));
            }
        }
        Set<String> tensorSteps = new TreeSet<>();
        NetworkStep step = model instanceof MultiLayerNetwork ? Dl4jOptimizers.attached((MultiLayerNetwork) model)
                : model instanceof ComputationGraph ? Dl4jOptimizers.attached((ComputationGraph) model) : null;
        if (step != null) {
            tensorSteps.add("NetworkStep" + step.tensorNames() + " on " + step.optimizer().kernelName());
        }
        long measured = 0;
        double min = Double.NaN;
        double max = Double.NaN;
        for (Layer layer : layers(model)) {
            TrainingConfig config = layer.getConfig();
            for (Map.Entry<String, INDArray> e : layer.paramTable(false).entrySet()) {
                String key = config.getLayerName() + "_" + e.getKey();
                INDArray old = before == null ? null : before.get(key);
                if (old == null) {
                    continue;
                }
                double meanP = Transforms.abs(old.castTo(DataType.DOUBLE), true).meanNumber().doubleValue();
                double lr = lrs.get(key);
                if (meanP == 0.0 || lr == 0.0) {
                    continue;
                }
                INDArray delta = e.getValue().castTo(DataType.DOUBLE).sub(old.castTo(DataType.DOUBLE));
                double meanStep = Transforms.abs(delta, false).meanNumber().doubleValue();
                double v = meanStep / (lr * meanP);
                min = ExecutorReport.minIgnoringNaN(min, v);
                max = ExecutorReport.maxIgnoringNaN(max, v);
                measured = 1;
            }
        }
        before = null;
        Map<String, Double> ratios = new HashMap<>();
        Map<String, Double> last = model instanceof MultiLayerNetwork
                ? Dl4jOptimizers.lastRatios((MultiLayerNetwork) model)
                : model instanceof ComputationGraph ? Dl4jOptimizers.lastRatios((ComputationGraph) model) : Map.of();
        for (Map.Entry<String, Double> e : last.entrySet()) {
            if (!Double.isNaN(e.getValue())) {
                ratios.put(e.getKey(), e.getValue());
            }
        }
        SparkEnv env = SparkEnv.get();
        String executorId = env == null ? "none" : env.executorId();
        String host = env == null ? localHost() : env.blockManager().blockManagerId().host();
        reports.add(new ExecutorReport(executorId, host, ProcessHandle.current().pid(), 1, examples,
                model.score() * examples, updaters, tensorSteps, ratios, measured, min, max));
    }

    private static List<Layer> layers(Model model) {
        Layer[] layers = model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).getLayers()
                : model instanceof ComputationGraph ? ((ComputationGraph) model).getLayers() : new Layer[0];
        return new ArrayList<>(List.of(layers));
    }

    private static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
