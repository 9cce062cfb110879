package org.pamadam.cli.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.pamadam.data.FashionMnist;
import org.pamadam.data.ImageSet;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.dl4j.NetworkStep;
import org.pamadam.state.CheckpointException;

/** Trains the MLP or the CNN with Deeplearning4j (CPU backend) and this project's DL4J updater. */
final class Dl4jTraining implements TrainingEngine {

    @Override
    public String name() {
        return "dl4j";
    }

    /** Everything the recipe offers runs on dl4j: clipping and accumulation are the core's, in NetworkStep. */
    @Override
    public void check(RunSpec spec) {
    }

    @Override
    public Session open(RunSpec spec, FashionMnist.Data data) {
        check(spec);
        return new Dl4jSession(spec, data, build(spec, data));
    }

    /** The initialised network of {@code spec}, its schedule over the run's optimizer steps. */
    static MultiLayerNetwork build(RunSpec spec, FashionMnist.Data data) {
        int batches = (data.train().count() + spec.batchSize() - 1) / spec.batchSize();
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jModels.build(spec,
                spec.recipe().optimizerSteps(spec.epochs(), batches)));
        net.init();
        attach(net, spec);
        return net;
    }

    /**
     * Attaches the core step with the recipe's clipping and accumulation (after the minibatch
     * division, as torch clips the mean gradient). Runtime wiring: a restored network gets it again.
     */
    static NetworkStep attach(MultiLayerNetwork net, RunSpec spec) {
        NetworkStep.Settings settings = NetworkStep.Settings.defaults().accumulate(spec.recipe().accumulate());
        if (spec.recipe().maxGradNorm() != null) {
            settings = settings.maxGradNorm(spec.recipe().maxGradNorm());
        }
        return Dl4jOptimizers.attach(net, settings);
    }

    private static final class Dl4jSession implements Session {
        private final RunSpec spec;
        private final FashionMnist.Data data;
        private MultiLayerNetwork net;

        Dl4jSession(RunSpec spec, FashionMnist.Data data, MultiLayerNetwork net) {
            this.spec = spec;
            this.data = data;
            this.net = net;
        }

        @Override
        public EpochMetrics epoch(int epoch, Progress progress) {
            ImageSet train = data.train();
            int n = train.count();
            int bs = spec.batchSize();
            int batches = (n + bs - 1) / bs;
            int[] order = DataOrder.forEpoch(spec, n, epoch);
            long start = System.nanoTime();
            double lossSum = 0;
            for (int b = 0; b < batches; b++) {
                int from = b * bs;
                int size = Math.min(bs, n - from);
                DataSet batch = Dl4jModels.batch(train, order, from, size);
                net.fit(batch);
                lossSum += net.score() * size;
                progress.batch(b + 1, batches, lossSum / (from + size), from + size);
            }
            // A window ends with its epoch (Recipe.optimizerSteps counts ceil(batches / accumulate)).
            Dl4jOptimizers.attached(net).flush(epoch);
            double seconds = (System.nanoTime() - start) / 1e9;
            ImageSet test = data.test();
            DataSet all = Dl4jModels.batch(test, DataOrder.identity(test.count()), 0, test.count());
            double testLoss = net.score(all);
            INDArray predicted = net.output(all.getFeatures()).argMax(1);
            INDArray truth = all.getLabels().argMax(1);
            double accuracy = predicted.eq(truth).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).meanNumber()
                    .doubleValue();
            // DL4J runs the updater inside fit(): its time cannot be separated here (NaN in the CSV).
            return new EpochMetrics(spec, epoch, lossSum / n, testLoss, accuracy, seconds, Double.NaN, Double.NaN);
        }

        @Override
        public Snapshot save() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ModelSerializer.writeModel(net, out, true); // with the updater state
            return new Snapshot(out.toByteArray(), new byte[0]);
        }

        @Override
        public void restore(Snapshot snapshot) throws IOException {
            MultiLayerNetwork restored;
            try {
                restored = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(snapshot.model()), true);
            } catch (IOException | RuntimeException e) {
                throw new CheckpointException("model.params: not a DL4J model: " + e.getMessage());
            }
            if (restored.numParams() != net.numParams()) {
                throw new CheckpointException("model.params: " + restored.numParams() + " parameters, this model has "
                        + net.numParams());
            }
            // The restored configuration holds the schedule tabulated for the run that saved it; a
            // resumed run may be longer. So the values, updater state and counters move into a network
            // built from this run's spec, whose schedule spans this run.
            MultiLayerNetwork fresh = build(spec, data);
            INDArray state = restored.getUpdater().getStateViewArray();
            INDArray freshState = fresh.getUpdater().getStateViewArray();
            if (state == null || freshState == null || state.length() != freshState.length()) {
                throw new CheckpointException("model.params: its updater state does not fit this optimizer");
            }
            fresh.setParams(restored.params());
            freshState.assign(state);
            attach(fresh, spec); // again: the step reads the restored counts (step counts, clamps) when attached
            fresh.setIterationCount(restored.getIterationCount());
            fresh.setEpochCount(restored.getEpochCount());
            restored.close();
            net.close();
            net = fresh;
        }

        @Override
        public Map<String, Double> lastRatios() {
            return Dl4jOptimizers.lastRatios(net);
        }

        @Override
        public void close() {
            net.close();
        }
    }
}
