# lograd: the two commands of the README's Quick start, and a few helpers.
#   make demo   install what is missing, build (Release, build/), run the main job
#   make test   install what is missing, build, run the whole suite through ctest
BUILD_DIR ?= build
JOBS      ?= $(shell nproc)
DEMO_DIR  ?= $(BUILD_DIR)/demo

.PHONY: all deps configure build demo test clean format

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
	@$(BUILD_DIR)/lograd train data/a9a.gz --test data/a9a.t.gz \
	  -o $(DEMO_DIR)/a9a.model.json --curve $(DEMO_DIR)/a9a_curve.svg
	@echo
	@echo "== lograd eval: the saved model on the test file =="
	@$(BUILD_DIR)/lograd eval --model $(DEMO_DIR)/a9a.model.json data/a9a.t.gz
	@echo
	@$(BUILD_DIR)/lograd graph --out $(DEMO_DIR)/lecture.svg
	@$(BUILD_DIR)/lograd graph --m 4 --out $(DEMO_DIR)/lecture_batch.svg
	@echo
	@echo "Written:"
	@echo "  $(DEMO_DIR)/a9a.model.json     the trained model (lograd predict --model ... DATA)"
	@echo "  $(DEMO_DIR)/a9a_curve.svg      the loss curve of that training run"
	@echo "  $(DEMO_DIR)/lecture.svg        the computation graph of the lecture's example"
	@echo "  $(DEMO_DIR)/lecture_batch.svg  the same graph vectorised over 4 examples"

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure --parallel $(JOBS)

clean:
	rm -rf $(BUILD_DIR)

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')
