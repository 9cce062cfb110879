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
}
