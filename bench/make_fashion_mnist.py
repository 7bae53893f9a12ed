#!/usr/bin/env python3
"""Fashion-MNIST as a binary task, in LIBSVM text: label < 5 (+1) against the rest (-1).

Usage: make_fashion_mnist.py OUT_DIR              (reads Debian's dataset-fashion-mnist package)
       make_fashion_mnist.py --multiclass OUT_DIR

Writes OUT_DIR/fmnist.libsvm (60,000 training images) and OUT_DIR/fmnist.t.libsvm (10,000 test
images); features are the 784 pixels / 255, written with 6 significant digits, zeros left out,
as every tool in bench/compare reads the same text. With --multiclass it writes
OUT_DIR/fmnist10.libsvm instead: the 60,000 training images with their 10 labels 0..9 and
every pixel as the shortest text of the double v / 255 (the multiclass benchmark,
bench/compare --multiclass, whose target was computed from those doubles). Standard library only.
"""
import gzip
import os
import struct
import sys

SRC = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def write(images, labels, out, multiclass=False):
    (m, rows, cols), pixels = read_idx(images)
    (m2,), label = read_idx(labels)
    assert m == m2, (images, labels)
    n = rows * cols
    # One text per pixel value: 6 significant digits of v / 255 (multiclass: the shortest text
    # that reads back as the double v / 255, as scikit-learn's reference optimum was computed
    # from exactly those doubles).
    text = [""] + [repr(v / 255) if multiclass else f"{v / 255:.6g}" for v in range(1, 256)]
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        for i in range(m):
            row = pixels[i * n:(i + 1) * n]
            feats = " ".join(f"{j + 1}:{text[v]}" for j, v in enumerate(row) if v)
            if multiclass:
                f.write(f"{label[i]} " + feats + "\n")
            else:
                f.write(("+1 " if label[i] < 5 else "-1 ") + feats + "\n")
    os.replace(tmp, out)


def main():
    args = sys.argv[1:]
    multiclass = "--multiclass" in args
    args = [a for a in args if a != "--multiclass"]
    if len(args) != 1:
        sys.exit(__doc__)
    out = args[0]
    os.makedirs(out, exist_ok=True)
    if not os.path.isdir(SRC):
        sys.exit(f"{SRC} is missing: apt-get install dataset-fashion-mnist")
    if multiclass:
        path = os.path.join(out, "fmnist10.libsvm")
        if not os.path.exists(path):
            write(os.path.join(SRC, "train-images-idx3-ubyte.gz"),
                  os.path.join(SRC, "train-labels-idx1-ubyte.gz"), path, multiclass=True)
        print(f"{path}: {os.path.getsize(path) / 1e6:.1f} MB")
        return
    for name, images, labels in (("fmnist.libsvm", "train-images-idx3-ubyte.gz",
                                  "train-labels-idx1-ubyte.gz"),
                                 ("fmnist.t.libsvm", "t10k-images-idx3-ubyte.gz",
                                  "t10k-labels-idx1-ubyte.gz")):
        path = os.path.join(out, name)
        if not os.path.exists(path):
            write(os.path.join(SRC, images), os.path.join(SRC, labels), path)
        print(f"{path}: {os.path.getsize(path) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
