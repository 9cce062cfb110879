package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * {@link StepConstants#of}, the public view of one step's constants (pamadam-djl builds its step from
 * it), against the formulas of its Javadoc worked out here: hyperparameters rounded to float, bias
 * corrections {@code 1 - b^t} in double then rounded, unused terms neutral.
 */
class StepConstantsTest {

    @Test
    void adamWAtStepTwo() {
        StepConstants c = StepConstants.of(Rule.adamW().lr(0.01).weightDecay(0.1).build(), 2);
        assertEquals(Moments.ADAM, c.moments());
        assertEquals(TrustRatio.NONE, c.ratio());
        assertEquals(0.9f, c.beta1());
        assertEquals((float) 0.09999999999999998, c.oneMinusBeta1());   // 1 - 0.9 in double
        assertEquals(0.999f, c.beta2());
        assertEquals((float) 0.0010000000000000009, c.oneMinusBeta2()); // 1 - 0.999 in double
        assertEquals((float) 0.18999999999999995, c.biasCorrection1()); // 1 - 0.81
        assertEquals((float) 0.001998999999999973, c.biasCorrection2());  // 1 - 0.999^2 in double
        assertEquals(1e-8f, c.eps());
        assertEquals(0f, c.gradDecay());
        assertEquals(0f, c.stepDecay());
        assertEquals(0.999f, c.decayFactor());                          // 1 - 0.01 * 0.1
        assertEquals(0.01f, c.lr());
    }

    @Test
    void lambDecaysInsideTheStepAndSgdInTheGradient() {
        StepConstants lamb = StepConstants.of(Rule.lamb().lr(0.002).weightDecay(0.01).build(), 1);
        assertEquals(TrustRatio.L2_NORM, lamb.ratio());
        assertEquals(0.01f, lamb.stepDecay());
        assertEquals(0f, lamb.gradDecay());
        assertEquals(1f, lamb.decayFactor());
        assertEquals((float) 0.09999999999999998, lamb.biasCorrection1());  // 1 - 0.9^1
        assertEquals(1e-6f, lamb.eps());

        StepConstants sgd = StepConstants.of(Rule.sgd().weightDecay(0.1).build(), 5);
        assertEquals(Moments.MOMENTUM, sgd.moments());
        assertEquals(1f, sgd.biasCorrection1());                         // no bias correction for momentum
        assertEquals(1f, sgd.biasCorrection2());
        assertEquals(0.1f, sgd.gradDecay());
        assertEquals(0f, sgd.stepDecay());
        assertEquals(1f, sgd.decayFactor());
        assertEquals(0.01f, sgd.lr());
    }

    @Test
    void aGroupThatDoesNotAdaptHasNoRatio() {
        assertEquals(TrustRatio.MEAN_ABS, StepConstants.of(Rule.pamAdam().build(), 1).ratio());
        assertEquals(TrustRatio.NONE, StepConstants.of(Rule.pamAdam().adapt(false).build(), 1).ratio());
    }
}
