#!/usr/bin/env bash
# Installs the built librealm into a temporary prefix and builds a C program
# against it three ways, running each:
#   (a) pkg-config --static: fully static (cc -static), and librealm.a with the
#       system's shared libraries (-Wl,-Bstatic -lrealm -Wl,-Bdynamic);
#   (b) a CMake project: find_package(realm) + realm::realm_static;
#   (c) the same project: realm::realm (shared).
#   install_test.sh BUILD_DIR C_COMPILER [CMAKE]
set -euo pipefail
build=$1 cc=$2 cmake=${3:-cmake}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
prefix=$tmp/prefix

"$cmake" --install "$build" --prefix "$prefix" --component realm >/dev/null
pc=$(find "$prefix" -name realm.pc)
[ -n "$pc" ] || fail "realm.pc not installed"
libdir=$(dirname "$(dirname "$pc")")
for f in include/realm/realm.h; do [ -f "$prefix/$f" ] || fail "$f not installed"; done
for f in librealm.a librealm.so realm.pc; do [ -n "$(find "$libdir" -name "$f")" ] || fail "$f not installed"; done
echo "installed: $(cd "$prefix" && find . -type f -o -type l | sort | tr '\n' ' ')"

# The library needs no cJSON (only realm-server does).
if readelf -d "$libdir/librealm.so" | grep -qi cjson; then fail "librealm.so links libcjson"; fi
if nm -u "$libdir/librealm.a" 2>/dev/null | grep -q cJSON_; then fail "librealm.a references cJSON"; fi

export PKG_CONFIG_PATH=$libdir/pkgconfig
run() {  # run BINARY [static]: prints and checks the version line (and REALM_STATIC)
  local out want="realm $version${2:+ REALM_STATIC}"
  out=$("$1") || fail "$1 exited with $?"
  echo "$(basename "$1"): $out"
  [ "$out" = "$want" ] || fail "$1 printed '$out', expected '$want'"
}
version=$(pkg-config --modversion realm)
[ "$(pkg-config --variable=libdir realm)" -ef "$libdir" ] || fail "realm.pc's libdir is not $libdir (not relocatable?)"
cflags=$(pkg-config --static --cflags realm)
libs=$(pkg-config --static --libs realm)
echo "pkg-config --static --cflags realm: $cflags"
echo "pkg-config --static --libs realm: $libs"
case " $cflags " in *" -DREALM_STATIC "*) ;; *) fail "--static --cflags lacks -DREALM_STATIC" ;; esac

# (a1) cc -static: every library from its archive; a missing Libs.private
# or Requires.private entry is an undefined reference here. (glibc warns
# that getaddrinfo/dlopen in a static program need its shared libraries at
# run time; the program runs.)
# shellcheck disable=SC2086
"$cc" -static -o "$tmp/app_pc_full_static" "$here/app.c" $cflags $libs 2>"$tmp/ld.log" \
  || { cat "$tmp/ld.log" >&2; fail "cc -static with pkg-config --static"; }
readelf -d "$tmp/app_pc_full_static" 2>/dev/null | grep -q NEEDED && fail "app_pc_full_static is not static"
run "$tmp/app_pc_full_static" static

# (a2) librealm.a into the program, the system's libraries shared.
# shellcheck disable=SC2086
"$cc" -o "$tmp/app_pc_static" "$here/app.c" $cflags -Wl,-Bstatic -lrealm -Wl,-Bdynamic -Wl,--as-needed $libs \
  || fail "cc with -Wl,-Bstatic -lrealm and pkg-config --static"
readelf -d "$tmp/app_pc_static" | grep NEEDED | grep -q librealm && fail "app_pc_static needs librealm.so"
readelf -d "$tmp/app_pc_static" | grep -q 'NEEDED.*libwebsockets' || fail "app_pc_static does not link libwebsockets"
run "$tmp/app_pc_static" static

# (a3) the shared library through pkg-config, for comparison.
# shellcheck disable=SC2086
"$cc" -o "$tmp/app_pc_shared" "$here/app.c" $(pkg-config --cflags realm) $(pkg-config --libs realm) \
  || fail "cc with pkg-config --libs realm"
LD_LIBRARY_PATH=$libdir run "$tmp/app_pc_shared"

# (b), (c) find_package(realm) in a C-only project.
"$cmake" -S "$here/consumer" -B "$tmp/consumer" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$tmp/configure.log" 2>&1 \
  || { cat "$tmp/configure.log" >&2; fail "consumer configure"; }
realm_dir=$(sed -n 's/^realm_DIR:PATH=//p' "$tmp/consumer/CMakeCache.txt")
[ "$realm_dir" -ef "$libdir/cmake/realm" ] || fail "find_package(realm) found $realm_dir, not the temporary prefix"
"$cmake" --build "$tmp/consumer" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; fail "consumer build"; }
readelf -d "$tmp/consumer/app_static" | grep NEEDED | grep -q librealm && fail "app_static (realm::realm_static) needs librealm.so"
readelf -d "$tmp/consumer/app_shared" | grep NEEDED | grep -q 'librealm\.so' || fail "app_shared (realm::realm) does not need librealm.so"
run "$tmp/consumer/app_static" static
run "$tmp/consumer/app_shared"   # found through the build tree's RUNPATH
echo "packaging: all OK"
