package org.pamadam.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RuleTest {

    private static void refused(Executable build, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    @Test
    void defaultsMatchTheSpecification() {
        Rule r = Rule.pamAdam().build();
        assertEquals(1e-3, r.lr());
        assertEquals(0.9, r.beta1());
        assertEquals(0.999, r.beta2());
        assertEquals(1e-8, r.eps());
        assertEquals(0.0, r.weightDecay());
        assertEquals(TrustRatio.MEAN_ABS, r.effectiveRatio());
        assertEquals(TrustRatio.L2_NORM, Rule.lamb().build().ratio());
        assertEquals(0.01, Rule.adamW().build().weightDecay());
    }

    @Test
    void invalidHyperparametersAreRefusedWithTheNameAndValue() {
        refused(() -> Rule.pamAdam().lr(-1e-3).build(), "pamadam", "lr", "-0.001");
        refused(() -> Rule.pamAdam().lr(Double.NaN).build(), "lr", "NaN");
        refused(() -> Rule.adam().lr(Double.POSITIVE_INFINITY).build(), "lr", "Infinity");
        refused(() -> Rule.pamAdam().betas(1.0, 0.999).build(), "beta1", "[0, 1)", "1.0");
        refused(() -> Rule.pamAdam().betas(0.9, -0.1).build(), "beta2", "-0.1");
        refused(() -> Rule.lamb().eps(-1e-8).build(), "lamb", "eps");
        refused(() -> Rule.adamW().weightDecay(-0.1).build(), "weightDecay", "-0.1");
        refused(() -> Rule.sgd().momentum(1.5).build(), "momentum", "1.5");
        refused(() -> Rule.named("adagrad"), "unknown optimizer", "adagrad");
    }

    @Test
    void adaptOffMeansNoRatioButKeepsTheRest() {
        Rule plain = Rule.pamAdam().lr(0.01).build().toBuilder().adapt(false).build();
        assertFalse(plain.adapt());
        assertEquals(TrustRatio.NONE, plain.effectiveRatio());
        assertEquals(0.01, plain.lr());
    }

    @Test
    void zeroGuard() {
        assertEquals(1.0, TrustRatio.MEAN_ABS.of(0.0, 5.0));
        assertEquals(1.0, TrustRatio.MEAN_ABS.of(5.0, 0.0));
        assertEquals(2.5, TrustRatio.MEAN_ABS.of(5.0, 2.0));
        assertEquals(2.0, TrustRatio.L2_NORM.of(16.0, 4.0));
        assertEquals(1.0, TrustRatio.L2_NORM.of(0.0, 0.0));
        assertEquals(1.0, TrustRatio.NONE.of(3.0, 1.0));
    }

    @Test
    void decayNoneTakesNoWeightDecay() {
        // Decay.NONE is reachable only through the canonical constructor (no preset uses it)
        refused(() -> new Rule("plain", Moments.ADAM, Decay.NONE, TrustRatio.NONE,
                1e-3, 0.9, 0.999, 1e-8, 0.1, true), "plain", "weightDecay is 0.1", "no decay");
        Rule plain = new Rule("plain", Moments.ADAM, Decay.NONE, TrustRatio.NONE, 1e-3, 0.9, 0.999, 1e-8, 0.0, true);
        assertEquals(Decay.NONE, plain.decay());
        assertEquals(0.0, plain.weightDecay());
    }

    @Test
    void trustRatioIsTheGuardedRatioClampedToMaxRatio() {
        // MEAN_ABS: 10 / 1 = 10, clamped to 2; under the clamp it passes unchanged
        Rule clamped = Rule.pamAdam().maxRatio(2.0).build();
        assertEquals(2.0, clamped.trustRatio(10.0, 1.0));
        assertEquals(1.5, clamped.trustRatio(3.0, 2.0));
        assertEquals(1.0, clamped.trustRatio(0.0, 2.0));      // zero guard first
        // L2_NORM: sqrt(16) / sqrt(4) = 2, under a clamp of 10
        assertEquals(2.0, Rule.lamb().maxRatio(10.0).build().trustRatio(16.0, 4.0));
        // no effective trust ratio: always 1, and a clamp below 1 never scales the step
        assertEquals(1.0, Rule.adam().maxRatio(0.5).build().trustRatio(100.0, 1.0));
        assertEquals(1.0, Rule.pamAdam().maxRatio(0.5).adapt(false).build().trustRatio(100.0, 1.0));
    }

    @Test
    void clampsCountsOnlyRatiosAboveTheBound() {
        Rule clamped = Rule.pamAdam().maxRatio(2.0).build();
        assertFalse(clamped.clamps(2.0));                      // equal to the bound: unchanged by min
        assertTrue(clamped.clamps(Math.nextUp(2.0)));
        assertFalse(clamped.clamps(1.0));
        assertFalse(Rule.pamAdam().maxRatio(2.0).adapt(false).build().clamps(5.0));
        assertFalse(Rule.adam().maxRatio(0.5).build().clamps(5.0));
    }
}
