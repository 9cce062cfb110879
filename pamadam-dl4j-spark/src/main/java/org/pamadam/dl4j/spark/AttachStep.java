package org.pamadam.dl4j.spark;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.dl4j.NetworkStep;

/**
 * Attaches the PAMAdam-family step ({@link Dl4jOptimizers#attach}) to the network a Spark training
 * worker fits, before its first minibatch. Workers build their network from the configuration,
 * parameters and updater state the driver broadcasts, so the step must be attached there, in the
 * executor; the counter region of the broadcast updater state carries each tensor's step count, so a
 * worker's schedule and bias correction continue from the steps its model has taken.
 */
final class AttachStep implements TrainingHook {
    private static final long serialVersionUID = 1L;
    private final double maxGradNorm;
    private final int threads;

    AttachStep(NetworkStep.Settings settings) {
        if (settings.accumulate() != 1) {
            throw new IllegalArgumentException("accumulation is not offered on Spark: a worker's window would "
                    + "straddle parameter averaging rounds, whose averaged state holds no partial window");
        }
        this.maxGradNorm = settings.maxGradNorm();
        this.threads = settings.threads();
    }

    private void attach(Model model) {
        NetworkStep.Settings s = NetworkStep.Settings.defaults().maxGradNorm(maxGradNorm).threads(threads);
        if (model instanceof MultiLayerNetwork && Dl4jOptimizers.attached((MultiLayerNetwork) model) == null) {
            Dl4jOptimizers.attach((MultiLayerNetwork) model, s);
        } else if (model instanceof ComputationGraph && Dl4jOptimizers.attached((ComputationGraph) model) == null) {
            Dl4jOptimizers.attach((ComputationGraph) model, s);
        }
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        attach(model);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        attach(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
