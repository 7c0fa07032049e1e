#!/bin/sh
# slow-download.sh — one large answer through sluice's demux proxy
# (bench/scripts/proxy-demux.js) to a client reading at a fixed rate; prints
# sluice's peak RSS, which must stay bounded whatever the answer's size
# (issue 12: 1 GiB read at 100 KiB/s, RSS under 64 MB). SIZE and RATE set the
# answer and the rate (k, m, g suffixes); the defaults take about 3 hours:
# SIZE=128m RATE=4m bench/slow-download.sh takes 30 s. LAYOUT=pool measures
# the muxHTTP pool (bench/scripts/proxy-pool.js) instead. Extra arguments go
# to the program (see `go run ./bench/slowdownload -h`). Measured with
# SIZE=96m RATE=4m: demux 20.6 MiB, pool 19.8 MiB (139.5 MiB before the pool
# followed the client's valve).
set -eu
cd "$(dirname "$0")/.."
dir="${TMPDIR:-/tmp}/sluice-slowdl.$$"
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"
go build -o "$dir/sluice" ./cmd/sluice
go build -o "$dir/slowdownload" ./bench/slowdownload
script=bench/scripts/proxy-demux.js
[ "${LAYOUT:-demux}" = pool ] && script=bench/scripts/proxy-pool.js
"$dir/slowdownload" -sluice "$dir/sluice" -script "$script" -size "${SIZE:-1g}" -rate "${RATE:-100k}" "$@"
