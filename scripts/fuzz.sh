#!/usr/bin/env bash
# Fuzz runs for `make test-fuzz` and `make fuzz`: each package's fuzzing
# test binary is built once (`go test -c -fuzz`) and run once per target in
# the package's directory, with the corpus cache `go test -fuzz` would use
# ($GOCACHE/fuzz/<import path>) and the seed corpus in testdata/fuzz. A
# `go test -fuzz` per target would link the binary again for each one.
#
#   scripts/fuzz.sh [--time DURATION] PKG:FUNC:EXECUTIONS ...
#
# Without --time each target runs a fixed number of executions (bounded by
# a count rather than a duration: Go 1.26's fuzz coordinator can report a
# spurious "context deadline exceeded" when a duration runs out,
# golang/go#75804); with --time each runs for DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=""
if [ "${1:-}" = "--time" ]; then
  fuzztime=$2
  shift 2
fi
[ $# -gt 0 ] || { echo "usage: $0 [--time DURATION] PKG:FUNC:EXECUTIONS ..." >&2; exit 2; }

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cache=$(go env GOCACHE)/fuzz
built=""
for t in "$@"; do
  pkg=${t%%:*}
  rest=${t#*:}
  fn=${rest%%:*}
  n=${rest##*:}
  exe="$bin/$(echo "$pkg" | tr '/.' '__').test"
  if [[ " $built " != *" $pkg "* ]]; then
    go test -c -fuzz=. -o "$exe" "$pkg"
    built="$built $pkg"
  fi
  limit=${fuzztime:-${n}x}
  echo "fuzz $fn ($pkg) for $limit"
  (cd "$pkg" && "$exe" -test.run='^$' -test.fuzz="^$fn\$" -test.fuzztime="$limit" -test.fuzzminimizetime=200x \
    -test.fuzzcachedir="$cache/$(go list "./")")
done
