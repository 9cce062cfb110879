package org.pamadam.trace;

/** A trace file could not be used: not JSON, truncated, unknown format or optimizer, mismatched lengths. */
public final class TraceFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TraceFormatException(String message) {
        super(message);
    }

    public TraceFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
