#!/usr/bin/env python3
"""Regenerates the bundled class-balanced Fashion-MNIST subset from the official IDX files.

Takes the first PER_CLASS images of each class, in file order (so the subset is reproducible):
1000 per class from the training file, 200 per class from the test file.
Usage: make_subset.py [SOURCE_DIR] (default /usr/share/datasets/fashion-mnist)
"""
import gzip, struct, sys, os

src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
dst = os.path.join(os.path.dirname(__file__), "..", "src/main/resources/org/pamadam/data/fashion-mnist-subset")

def read(path):
    with gzip.open(path) as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return dims, data[4 + 4 * rank:]

def subset(prefix, per_class):
    (n, r, c), images = read(f"{src}/{prefix}-images-idx3-ubyte.gz")
    _, labels = read(f"{src}/{prefix}-labels-idx1-ubyte.gz")
    taken, keep = [0] * 10, []
    for i in range(n):
        if taken[labels[i]] < per_class:
            taken[labels[i]] += 1
            keep.append(i)
    size = r * c
    img = b"".join(images[i * size:(i + 1) * size] for i in keep)
    lab = bytes(labels[i] for i in keep)
    # mtime=0: identical bytes on every run
    with gzip.GzipFile(f"{dst}/{prefix}-images-idx3-ubyte.gz", "wb", mtime=0) as f:
        f.write(struct.pack(">IIII", 0x803, len(keep), r, c) + img)
    with gzip.GzipFile(f"{dst}/{prefix}-labels-idx1-ubyte.gz", "wb", mtime=0) as f:
        f.write(struct.pack(">II", 0x801, len(keep)) + lab)

subset("train", 1000)
subset("t10k", 200)
