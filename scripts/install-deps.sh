#!/usr/bin/env bash
# Installs the Debian packages lograd needs to build, test and run its demo; with a group name,
# also that group's extra packages:
#   scripts/install-deps.sh          build, test, demo
#   scripts/install-deps.sh fuzz     + clang with libFuzzer and its sanitizer runtimes (make fuzz)
#   scripts/install-deps.sh bench    + Google Benchmark, the peers of bench/compare and its data
# Idempotent and silent when nothing is missing; run as root (or with sudo available).
set -euo pipefail

group="${1:-}"

packages=(
  g++ cmake ninja-build make pkg-config  # toolchain
  libgtest-dev                           # unit tests
  libcli11-dev nlohmann-json3-dev        # command line, JSON
  zlib1g-dev                             # gzip-compressed datasets
  libfast-float-dev                      # number parsing in the readers
  libhwy-dev                             # Highway: SIMD of the dense kernels
  graphviz                               # `lograd graph` pictures
  python3                                # the CLI end-to-end tests (standard library only)
  python3-dev pybind11-dev               # the Python module (python/)
  python3-numpy python3-scipy            # ... and its tests: arrays, sparse matrices,
  python3-sklearn python3-pandas         #     scikit-learn's estimator checks (with pandas)
  python3-pytest                         #     run by pytest
  liblinear-tools                        # the peer the interop tests compare against
  qemu-user                              # the portable build's test on CPUs without AVX
  openmpi-bin libopenmpi-dev             # data-parallel training (mpirun -np K lograd train)
)
case "$group" in
  "") ;;
  fuzz)
    packages+=(
      clang libclang-rt-14-dev  # clang 14, libFuzzer, ASan and UBSan runtimes for clang
      libomp-14-dev             # OpenMP for clang (the library uses it)
    ) ;;
  bench)
    packages+=(
      libbenchmark-dev                   # bench/kernels_bench.cc
      python3-numpy python3-scipy        # bench/compare: objectives of every tool's model
      python3-sklearn python3-torch      # the peers compared against
      dataset-fashion-mnist              # Fashion-MNIST (bench/make_fashion_mnist.py)
      time                               # /usr/bin/time: peak memory of each run
    ) ;;
  *)
    echo "usage: $0 [fuzz|bench]: unknown package group '$group'" >&2
    exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "lograd: installing missing Debian packages: ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    echo "lograd: need root to install ${missing[*]}; run as root or install them by hand" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "lograd: packages installed"
