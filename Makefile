# gatehouse: `make` builds build/gatehouse; `make run` installs what is missing, builds and
# starts a demo server on SQLite; `make test` installs, builds with sanitizers and runs every
# test. CMake does the real work.

BUILD      ?= build
TEST_BUILD ?= build-test
JOBS       ?= $(shell nproc)
MAKEFLAGS  += --no-print-directory

.PHONY: all build deps deps-test run test unit check clean fuzz

all: build

deps:
	@scripts/deps.sh

deps-test:
	@scripts/deps.sh --test

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGH_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target gatehouse gatehouse-dns-api

run: deps build
	@scripts/run.sh

# One ASan+UBSan build with warnings as errors; every suite runs against it.
test: deps-test
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DGH_WERROR=ON -DGH_SANITIZE=ON >/dev/null
	@cmake --build $(TEST_BUILD) -j $(JOBS)
	@tools/checksrc.sh
	@cd $(TEST_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

# libFuzzer binaries (clang), for longer runs by hand: build-fuzz/fuzz_<parser> corpus/...
fuzz: deps-test
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DGH_LIBFUZZER=ON -DGH_SANITIZE=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

clean:
	rm -rf $(BUILD) $(TEST_BUILD) build-fuzz
