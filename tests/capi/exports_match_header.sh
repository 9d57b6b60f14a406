#!/usr/bin/env bash
# The shared library exports exactly the REALM_API functions of the public
# header: nothing missing, nothing extra (no C++ or lws symbols leak out).
set -euo pipefail
lib=$1
header=$2
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sed 's/@.*//' | sort -u)
declared=$(grep -oE '^REALM_API [^(]*\(' "$header" | grep -oE 'realm_[a-z0-9_]+\($' | tr -d '(' | sort -u)
if [ "$exported" != "$declared" ]; then
  echo "exports differ from the header (< exported only, > declared only):"
  diff <(echo "$exported") <(echo "$declared") || true
  exit 1
fi
echo "exports match the header: $(echo "$declared" | wc -l) functions"
