# lograd: the two commands of the README's Quick start, and a few helpers.
#   make demo       install what is missing, build (Release, build/), run the main job
#   make test       install what is missing, build, run the whole suite through ctest
#   make fuzz       build the libFuzzer harnesses (clang, build-fuzz/) and run each for
#                   FUZZ_SECONDS seconds on a copy of its seed corpus; fails on any finding
#   make sanitize   the whole test suite built with ASan + UBSan (build-asan/), through ctest
#   make portable   the demo's training under qemu-x86_64 on CPUs without AVX (SSE4, scalar):
#                   the same objective as the native run to 1e-12 (also part of make test)
#   make bench      the kernel microbenchmarks (build-bench/), then bench/compare: lograd beside
#                   LIBLINEAR, scikit-learn and PyTorch, written to bench/RESULTS.md (~30 min)
BUILD_DIR ?= build
JOBS      ?= $(shell nproc)
DEMO_DIR  ?= $(BUILD_DIR)/demo

FUZZ_DIR     ?= build-fuzz
FUZZ_CXX     ?= clang++-14
FUZZ_SECONDS ?= 60
FUZZERS      := libsvm csv model checkpoint cache
ASAN_DIR     ?= build-asan
BENCH_DIR    ?= build-bench
COMPARE_ARGS ?=

.PHONY: all deps configure build demo test clean format fuzz sanitize bench portable

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) --parallel $(JOBS)

demo: build
	@mkdir -p $(DEMO_DIR)
	@echo "== lograd explain: the lecture's step on the default example =="
	@$(BUILD_DIR)/lograd explain
	@echo
	@echo "== lograd train: logistic regression on a9a (bundled), evaluated on a9a.t =="
	@$(BUILD_DIR)/lograd --version
	@$(BUILD_DIR)/lograd train data/a9a.gz --test data/a9a.t.gz --tol 1e-9 \
	  -o $(DEMO_DIR)/a9a.model.json --curve $(DEMO_DIR)/a9a_curve.svg
	@echo
	@echo "== lograd eval: the saved model on the test file =="
	@$(BUILD_DIR)/lograd eval --model $(DEMO_DIR)/a9a.model.json data/a9a.t.gz
	@echo
	@echo "== lograd train: multinomial (softmax) regression on USPS digits (10 classes, bundled) =="
	@$(BUILD_DIR)/lograd train data/usps.train.csv.gz --no-header --label-column 1 \
	  --test data/usps.test.csv.gz -o $(DEMO_DIR)/usps.model.json
	@echo
	@echo "== lograd eval: its confusion matrix on the held-out digits =="
	@$(BUILD_DIR)/lograd eval --model $(DEMO_DIR)/usps.model.json data/usps.test.csv.gz
	@echo
	@echo "== Python: lograd.LogisticRegression beside scikit-learn (python/examples/quickstart.py) =="
	@PYTHONPATH=$(BUILD_DIR)/python /usr/bin/python3 python/examples/quickstart.py data $(DEMO_DIR)
	@echo
	@$(BUILD_DIR)/lograd graph --out $(DEMO_DIR)/lecture.svg
	@$(BUILD_DIR)/lograd graph --m 4 --out $(DEMO_DIR)/lecture_batch.svg
	@$(BUILD_DIR)/lograd graph --classes 3 --out $(DEMO_DIR)/softmax.svg
	@echo
	@echo "Written:"
	@echo "  $(DEMO_DIR)/a9a.model.json     the trained model (lograd predict --model ... DATA)"
	@echo "  $(DEMO_DIR)/a9a_curve.svg      the loss curve of that training run"
	@echo "  $(DEMO_DIR)/usps.model.json    the 10-class softmax model of the USPS digits"
	@echo "  $(DEMO_DIR)/a9a.python.model.json  the a9a model trained from Python"
	@echo "  $(DEMO_DIR)/lecture.svg        the computation graph of the lecture's example"
	@echo "  $(DEMO_DIR)/lecture_batch.svg  the same graph vectorised over 4 examples"
	@echo "  $(DEMO_DIR)/softmax.svg        the softmax step over 3 classes (lograd explain --classes 3)"

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure --parallel $(JOBS) --timeout 1500

portable: build
	@/usr/bin/python3 tests/cli/portable_cli_test.py $(BUILD_DIR)/lograd

# Each harness runs on $(FUZZ_DIR)/corpus/NAME: the seeds of fuzz/corpus/NAME plus what earlier
# runs found (the repository's corpus is never written). A crash, sanitizer report, timeout
# (-timeout) or memory blow-up (-rss_limit_mb) leaves its input in $(FUZZ_DIR)/artifacts/ and
# fails the target once every harness has run; the log of each run is in $(FUZZ_DIR)/logs/.
fuzz:
	@bash scripts/install-deps.sh fuzz
	@test -f $(FUZZ_DIR)/build.ninja || \
	  cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) -DLOGRAD_FUZZ=ON -DLOGRAD_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_DIR) --parallel $(JOBS) --target $(addprefix fuzz_,$(FUZZERS))
	@mkdir -p $(FUZZ_DIR)/artifacts $(FUZZ_DIR)/logs
	@failed=""; \
	for f in $(FUZZERS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$f && cp fuzz/corpus/$$f/* $(FUZZ_DIR)/corpus/$$f/; \
	  dict=""; test -f fuzz/$$f.dict && dict="-dict=fuzz/$$f.dict"; \
	  echo "== fuzz_$$f: $(FUZZ_SECONDS) s on $(FUZZ_DIR)/corpus/$$f =="; \
	  if $(FUZZ_DIR)/fuzz/fuzz_$$f $(FUZZ_DIR)/corpus/$$f $$dict -max_total_time=$(FUZZ_SECONDS) \
	       -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	       -artifact_prefix=$(FUZZ_DIR)/artifacts/fuzz_$$f- >$(FUZZ_DIR)/logs/fuzz_$$f.log 2>&1; then \
	    grep -E '^Done|stat::number_of_executed_units' $(FUZZ_DIR)/logs/fuzz_$$f.log | head -1; \
	  else \
	    failed="$$failed fuzz_$$f"; tail -n 60 $(FUZZ_DIR)/logs/fuzz_$$f.log; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then \
	  echo "make fuzz: findings in$$failed; inputs in $(FUZZ_DIR)/artifacts/, logs in $(FUZZ_DIR)/logs/" >&2; \
	  exit 1; \
	fi; \
	echo "make fuzz: no findings"

# ASan + UBSan over everything (library, CLI, tests); g++, whose libasan/libubsan come with gcc.
sanitize: deps
	@test -f $(ASAN_DIR)/build.ninja || \
	  cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOGRAD_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_DIR) --parallel $(JOBS)
	@cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure --parallel $(JOBS) --timeout 1500

bench: build
	@bash scripts/install-deps.sh bench
	@test -f $(BENCH_DIR)/build.ninja || \
	  cmake -S . -B $(BENCH_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOGRAD_BENCH=ON \
	    -DLOGRAD_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(BENCH_DIR) --parallel $(JOBS) --target lograd_bench
	@$(BENCH_DIR)/bench/lograd_bench --benchmark_counters_tabular=true
	@bench/compare --lograd $(BUILD_DIR)/lograd --bench $(BENCH_DIR)/bench/lograd_bench $(COMPARE_ARGS)

clean:
	rm -rf $(BUILD_DIR)

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')
