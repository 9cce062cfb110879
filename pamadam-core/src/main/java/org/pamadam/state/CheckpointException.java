package org.pamadam.state;

import java.io.IOException;

/** A checkpoint was refused (missing, truncated, corrupted, wrong version or layout); nothing was loaded. */
public final class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }
}
