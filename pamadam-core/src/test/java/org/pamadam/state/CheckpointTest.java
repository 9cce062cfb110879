package org.pamadam.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pamadam.TestData;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

class CheckpointTest {
    @TempDir
    Path dir;

    private static List<Param> model(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Param> ps = new ArrayList<>();
        ps.add(Param.of("fc1.weight", new int[] {64, 33}, TestData.gaussian(rnd, 64 * 33, 0.2)));
        ps.add(Param.of("fc1.bias", new int[] {64}, new float[64]));
        ps.add(Param.of("fc2.weight", new int[] {10, 64}, TestData.gaussian(rnd, 640, 0.2)));
        ps.add(Param.of("scale", new int[] {}, new float[] {1f}));
        return ps;
    }

    private static Optimizer optimizer(List<Param> ps) {
        return Optimizer.builder().group(Rule.pamAdam().lr(3e-3).build(), ps)
                .override(".*bias", r -> r.adapt(false)).threads(2).build();
    }

    private static void steps(Optimizer opt, List<Param> ps, SplittableRandom rnd, int n) {
        for (int s = 0; s < n; s++) {
            for (Param p : ps) {
                // The scale tensor is skipped on odd steps: its own step count must survive too.
                p.setGrad(p.name().equals("scale") && rnd.nextInt(2) == 1 ? null
                        : TestData.gaussian(rnd, p.size(), 0.1));
            }
            opt.step();
        }
    }

    @Test
    void resumeIsBitIdenticalToNeverStopping() throws IOException {
        List<Param> straight = model(1);
        SplittableRandom rndA = new SplittableRandom(9);
        try (Optimizer a = optimizer(straight)) {
            steps(a, straight, rndA, 12);
        }

        List<Param> first = model(1);
        SplittableRandom rndB = new SplittableRandom(9);
        Path file = dir.resolve("opt.ckpt");
        try (Optimizer b = optimizer(first)) {
            steps(b, first, rndB, 5);
            Checkpoint.save(b, file);
        }
        // A new process: fresh optimizer over the saved parameter values.
        List<Param> resumed = new ArrayList<>();
        for (Param p : first) {
            resumed.add(Param.of(p.name(), p.shape(), p.data().clone()));
        }
        try (Optimizer c = optimizer(resumed)) {
            Checkpoint.load(c, file);
            assertEquals(5, c.stepCount("fc1.weight"));
            steps(c, resumed, rndB, 7);
        }
        for (int i = 0; i < straight.size(); i++) {
            assertArrayEquals(straight.get(i).data(), resumed.get(i).data(), straight.get(i).name());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary files left behind");
        }
    }

    private void refusedWithoutChange(UnaryOperator<byte[]> damage, String expected) throws IOException {
        List<Param> ps = model(2);
        try (Optimizer opt = optimizer(ps)) {
            steps(opt, ps, new SplittableRandom(1), 3);
            Path file = dir.resolve("c.ckpt");
            Checkpoint.save(opt, file);
            steps(opt, ps, new SplittableRandom(2), 2);
            byte[] live = Checkpoint.encode(opt.state());
            Files.write(file, damage.apply(Files.readAllBytes(file)));
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(opt, file));
            assertTrue(e.getMessage().contains(expected), e.getMessage());
            assertArrayEquals(live, Checkpoint.encode(opt.state()), "live state changed by a refused load");
        }
    }

    @Test
    void truncatedFileIsRefused() throws IOException {
        refusedWithoutChange(b -> java.util.Arrays.copyOf(b, b.length - 100), "truncated");
        refusedWithoutChange(b -> java.util.Arrays.copyOf(b, 10), "truncated");
    }

    @Test
    void flippedByteIsRefused() throws IOException {
        refusedWithoutChange(b -> {
            b[b.length / 2] ^= 0x10;
            return b;
        }, "checksum");
    }

    @Test
    void foreignFileAndFutureVersionAreRefused() throws IOException {
        refusedWithoutChange(b -> "this is not a checkpoint at all, just some text".getBytes(), "bad magic");
        refusedWithoutChange(b -> {
            b[16] = 9; // version field
            return b;
        }, "version 9");
    }

    @Test
    void checkpointOfAnotherModelIsRefused() throws IOException {
        List<Param> other = List.of(Param.of("fc1.weight", new int[] {64, 32}, new float[64 * 32]));
        Path file = dir.resolve("other.ckpt");
        try (Optimizer o = Optimizer.builder().group(Rule.pamAdam().build(), other).build()) {
            Checkpoint.save(o, file);
        }
        byte[] foreign = Files.readAllBytes(file);
        refusedWithoutChange(b -> foreign, "does not fit");
    }

    @Test
    void missingFileIsRefused() {
        List<Param> ps = model(3);
        try (Optimizer opt = optimizer(ps)) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> Checkpoint.load(opt, dir.resolve("nope.ckpt")));
            assertTrue(e.getMessage().contains("no such"));
        }
    }

    @Test
    void hyperparametersAndGroupsAreRestored() throws IOException {
        List<Param> ps = model(4);
        Path file = dir.resolve("h.ckpt");
        try (Optimizer opt = optimizer(ps)) {
            opt.setLearningRate(0.042);
            Checkpoint.save(opt, file);
        }
        try (Optimizer fresh = optimizer(model(4))) {
            Checkpoint.load(fresh, file);
            assertEquals(0.042, fresh.rule(0).lr());
            assertEquals(false, fresh.rule(1).adapt());
        }
    }
}
