package org.pamadam.optim;

/** A step was refused because a gradient held NaN or an infinity; no state was changed. */
public final class NonFiniteGradientException extends ArithmeticException {
    private static final long serialVersionUID = 1L;
    private final String tensor;

    public NonFiniteGradientException(String tensor, String detail) {
        super("non-finite gradient for '" + tensor + "' (" + detail + "); step refused, no state changed");
        this.tensor = tensor;
    }

    /** Name of the first tensor (in optimizer order) with a non-finite gradient. */
    public String tensor() {
        return tensor;
    }
}
