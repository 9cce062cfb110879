import java.util.*;
import org.pamadam.optim.*;
import org.pamadam.rule.Rule;
public class ClipProbe {
    public static void main(String[] a) {
        int[] sizes = {8192*512, 512*1536, 1536, 512*512, 512, 2048*512, 2048, 512*2048, 512, 512, 512, 512*1536, 1536, 512*512, 512, 2048*512, 2048, 512*2048, 512, 512, 512};
        Optimizer[] opts = new Optimizer[2];
        List<List<Param>> sets = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(1);
        for (int o = 0; o < 2; o++) {
            List<Param> ps = new ArrayList<>();
            for (int i = 0; i < sizes.length; i++) {
                float[] v = new float[sizes[i]], g = new float[sizes[i]];
                for (int k = 0; k < v.length; k++) { v[k] = (float) ((rnd.nextDouble()*2-1)*0.02); g[k] = (float) ((rnd.nextDouble()*2-1)*1e-3); }
                Param p = Param.of("t" + i, v); p.setGrad(g); ps.add(p);
            }
            sets.add(ps);
            opts[o] = Optimizer.builder().group(Rule.pamAdam().build(), ps).threads(2).maxGradNorm(o == 0 ? Double.POSITIVE_INFINITY : 1.0).build();
        }
        double[] best = {1e18, 1e18};
        for (int r = 0; r < 40; r++) {
            for (int o = 0; o < 2; o++) {
                long t0 = System.nanoTime();
                for (int k = 0; k < 5; k++) opts[o].step();
                best[o] = Math.min(best[o], (System.nanoTime() - t0) / 5e6);
            }
        }
        System.out.printf("min ms/step: off %.2f on %.2f ratio %.3f norm %f%n", best[0], best[1], best[1]/best[0], opts[1].lastGradNorm());
    }
}
