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
import org.pamadam.state.CheckpointException;

/** Trains the MLP with Deeplearning4j (CPU backend) and this project's DL4J updater. */
final class Dl4jTraining implements TrainingEngine {

    @Override
    public String name() {
        return "dl4j";
    }

    @Override
    public Session open(RunSpec spec, FashionMnist.Data data) {
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jModels.mlp(spec));
        net.init();
        return new Dl4jSession(spec, data, net);
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
            net = restored;
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
