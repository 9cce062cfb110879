package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pamadam.DoubleReference;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/** {@code maxRatio}: the step uses min(ratio, maxRatio), telemetry reports it and counts the bites. */
class RatioClampTest {

    /** Tensors whose ratios sit on both sides of the bound: p scales 1, 0.3 and 0.02, and a zero bias. */
    private static List<Param> model(SplittableRandom rnd) {
        List<Param> ps = new ArrayList<>();
        ps.add(Param.of("large", TestData.gaussian(rnd, 5000, 1.0)));
        ps.add(Param.of("medium", TestData.gaussian(rnd, 400, 0.3)));
        ps.add(Param.of("tiny", TestData.gaussian(rnd, 64, 0.02)));
        ps.add(Param.of("bias", new float[32]));
        return ps;
    }

    @ParameterizedTest(name = "{0} maxRatio={1} fused={2}")
    @CsvSource({"pamadam, 0.1, true", "pamadam, 0.1, false", "pamadam, 0.5, true", "lamb, 0.1, true",
            "lamb, 0.1, false"})
    void clampedRatiosFollowTheDoubleReference(String kind, double maxRatio, boolean fused) {
        SplittableRandom rnd = new SplittableRandom(17);
        List<Param> ps = model(rnd);
        Rule rule = Rule.named(kind).lr(1e-2).maxRatio(maxRatio).build();
        DoubleReference[] ref = new DoubleReference[ps.size()];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = new DoubleReference(kind, rule.lr(), rule.beta1(), rule.beta2(), rule.eps(), rule.weightDecay(),
                    true, ps.get(i).data());
            ref[i].maxRatio = maxRatio;
        }
        try (Optimizer opt = Optimizer.builder().group(rule, ps).threads(2).fused(fused).build()) {
            for (int step = 0; step < 6; step++) {
                for (int i = 0; i < ps.size(); i++) {
                    float[] g = TestData.gaussian(rnd, ps.get(i).size(), 0.1);
                    ps.get(i).setGrad(g);
                    ref[i].step(g);
                }
                opt.step();
                for (int i = 0; i < ps.size(); i++) {
                    String name = ps.get(i).name();
                    double err = ref[i].relativeError(ps.get(i).data());
                    assertTrue(err <= 1e-5, "step " + step + " " + name + ": error " + err);
                    assertTrue(opt.lastRatio(name) <= maxRatio, name + " ratio above the bound");
                    assertEquals(ref[i].lastRatio, opt.lastRatio(name), 1e-4 * ref[i].lastRatio,
                            "step " + step + " " + name);
                    assertEquals(ref[i].clampCount, opt.clampCount(name), "step " + step + " " + name);
                    int at = opt.indexOf(name);
                    assertEquals(ref[i].clampCount, opt.clampCount(at), "step " + step + " " + name + " by index");
                    assertEquals(ref[i].lastRatio, opt.lastRatio(at), 1e-4 * ref[i].lastRatio, "by index");
                }
            }
        }
        long bitten = 0;
        long free = 0;
        for (DoubleReference r : ref) {
            bitten += r.clampCount > 0 ? 1 : 0;
            free += r.clampCount < 6 ? 1 : 0;
        }
        assertTrue(bitten > 0 && free > 0, "the bound bit in some tensors and not in others");
    }

    @Test
    void theZeroGuardsRatioIsClampedToo() {
        Param bias = Param.of("bias", new float[8]);
        try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().maxRatio(0.5).build(), List.of(bias)).build()) {
            float[] g = {1, -1, 1, -1, 1, -1, 1, -1};
            bias.setGrad(g);
            opt.step();
            // Guarded ratio 1 (mean|p| = 0), then the bound: the first Adam step of size lr moves half as far.
            assertEquals(0.5, opt.lastRatio("bias"));
            assertEquals(1, opt.clampCount("bias"));
            assertEquals(-0.5e-3, bias.data()[0], 1e-9);
        }
    }

    @Test
    void rulesWithoutATrustRatioAreNeverClamped() {
        for (Rule rule : new Rule[] {Rule.adam().maxRatio(0.25).build(),
                Rule.pamAdam().adapt(false).maxRatio(0.25).build()}) {
            Param w = Param.of("w", new float[] {0.5f, -2f, 1f});
            try (Optimizer opt = Optimizer.builder().group(rule, List.of(w)).build()) {
                w.setGrad(new float[] {1, 1, 1});
                opt.step();
                assertEquals(1.0, opt.lastRatio("w"), rule.toString());
                assertEquals(0, opt.clampCount("w"));
                assertEquals(0.5 - 1e-3, w.data()[0], 1e-7, "a plain lr-sized Adam step");
            }
        }
    }

    @Test
    void invalidBoundsAreRefusedAndTheBoundIsKeptByToBuilder() {
        for (double bad : new double[] {0.0, -1.0, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Rule.lamb().maxRatio(bad).build());
            assertTrue(e.getMessage().contains("lamb") && e.getMessage().contains("maxRatio")
                    && e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
        assertEquals(Double.POSITIVE_INFINITY, Rule.pamAdam().build().maxRatio());
        Rule r = Rule.lamb().maxRatio(10).build();
        assertEquals(10, r.toBuilder().lr(0.5).build().maxRatio());
        assertTrue(!r.equals(Rule.lamb().build()), "the bound is part of the rule's identity");
    }
}
