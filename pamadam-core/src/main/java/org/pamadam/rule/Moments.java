package org.pamadam.rule;

/** How gradients are accumulated into the first (and second) moment. */
public enum Moments {
    /**
     * Adam: {@code m = b1*m + (1-b1)*g}, {@code v = b2*v + (1-b2)*g*g}, and the bias-corrected step
     * {@code (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)}.
     */
    ADAM,
    /**
     * Heavy-ball momentum as torch.optim.SGD (dampening 0): {@code buf = b1*buf + g}, step = buf. The
     * first step therefore takes the plain gradient. Uses no second moment.
     */
    MOMENTUM
}
