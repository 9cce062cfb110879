package org.pamadam.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/** The SIMD kernel against the scalar one, for every rule and every remainder length. */
class KernelAgreementTest {

    @Test
    void vectorKernelIsAvailableInTests() {
        // Surefire runs with --add-modules jdk.incubator.vector: the provider must pick SIMD.
        assertEquals(true, KernelProvider.get().name().startsWith("vector"), KernelProvider.describe());
    }

    @Test
    void vectorMatchesScalarBitForBitOnParametersAndCloselyOnSums() throws Exception {
        Kernel vector = KernelProvider.vector();
        Kernel scalar = ScalarKernel.SCALAR;
        SplittableRandom rnd = new SplittableRandom(7);
        Rule[] rules = {Rule.pamAdam().lr(0.01).weightDecay(0.1).build(), Rule.adam().weightDecay(0.01).build(),
            Rule.adamW().build(), Rule.lamb().weightDecay(0.05).build(), Rule.sgd().weightDecay(1e-3).build(),
            Rule.pamAdam().adapt(false).build()};
        for (Rule rule : rules) {
            for (int n = 0; n <= 80; n++) {
                check(rule, n, 0, rnd, scalar, vector);
            }
            check(rule, 5000, 3, rnd, scalar, vector);
            check(rule, 70001, 17, rnd, scalar, vector);
        }
    }

    private static void check(Rule rule, int n, int from, SplittableRandom rnd, Kernel scalar, Kernel vector) {
        int total = n + from + 3;
        float[] p = TestData.gaussian(rnd, total, 1);
        float[] g = TestData.gaussian(rnd, total, 0.1);
        float[] m = TestData.gaussian(rnd, total, 0.01);
        float[] v = new float[total];
        for (int i = 0; i < total; i++) {
            v[i] = Math.abs(TestData.gaussian(rnd, 1, 1e-3)[0]);
        }
        Coefficients c = new Coefficients().prepare(rule, 3);
        double[] a = new double[2];
        double[] b = new double[2];
        scalar.measure(c, p, g, m, v, from, from + n, a, 0);
        vector.measure(c, p, g, m, v, from, from + n, b, 0);
        String where = rule.name() + " n=" + n;
        assertEquals(a[0], b[0], 1e-6 * Math.abs(a[0]) + 1e-30, where + " param sum");
        assertEquals(a[1], b[1], 1e-6 * Math.abs(a[1]) + 1e-30, where + " step sum");
        c.scale = 0.0123f;
        float[] p1 = p.clone(), m1 = m.clone(), v1 = v.clone();
        float[] p2 = p.clone(), m2 = m.clone(), v2 = v.clone();
        scalar.apply(c, p1, g, m1, v1, from, from + n);
        vector.apply(c, p2, g, m2, v2, from, from + n);
        assertArrayEquals(p1, p2, where + " p");
        assertArrayEquals(m1, m2, where + " m");
        assertArrayEquals(v1, v2, where + " v");
    }
}
