package org.pamadam.data;

import java.io.IOException;

/** A data file is missing or malformed; the message names the file and the problem. */
public final class DataException extends IOException {
    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }
}
