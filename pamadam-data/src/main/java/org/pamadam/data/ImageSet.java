package org.pamadam.data;

/**
 * Labelled greyscale images: {@code pixels} holds {@code count * rows * cols} values scaled to [0, 1],
 * row-major, image after image.
 */
public record ImageSet(float[] pixels, int[] labels, int rows, int cols) {

    public int count() {
        return labels.length;
    }

    public int features() {
        return rows * cols;
    }

    /** Builds a set from IDX image and label arrays, checking they agree. */
    public static ImageSet of(Idx.Array images, Idx.Array labels, String source) throws DataException {
        if (images.dims().length != 3) {
            throw new DataException(source + ": images must be a rank-3 IDX array, got rank " + images.dims().length);
        }
        if (labels.dims().length != 1) {
            throw new DataException(source + ": labels must be a rank-1 IDX array, got rank " + labels.dims().length);
        }
        if (images.count() != labels.count()) {
            throw new DataException(source + ": " + images.count() + " images but " + labels.count() + " labels");
        }
        byte[] raw = images.data();
        float[] pixels = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            pixels[i] = (raw[i] & 0xff) / 255f;
        }
        int[] ys = new int[labels.count()];
        for (int i = 0; i < ys.length; i++) {
            ys[i] = labels.data()[i] & 0xff;
            if (ys[i] > 9) {
                throw new DataException(source + ": label " + ys[i] + " at index " + i + " is not in 0..9");
            }
        }
        return new ImageSet(pixels, ys, images.dims()[1], images.dims()[2]);
    }

    /** The first {@code n} images (or all, when fewer). */
    public ImageSet head(int n) {
        int k = Math.min(n, count());
        float[] p = java.util.Arrays.copyOf(pixels, k * features());
        return new ImageSet(p, java.util.Arrays.copyOf(labels, k), rows, cols);
    }
}
