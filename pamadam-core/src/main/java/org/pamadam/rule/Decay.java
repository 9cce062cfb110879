package org.pamadam.rule;

/** Where weight decay {@code wd} enters the update. */
public enum Decay {
    /** No weight decay term, whatever {@code weightDecay} says (it must then be 0). */
    NONE,
    /** Classic L2: {@code g += wd * p} before the moments (torch.optim.Adam, SGD). */
    L2_GRADIENT,
    /** Decoupled (AdamW): {@code p *= 1 - lr * wd}, outside the step and outside any trust ratio. */
    DECOUPLED,
    /** LAMB: {@code step += wd * p} after the moments, so the decay is inside the trust ratio. */
    IN_STEP
}
