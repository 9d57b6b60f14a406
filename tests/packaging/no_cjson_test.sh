#!/usr/bin/env bash
# librealm builds without libcjson: only realm-server (and the test suites)
# read JSON trees. Configures the library alone with libcjson hidden from
# pkg-config, and checks that no library source includes cJSON and that the
# built library does not link it.
#   no_cjson_test.sh CMAKE BUILT_LIBREALM_SO
set -euo pipefail
cmake=$1 lib=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

hits=$(grep -rlE '#[[:space:]]*include[[:space:]]*[<"](cjson/)?cJSON' "$src/src" "$src/include" || true)
[ -z "$hits" ] || fail "library sources include cJSON: $hits"
readelf -d "$lib" | grep -qi cjson && fail "$lib links libcjson"
nm -D --undefined-only "$lib" | grep -q cJSON_ && fail "$lib references cJSON symbols"

# A pkg-config search path with the library's dependencies and not libcjson.
mkdir "$tmp/pc"
for m in libwebsockets libcap openssl libssl libcrypto; do
  d=$(pkg-config --variable=pcfiledir "$m" 2>/dev/null) || continue
  ln -s "$d/$m.pc" "$tmp/pc/$m.pc"
done
export PKG_CONFIG_LIBDIR=$tmp/pc PKG_CONFIG_PATH=
pkg-config --exists libcjson && fail "could not hide libcjson from pkg-config"
"$cmake" -S "$src" -B "$tmp/build" -DREALM_BUILD_SERVER=OFF -DREALM_BUILD_TESTS=OFF \
  -DREALM_BUILD_BENCH=OFF -DREALM_BUILD_CLI=OFF >"$tmp/configure.log" 2>&1 \
  || { cat "$tmp/configure.log" >&2; fail "the library does not configure without libcjson"; }
grep -qi cjson "$tmp/configure.log" && { cat "$tmp/configure.log" >&2; fail "configure looked for libcjson"; }
echo "no_cjson: the library configures without libcjson, and neither includes nor links it"
