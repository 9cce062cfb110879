package org.pamadam.dl4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.pamadam.data.FashionMnist;

/** The bundled Fashion-MNIST subset (10,000 training / 2,000 test images), loaded once per JVM. */
final class TestData {
    private static FashionMnist.Data data;

    private TestData() {
    }

    static synchronized FashionMnist.Data fashionMnist() {
        if (data == null) {
            try {
                data = FashionMnist.bundled();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return data;
    }
}
