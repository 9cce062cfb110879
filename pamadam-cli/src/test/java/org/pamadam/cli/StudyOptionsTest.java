package org.pamadam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pamadam.cli.train.Models;

/** The study's options: torch's initialisation and per-step ratio telemetry. */
class StudyOptionsTest {
    static final Path data = Cli.smallData(1500, 400);

    @TempDir
    Path dir;

    @BeforeAll
    static void offline() {
        System.setProperty("ai.djl.offline", "true");
    }

    /** Fan-in of each Linear layer of the MLP, in block order, and its weight and bias paths' prefix. */
    private static final int[] MLP_FAN_IN = {784, 256, 128};

    @Test
    void torchInitDrawsUniformWithinOneOverSqrtFanIn() {
        Engine.getEngine("PyTorch").setRandomSeed(3);
        Map<String, float[]> torch = initialised(Models.Init.TORCH);
        int layer = 0;
        for (Map.Entry<String, float[]> e : torch.entrySet()) {
            int fanIn = MLP_FAN_IN[layer / 2];
            double bound = 1 / Math.sqrt(fanIn);
            float[] w = e.getValue();
            double max = 0;
            double sumSq = 0;
            for (float x : w) {
                max = Math.max(max, Math.abs(x));
                sumSq += (double) x * x;
            }
            double rms = Math.sqrt(sumSq / w.length);
            assertTrue(max <= bound, e.getKey() + ": |w| up to " + max + " beyond torch's bound " + bound);
            // Uniform in +-b: rms b/sqrt(3); the largest of n draws is near b (the 10-bias layer is loosest).
            assertEquals(bound / Math.sqrt(3), rms, 0.25 * bound / Math.sqrt(3), e.getKey() + " rms");
            assertTrue(max > 0.7 * bound, e.getKey() + ": largest |w| " + max + " far inside " + bound);
            layer++;
        }
        assertEquals(6, layer, "3 weights and 3 biases");
    }

    @Test
    void djlInitKeepsDjlDefaultsZeroBiasesHeNormalWeights() {
        Engine.getEngine("PyTorch").setRandomSeed(3);
        Map<String, float[]> djl = initialised(Models.Init.DJL);
        int layer = 0;
        for (Map.Entry<String, float[]> e : djl.entrySet()) {
            int fanIn = MLP_FAN_IN[layer / 2];
            float[] w = e.getValue();
            double sumSq = 0;
            for (float x : w) {
                sumSq += (double) x * x;
            }
            if (e.getKey().endsWith("bias")) {
                assertEquals(0.0, sumSq, e.getKey() + " starts at zero");
            } else {
                assertEquals(Math.sqrt(2.0 / fanIn), Math.sqrt(sumSq / w.length), 0.05 * Math.sqrt(2.0 / fanIn),
                        e.getKey() + " rms of He normal");
            }
            layer++;
        }
    }

