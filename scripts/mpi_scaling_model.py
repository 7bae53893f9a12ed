#!/usr/bin/python3
"""The paper model of data-parallel training over MPI (docs/mpi.md): time per pass over the
data on K nodes = compute / K + the time of one fixed-order sum of the P-number vector (the
gradient, or a Hessian-vector product: n x K doubles), on a network of bandwidth B and latency
alpha. lograd sums a short vector by MPI_Allgather ((K - 1) P doubles in per node, log2 K
rounds) and a long one (>= 4096 numbers per node) by a reduce-scatter and an allgather
(2 (K - 1) / K P doubles in per node, K - 1 + log2 K messages). Prints the Markdown tables of
docs/mpi.md from the single-node figures given below (measured: bench/RESULTS.md).

usage: scripts/mpi_scaling_model.py"""
import math

# Measured on one node (AMD EPYC, 2 cores, 2026-12-05; bench/RESULTS.md): seconds per full pass
# over the data at 2 threads, and the summed vector's length.
WORKLOADS = [
    ("Fashion-MNIST binary (60,000 x 784, dense float32, 188 MB)", 6.3e-3, 785),
    ("the same x 100 (6 M examples, 18.8 GB)", 6.3e-1, 785),
    ("news20 multinomial (15,935 x 62,061, 20 classes)", 55.79 / 495, 62061 * 20 + 20),
    ("the same x 100 (1.6 M documents)", 100 * 55.79 / 495, 62061 * 20 + 20),
]
NETWORKS = [("10 Gb/s, 20 us", 10e9 / 8, 20e-6), ("100 Gb/s, 2 us", 100e9 / 8, 2e-6)]
NODES = [1, 2, 4, 8, 16, 32, 64, 128, 256]
SCATTER_FROM = 4096


def sum_seconds(p, k, bandwidth, latency):
    if k == 1:
        return 0.0
    if p < SCATTER_FROM * k:
        return (k - 1) * p * 8 / bandwidth + math.ceil(math.log2(k)) * latency
    return 2 * (k - 1) / k * p * 8 / bandwidth + (k - 1 + math.ceil(math.log2(k))) * latency


def main():
    for name, t1, p in WORKLOADS:
        print(f"\n**{name}**: {1e3 * t1:.1f} ms per pass on one node; the sum carries {p:,} "
              f"doubles ({p * 8 / 1e6:.3g} MB).\n")
        print("| nodes | " + " | ".join(f"{n}: ms per pass (speed-up)" for n, _, _ in NETWORKS) + " |")
        print("|---:|" + "---:|" * len(NETWORKS))
        for k in NODES:
            cells = []
            for _, bw, lat in NETWORKS:
                t = t1 / k + sum_seconds(p, k, bw, lat)
                cells.append(f"{1e3 * t:.3g} ({t1 / t:.1f}x)")
            print(f"| {k} | " + " | ".join(cells) + " |")
        for net, bw, lat in NETWORKS:
            best = max(NODES, key=lambda k: t1 / (t1 / k + sum_seconds(p, k, bw, lat)))
            half = [k for k in NODES if t1 / (t1 / k + sum_seconds(p, k, bw, lat)) >= k / 2]
            print(f"\n{net}: fastest at {best} nodes; at least half the ideal speed-up up to "
                  f"{max(half)} nodes.", end="")
        print()


if __name__ == "__main__":
    main()
