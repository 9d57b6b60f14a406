#!/usr/bin/env bash
# The version has one source, REALM_VERSION_MAJOR/MINOR/PATCH in
# include/realm/realm.h. CMake (project version, realm.pc) and pyproject.toml
# read it; package.json cannot (npm has no dynamic version), so
# scripts/sync-version copies it there and this test fails when they differ.
#   version_test.sh CMAKE_PROJECT_VERSION BUILD_REALM_PC
set -euo pipefail
cmake_version=$1 pc=$2
cd "$(dirname "$0")/../.."
python3 - "$cmake_version" "$pc" <<'PY'
import json, re, sys, tomllib
cmake_version, pc = sys.argv[1], sys.argv[2]
header = open("include/realm/realm.h").read()
parts = [re.search(rf"^#define REALM_VERSION_{p} (\d+)$", header, re.M) for p in ("MAJOR", "MINOR", "PATCH")]
assert all(parts), "realm.h lacks REALM_VERSION_MAJOR/MINOR/PATCH"
version = ".".join(m.group(1) for m in parts)
bad = []
def check(what, got):
    print(f"{what}: {got}")
    if got != version:
        bad.append(f"{what} is {got!r}, the header says {version!r}")
print(f"include/realm/realm.h: {version}")
check("CMake project version", cmake_version)
pc_version = re.search(r"^Version: *(\S+)", open(pc).read(), re.M)
check("realm.pc", pc_version.group(1) if pc_version else None)
check("package.json", json.load(open("package.json"))["version"])
lock = json.load(open("package-lock.json"))
check("package-lock.json", lock.get("version"))
check('package-lock.json packages[""]', lock.get("packages", {}).get("", {}).get("version"))
# pyproject.toml: a dynamic version, read from the header by scikit-build-core's regex provider.
py = tomllib.load(open("pyproject.toml", "rb"))
if "version" in py["project"] or "version" not in py["project"].get("dynamic", []):
    bad.append("pyproject.toml: the version must be dynamic (read from realm.h), not written there")
mv = py["tool"]["scikit-build"]["metadata"]["version"]
if mv.get("provider") != "scikit_build_core.metadata.regex" or mv.get("input") != "include/realm/realm.h":
    bad.append("pyproject.toml: metadata.version must read include/realm/realm.h with the regex provider")
else:
    m = re.search(mv["regex"], header, re.M)
    check("pyproject.toml (regex on realm.h)", mv.get("result", "{value}").format(*m.groups(), **m.groupdict()) if m else None)
init = re.search(r'^__version__ = "([^"]+)"', open("python/realm/__init__.py").read(), re.M)
check("python/realm/__init__.py __version__", init.group(1) if init else None)
if not re.search(rf"^## \[{re.escape(version)}\]", open("CHANGELOG.md").read(), re.M):
    bad.append(f"CHANGELOG.md has no '## [{version}]' section")
if bad:
    print("\n".join(["FAIL:"] + bad + ["(scripts/sync-version copies the header's version into package.json, package-lock.json and python/realm/__init__.py)"]), file=sys.stderr)
    sys.exit(1)
print("version: all in step")
PY
