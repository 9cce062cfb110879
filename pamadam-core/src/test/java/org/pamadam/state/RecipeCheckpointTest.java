package org.pamadam.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pamadam.TestData;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.OptimizerState;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/** The recipe fields of the format-2 checkpoint (maxRatio, clamp counts, maxGradNorm), and format 1. */
class RecipeCheckpointTest {
    @TempDir
    Path dir;

    private static List<Param> model() {
        SplittableRandom rnd = new SplittableRandom(6);
        List<Param> ps = new ArrayList<>();
        ps.add(Param.of("w", new int[] {40, 30}, TestData.gaussian(rnd, 1200, 1.0)));
        ps.add(Param.of("v", new int[] {50}, TestData.gaussian(rnd, 50, 0.02)));
        return ps;
    }

    private static void steps(Optimizer opt, List<Param> ps, SplittableRandom rnd, int n) {
        for (int s = 0; s < n; s++) {
            for (Param p : ps) {
                p.setGrad(TestData.gaussian(rnd, p.size(), 1));
            }
            opt.step();
        }
    }

    private static List<Param> copy(List<Param> ps) {
        List<Param> out = new ArrayList<>();
        for (Param p : ps) {
            out.add(Param.of(p.name(), p.shape(), p.data().clone()));
        }
        return out;
    }

    @Test
    void theRecipeIsSavedAndAResumedRunContinuesIt() throws IOException {
        Rule clamped = Rule.pamAdam().lr(1e-2).maxRatio(0.3).build();
        List<Param> straight = model();
        SplittableRandom rndA = new SplittableRandom(1);
        try (Optimizer a = Optimizer.builder().group(clamped, straight).maxGradNorm(2.5).build()) {
            steps(a, straight, rndA, 9);
        }
        List<Param> first = model();
        SplittableRandom rndB = new SplittableRandom(1);
        Path file = dir.resolve("r.ckpt");
        long clamps;
        try (Optimizer b = Optimizer.builder().group(clamped, first).maxGradNorm(2.5).build()) {
            steps(b, first, rndB, 4);
            clamps = b.clampCount("w");
            Checkpoint.save(b, file);
        }
        assertTrue(clamps > 0, "the bound bit on w");
        List<Param> resumed = copy(first);
        // Built without the recipe: the checkpoint's bound, clamp and counts replace the live ones.
        try (Optimizer c = Optimizer.builder().group(Rule.pamAdam().build(), resumed).build()) {
            Checkpoint.load(c, file);
            assertEquals(0.3, c.rule(0).maxRatio());
            assertEquals(2.5, c.maxGradNorm());
            assertEquals(clamps, c.clampCount("w"));
            assertEquals(0, c.clampCount("v"), "v's ratio sits below the bound");
            steps(c, resumed, rndB, 5);
        }
        for (int i = 0; i < straight.size(); i++) {
            assertArrayEquals(straight.get(i).data(), resumed.get(i).data(), straight.get(i).name());
        }
    }

    @Test
    void loadKeepingRulesKeepsTheLiveBound() throws IOException {
        List<Param> ps = model();
        Path file = dir.resolve("k.ckpt");
        try (Optimizer b = Optimizer.builder().group(Rule.adam().build(), ps).maxGradNorm(1).build()) {
            steps(b, ps, new SplittableRandom(2), 2);
            Checkpoint.save(b, file);
        }
        try (Optimizer c = Optimizer.builder().group(Rule.adam().build(), copy(ps)).maxGradNorm(7).build()) {
            c.loadKeepingRules(Checkpoint.decode(java.nio.file.Files.readAllBytes(file), "k"));
            assertEquals(7, c.maxGradNorm());
            assertEquals(2, c.stepCount("w"));
        }
    }

    @Test
    void aFormatOneFileIsReadAsARunWithoutClampOrClipping() throws IOException {
        byte[] bytes;
        try (InputStream in = getClass().getResourceAsStream("/state/v1.ckpt")) {
            bytes = in.readAllBytes();
        }
        assertEquals(1, bytes[16], "the resource is a format-1 file");
        OptimizerState old = Checkpoint.decode(bytes, "v1.ckpt");
        try (Optimizer same = V1Fixture.run()) {
            OptimizerState now = same.state();
            assertEquals(Double.POSITIVE_INFINITY, old.maxGradNorm());
            for (OptimizerState.Group g : old.groups()) {
                assertEquals(Double.POSITIVE_INFINITY, g.rule().maxRatio());
                g.tensors().forEach(t -> assertEquals(0, t.clamped()));
            }
            // Every value the format-1 writer saved reads back as the same run computes it today.
            assertArrayEquals(Checkpoint.encode(now), Checkpoint.encode(old));
        }
    }

    @Test
    void impossibleRecipeFieldsAreRefused() throws IOException {
        List<Param> ps = model();
        try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().build(), ps).build()) {
            steps(opt, ps, new SplittableRandom(3), 2);
            OptimizerState s = opt.state();
            OptimizerState.Tensor t = s.groups().get(0).tensors().get(0);
            OptimizerState.Tensor tooMany = new OptimizerState.Tensor(t.name(), t.shape(), t.step(), t.lastRatio(),
                    t.m(), t.v(), 3);
            OptimizerState bad = new OptimizerState(List.of(new OptimizerState.Group(s.groups().get(0).rule(),
                    List.of(tooMany, s.groups().get(0).tensors().get(1)))), 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.load(bad));
            assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("clamp count 3"), e.getMessage());
            OptimizerState noNorm = new OptimizerState(s.groups(), 0, -1);
            e = assertThrows(IllegalArgumentException.class, () -> opt.load(noNorm));
            assertTrue(e.getMessage().contains("maxGradNorm -1.0"), e.getMessage());
            byte[] future = Checkpoint.encode(s);
            future[16] = 4;
            CheckpointException ce = assertThrows(CheckpointException.class, () -> Checkpoint.decode(future, "f"));
            assertTrue(ce.getMessage().contains("version 4") && ce.getMessage().contains("1 to 3"), ce.getMessage());
        }
    }
}
