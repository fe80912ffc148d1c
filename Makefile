# The front door. `make demo` and `make test` do everything on a fresh Debian 12 machine.
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
WERROR ?= $(if $(CI),ON,OFF)
DEMO_DIR ?= $(CURDIR)/.demo
# CI builds with line tables only (-g1): backtraces keep file and line, and the two clean
# builds take about a quarter less time than with full debug info.
DEBUG_INFO ?= $(if $(CI),-g1,-g)

.PHONY: all deps build test test-asan demo demo-stop check-layout check-threads clean bench-deps bench-executor bench-sched bench-update

all: build

deps:
	@bash scripts/deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOREALIS_WERROR=$(WERROR) \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 $(DEBUG_INFO) -DNDEBUG"

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBOREALIS_SANITIZE=ON -DBOREALIS_BENCH=OFF -DBOREALIS_WERROR=$(WERROR) \
	  -DCMAKE_CXX_FLAGS_DEBUG=$(DEBUG_INFO)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)/bin $(DEMO_DIR)

demo-stop:
	@$(BUILD_DIR)/bin/borealis local stop --dir $(DEMO_DIR)

# Slurm's daemons for the side-by-side benchmarks (not needed to build or test).
bench-deps:
	@bash scripts/deps.sh bench

# Per-task executor overhead (PSS/RSS, launch latency) beside slurmstepd; docs/BENCHMARKS.md.
bench-executor: build
	python3 bench/executor_overhead.py --bin-dir $(BUILD_DIR)/bin

# Scheduler figures (docs/BENCHMARKS.md, "Scheduler"): placement micro-benchmarks (classes vs
# the naive full scan), then the simulator on each shipped scenario, one JSON line each.
SIM_SCENARIOS ?= fill-100 fill-1k fill-10k fill-50k steady-10k steady-10k-40k churn-10k mix-fit-10k mix-overfill-10k
bench-sched: build
	$(BUILD_DIR)/bin/placement_bench
	@for s in $(SIM_SCENARIOS); do $(BUILD_DIR)/bin/borealis-sim --scenario bench/scenarios/$$s.json --json || exit 1; done

# Job updates with real agents (docs/BENCHMARKS.md, "Job updates"): an update's wall time
# against the time its health checks need. The simulator's figure: bench/scenarios/update-10k.json.
bench-update: build
	python3 bench/update_latency.py --bin-dir $(BUILD_DIR)/bin

check-layout:
	python3 tools/check_layout.py .

# Clang's thread-safety analysis as errors over every project .cc, with the release build's
# compile commands (tools/check_threads.py); base/mutex.h says what it checks.
check-threads: build
	python3 tools/check_threads.py $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
