#!/bin/sh
# passthrough.sh — sluice's TCP pass-through (connect alone, one worker)
# against a plain Go io.Copy proxy, 1 GiB per transfer over 127.0.0.1,
# interleaved for three rounds; prints MB/s and CPU per GiB for each and the
# ratio sluice/io.Copy (target: at least 0.90). Extra arguments go to the
# program (see `go run ./bench/passthrough -h`), e.g. -userspace to add a
# proxy that copies through a buffer instead of splice(2), -events to add
# sluice's event path (connect with an idle timeout, so not relayed), or
# -size 268435456 on a slow machine. The run is cut off after 95 seconds.
set -eu
cd "$(dirname "$0")/.."
bin="${TMPDIR:-/tmp}/sluice-passthrough.$$"
trap 'rm -f "$bin"' EXIT
go build -o "$bin" ./bench/passthrough
timeout 95 "$bin" -size 1073741824 -rounds 3 -timeout 30s "$@"
