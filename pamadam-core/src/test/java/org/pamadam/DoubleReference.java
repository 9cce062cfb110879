package org.pamadam;

/**
 * An independent double-precision model of the family, written from the formula in the README (not
 * from the production code): each tensor keeps its parameters and moments in double. Tests run it
 * side by side with the float optimizer.
 */
public final class DoubleReference {
    public final String kind;
    public final double lr, beta1, beta2, eps, wd;
    public final boolean adapt;
    public double[] p, m, v;
    public long t;
    public double lastRatio = Double.NaN;
    /** Upper bound on the trust ratio (pamadam and lamb with adapt only); +inf: none. */
    public double maxRatio = Double.POSITIVE_INFINITY;
    /** Steps in which maxRatio lowered the ratio. */
    public long clampCount;

    /** kind: pamadam, adam, adamw, lamb or sgd (beta1 is SGD's momentum). */
    public DoubleReference(String kind, double lr, double beta1, double beta2, double eps, double wd, boolean adapt,
                           float[] init) {
        this.kind = kind;
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.wd = wd;
        this.adapt = adapt;
        p = new double[init.length];
        for (int i = 0; i < init.length; i++) {
            p[i] = init[i];
        }
        m = new double[init.length];
        v = new double[init.length];
    }

    public void step(float[] gradient) {
        step(gradient, 1.0);
    }

    /** A step on {@code gradScale * gradient} (global-norm clipping scales every gradient alike). */
    public void step(float[] gradient, double gradScale) {
        double[] scaled = new double[gradient.length];
        for (int i = 0; i < gradient.length; i++) {
            scaled[i] = gradScale * gradient[i];
        }
        step(scaled);
    }

    /**
     * torch.nn.utils.clip_grad_norm_'s factor for these gradients (nulls skipped), in double:
     * {@code min(1, maxNorm / (||all||_2 + 1e-6))}.
     */
    public static double clipScale(double maxNorm, float[]... grads) {
        return Math.min(1.0, maxNorm / (norm(grads) + 1e-6));
    }

    /** The L2 norm over all elements of these gradients (nulls skipped), in double. */
    public static double norm(float[]... grads) {
        double sum = 0;
        for (float[] g : grads) {
            if (g != null) {
                for (float x : g) {
                    sum += (double) x * x;
                }
            }
        }
        return Math.sqrt(sum);
    }

    /** A step on a gradient given in double (e.g. the exact mean of accumulated micro-batches). */
    public void step(double[] gradient) {
        int n = p.length;
        t++;
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = gradient[i];
            if (kind.equals("adam") || kind.equals("sgd")) {
                g[i] += wd * p[i];
            }
        }
        double[] step = new double[n];
        for (int i = 0; i < n; i++) {
            if (kind.equals("sgd")) {
                m[i] = beta1 * m[i] + g[i];
                step[i] = m[i];
            } else {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(beta1, t));
                double vHat = v[i] / (1 - Math.pow(beta2, t));
                step[i] = mHat / (Math.sqrt(vHat) + eps);
            }
            if (kind.equals("lamb")) {
                step[i] += wd * p[i];
            }
        }
        double ratio = 1;
        if (adapt && kind.equals("pamadam")) {
            double a = 0, b = 0;
            for (int i = 0; i < n; i++) {
                a += Math.abs(p[i]);
                b += Math.abs(step[i]);
            }
            ratio = (a == 0 || b == 0) ? 1 : (a / n) / (b / n);
        } else if (adapt && kind.equals("lamb")) {
            double a = 0, b = 0;
            for (int i = 0; i < n; i++) {
                a += p[i] * p[i];
                b += step[i] * step[i];
            }
            ratio = (a == 0 || b == 0) ? 1 : Math.sqrt(a) / Math.sqrt(b);
        }
        if ((kind.equals("pamadam") || kind.equals("lamb")) && adapt && ratio > maxRatio) {
            ratio = maxRatio;
            clampCount++;
        }
        lastRatio = ratio;
        for (int i = 0; i < n; i++) {
            if (kind.equals("adamw") || kind.equals("pamadam")) {
                p[i] *= 1 - lr * wd;
            }
            p[i] -= lr * ratio * step[i];
        }
    }

    /** max |got - p| / max |p| (0 when both are all zero). */
    public double relativeError(float[] got) {
        double diff = 0, scale = 0;
        for (int i = 0; i < p.length; i++) {
            diff = Math.max(diff, Math.abs(got[i] - p[i]));
            scale = Math.max(scale, Math.abs(p[i]));
        }
        return diff == 0 ? 0 : diff / scale;
    }
}
