#!/bin/sh
# Compiles bench/engine_bench.c against the libraries of a build directory (default build-rel):
#   bench/engine_bench.sh BUILD_DIR     ->  BUILD_DIR/engine_bench
# The build directory must have built gh_testsupport (which pulls in the oauth module).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-build-rel}
cmake --build "$b" -j2 --target gh_testsupport >/dev/null
flags=$(grep -o '^CMAKE_C_FLAGS:STRING=.*' "$b/CMakeCache.txt" | cut -d= -f2-)
cc -std=c11 -O2 -g $flags -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra \
  -I"$here/src" -I"$here/tests" "$here/bench/engine_bench.c" \
  "$b/tests/libgh_testsupport.a" "$b/libgh_oauth.a" "$b/libgh_config.a" "$b/libgh_store.a" \
  "$b/libgh_audit.a" "$b/libgh_jose.a" "$b/libgh_json.a" "$b/libgh_base.a" \
  $(pkg-config --libs cmocka libsodium yaml-0.1 sqlite3 jansson libcrypto) -lpthread \
  -o "$b/engine_bench"
echo "$b/engine_bench"
