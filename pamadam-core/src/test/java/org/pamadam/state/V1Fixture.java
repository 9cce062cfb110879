package org.pamadam.state;

import java.util.List;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * The run saved in {@code state/v1.ckpt} by the format-1 writer (the Checkpoint class before the
 * ratio clamp and clipping, as on main at cf69070): two groups, a tensor skipped once, three steps of
 * deterministic gradients. Reading that file must give exactly this run's state.
 */
final class V1Fixture {
    private V1Fixture() {
    }

    static Optimizer run() {
        Param w = Param.of("w", new int[] {2, 3}, new float[] {0.5f, -0.25f, 1f, 2f, -1.5f, 0.75f});
        Param b = Param.of("b", new int[] {3}, new float[3]);
        Optimizer opt = Optimizer.builder().group(Rule.pamAdam().lr(1e-2).weightDecay(0.01).build(), List.of(w, b))
                .override("b", r -> r.adapt(false)).threads(1).build();
        for (int s = 0; s < 3; s++) {
            float[] gw = new float[6];
            for (int i = 0; i < gw.length; i++) {
                gw[i] = (float) Math.sin(1.0 + i + 7 * s);
            }
            w.setGrad(gw);
            b.setGrad(s == 1 ? null : new float[] {0.1f * (s + 1), -0.2f, 0.3f});
            opt.step();
        }
        return opt;
    }
}