    private static Map<String, float[]> initialised(Models.Init init) {
        try (Model model = Model.newInstance("init-test", Device.cpu())) {
            model.setBlock(Models.build("mlp", init));
            model.getBlock().initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32,
                    Models.inputShape("mlp", 4));
            // Ordered by path: 01Linear_weight, 01Linear_bias... sorted so weight/bias pairs stay per layer.
            Map<String, float[]> out = new TreeMap<>((a, b) -> {
                int c = a.substring(0, 2).compareTo(b.substring(0, 2));
                return c != 0 ? c : b.compareTo(a); // "weight" before "bias"
            });
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                out.put(p.getKey(), p.getValue().getArray().toFloatArray());
            }
            return out;
        }
    }

    @Test
    void logRatiosWritesEveryTensorAfterEveryStep() throws IOException {
        Path out = dir.resolve("ratios");
        Cli.Outcome o = Cli.run("compare", "--optimizers", "pamadam,lamb", "--epochs", "2", "--batch-size", "100",
                "--data", data.toString(), "--out", out.toString(), "--log-ratios", "--init", "torch");
        assertEquals(0, o.code(), o.out() + o.err());
        List<String> lines = Files.readAllLines(out.resolve("ratios.csv"));
        assertEquals("optimizer,lr,seed,epoch,step,tensor,ratio", lines.get(0));
        for (String optimizer : new String[] {"pamadam", "lamb"}) {
            List<String[]> rows = lines.subList(1, lines.size()).stream().map(l -> l.split(","))
                    .filter(f -> f[0].equals(optimizer)).collect(Collectors.toList());
            Set<String> tensors = rows.stream().map(f -> f[5]).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(6, tensors.size(), optimizer + ": the MLP's 6 tensors " + tensors);
            // 1500 images / 100 = 15 steps per epoch, numbered 1..30 across the two epochs.
            Set<Integer> steps = rows.stream().map(f -> Integer.parseInt(f[4])).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(30, steps.size(), optimizer + " steps " + steps);
            assertEquals(1, (int) ((TreeSet<Integer>) steps).first());
            assertEquals(30, (int) ((TreeSet<Integer>) steps).last());
            assertEquals(30 * 6, rows.size(), optimizer + ": one row per tensor per step");
            for (String[] f : rows) {
                int step = Integer.parseInt(f[4]);
                assertEquals(step <= 15 ? 1 : 2, Integer.parseInt(f[3]), "epoch of step " + step);
                double r = Double.parseDouble(f[6]);
                assertTrue(Double.isFinite(r) && r > 0, "ratio " + String.join(",", f));
            }
            // A trust ratio moves as |p| and the moments do: not one value logged again and again.
            long distinct = rows.stream().filter(f -> f[5].equals(rows.get(0)[5])).map(f -> f[6]).distinct().count();
            assertTrue(distinct > 20, optimizer + ": " + distinct + " distinct ratios over 30 steps");
        }
    }

    @Test
    void logTensorsWritesRatioMeanAbsParamAndBatchLossAfterEveryStep() throws IOException {
        Path out = dir.resolve("tensors");
        Cli.Outcome o = Cli.run("compare", "--optimizers", "pamadam,adam", "--epochs", "1", "--batch-size", "100",
                "--data", data.toString(), "--out", out.toString(), "--log-ratios", "--log-tensors", "--init", "torch");
        assertEquals(0, o.code(), o.out() + o.err());
        List<String> lines = Files.readAllLines(out.resolve("tensors.csv"));
        assertEquals("optimizer,lr,seed,epoch,step,tensor,ratio,mean_abs_p,batch_loss", lines.get(0));
        List<String[]> rows = lines.subList(1, lines.size()).stream().map(l -> l.split(",")).collect(Collectors.toList());
        // 1500 images / 100 = 15 steps, 6 tensors, 2 optimizers.
        assertEquals(2 * 15 * 6, rows.size());
        // The ratio column is the one --log-ratios writes.
        Map<String, String> ratios = new TreeMap<>();
        for (String line : Files.readAllLines(out.resolve("ratios.csv")).subList(1, 2 * 15 * 6 + 1)) {
            String[] f = line.split(",");
            ratios.put(f[0] + "/" + f[4] + "/" + f[5], f[6]);
        }
        Map<String, Double> previous = new TreeMap<>();
        Map<Integer, Double> batchLoss = new TreeMap<>();
        for (String[] f : rows) {
            assertEquals(ratios.get(f[0] + "/" + f[4] + "/" + f[5]), f[6], String.join(",", f));
            double mean = Double.parseDouble(f[7]);
            assertTrue(Double.isFinite(mean) && mean > 0, "mean|p| " + String.join(",", f));
            double loss = Double.parseDouble(f[8]);
            assertTrue(Double.isFinite(loss) && loss > 0, "batch loss " + String.join(",", f));
            String key = f[0] + "/" + f[5];
            if (f[0].equals("pamadam")) {
                batchLoss.put(Integer.parseInt(f[4]), loss);
                if (f[5].equals("01Linear_weight") && f[4].equals("1")) {
                    // torch's init: uniform in +-1/sqrt(784), so mean|p| = 1/(2*sqrt(784)), moved by <= 0.1%
                    assertEquals(1 / (2 * Math.sqrt(784)), mean, 0.05 / (2 * Math.sqrt(784)));
                }
                // PAMAdam's defining property: a step moves a tensor by lr * mean|p| on average, so mean|p|
                // changes by at most that fraction (lr 1e-3) from one step to the next.
                Double before = previous.get(key);
                if (before != null) {
                    assertTrue(Math.abs(mean / before - 1) <= 1.001e-3 + 1e-6, key + " step " + f[4] + ": "
                            + before + " -> " + mean);
                }
            }
            previous.put(key, mean);
        }
        // The batch losses (equal batches of 100) average to the epoch's training loss in metrics.csv.
        String[] metrics = Files.readAllLines(out.resolve("metrics.csv")).get(1).split(",");
        double mean = batchLoss.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertEquals(Double.parseDouble(metrics[4]), mean, 1e-4);
    }

    @Test
    void noTrustRatioNamesATensorByItsBlockPath() throws IOException {
        Path out = dir.resolve("last");
        Cli.Outcome o = Cli.run("compare", "--optimizers", "pamadam", "--epochs", "1", "--batch-size", "100",
                "--data", data.toString(), "--out", out.toString(), "--log-ratios", "--no-trust-ratio",
                "05Linear_weight|05Linear_bias");
        assertEquals(0, o.code(), o.out() + o.err());
        List<String[]> rows = Files.readAllLines(out.resolve("ratios.csv")).stream().skip(1).map(l -> l.split(","))
                .collect(Collectors.toList());
        assertEquals(15 * 6, rows.size());
        for (String[] f : rows) {
            double ratio = Double.parseDouble(f[6]);
            if (f[5].startsWith("05Linear_")) {
                assertEquals(1.0, ratio, 0.0, "the last layer steps plainly: " + String.join(",", f));
            } else if (f[5].endsWith("_weight")) {
                assertTrue(ratio < 0.5, "the other weights keep their trust ratio: " + String.join(",", f));
            }
        }
    }

    @Test
    void initIsRefusedWhereItIsNotOffered() {
        Cli.Outcome bad = Cli.run("train", "--init", "xavier", "--data", data.toString(), "--out",
                dir.resolve("x").toString());
        assertEquals(2, bad.code(), bad.out() + bad.err());
        assertTrue(bad.err().contains("--init must be djl or torch, got 'xavier'"), bad.err());
        Cli.Outcome dl4j = Cli.run("train", "--engine", "dl4j", "--init", "torch", "--data", data.toString(), "--out",
                dir.resolve("y").toString());
        assertEquals(2, dl4j.code(), dl4j.out() + dl4j.err());
        assertTrue(dl4j.err().contains("djl engine only"), dl4j.err());
    }
}
