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
	@echo "== lograd graph: the computation graph of that example =="
	@$(BUILD_DIR)/lograd graph --out $(DEMO_DIR)/lecture.svg
	@$(BUILD_DIR)/lograd graph --m 4 --out $(DEMO_DIR)/lecture_batch.svg
	@echo "open $(DEMO_DIR)/lecture.svg (one example) and $(DEMO_DIR)/lecture_batch.svg (4 examples)"

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure --parallel $(JOBS)

clean:
	rm -rf $(BUILD_DIR)

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')
