package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/** The ratio on a 2^18-element tensor is within 1e-6 of the exactly summed ratio, on every kernel. */
class AccuracyTest {

    @Test
    void largeTensorRatioIsAccurate() throws Exception {
        int n = 1 << 18;
        SplittableRandom rnd = new SplittableRandom(11);
        float[] init = TestData.gaussian(rnd, n, 1);
        for (int i = 0; i < n; i++) {
            init[i] += 3f; // an offset makes a float running sum drift badly
        }
        float[] grad = TestData.gaussian(rnd, n, 1);
        for (Kernel k : new Kernel[] {ScalarKernel.SCALAR, Kernels.named("vector")}) {
            Param p = Param.of("w", init.clone());
            try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().build(), List.of(p)).kernel(k).build()) {
                p.setGrad(grad);
                opt.step();
                double exact = exactRatio(init, grad);
                double err = Math.abs(opt.lastRatio("w") / exact - 1);
                assertTrue(err <= 1e-6, k.name() + ": ratio error " + err);
            }
        }
    }

    /** mean|p| / mean|step| at t=1 with exact (BigDecimal) sums of the float step values. */
    private static double exactRatio(float[] p, float[] g) {
        Rule r = Rule.pamAdam().build();
        BigDecimal sp = BigDecimal.ZERO;
        BigDecimal ss = BigDecimal.ZERO;
        float bc1 = (float) (1 - r.beta1());
        float bc2 = (float) (1 - r.beta2());
        for (int i = 0; i < p.length; i++) {
            float m = (float) (1 - r.beta1()) * g[i];
            float v = (float) (1 - r.beta2()) * g[i] * g[i];
            float step = (m / bc1) / ((float) Math.sqrt(v / bc2) + (float) r.eps());
            sp = sp.add(new BigDecimal(Math.abs(p[i])));
            ss = ss.add(new BigDecimal(Math.abs(step)));
        }
        return sp.divide(ss, MathContext.DECIMAL64).doubleValue();
    }
}
