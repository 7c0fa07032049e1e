# shellcheck shell=bash
# shellcheck disable=SC2034 # variables set here are read by the sourcing script
# shellcheck disable=SC2016 # bash -c '...' scripts get their values as "$1"
# Functions shared by bench/run and bench/profile; sourced, not run.
#
# Every process a script starts goes through start_proc, which wraps it in
# `timeout` (a safety net should the script itself be killed with SIGKILL)
# and records its PIDs; cleanup, run from the EXIT trap, stops them all by
# PID and removes the temporary directory.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

SERVER_CPU=${SERVER_CPU:-0} # the core the measured server runs on
CLIENT_CPU=${CLIENT_CPU:-1} # wrk, load clients and upstreams
MAX_LIFETIME=${MAX_LIFETIME:-1500} # seconds any started process may live

PIDS=()     # every PID started: timeout wrappers and what they run
TMP=""      # temporary directory: binaries, configs, logs
TEE_PID=""  # a tee copying the output to a file, waited for at exit
CLK_TCK=$(getconf CLK_TCK)
LAST_PID="" # set by start_proc: the PID of the program itself

export LC_ALL=C

say() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || die "$c not found (on Debian: apt-get install wrk nginx golang procps coreutils)"
	done
}

# setup_common makes the temporary directory, installs the cleanup trap,
# raises the open-file limit and checks the CPUs.
setup_common() {
	need go wrk nginx taskset timeout pgrep awk getconf
	[[ -r /proc/self/stat ]] || die "/proc is needed"
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
	mkdir -p "$TMP/bin" "$TMP/logs"
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	# As many open files as allowed: idle-connection runs need 2 per
	# proxied connection. Raising the hard limit needs root; try.
	ulimit -Hn "${NOFILE:-65536}" 2>/dev/null || true
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	NOFILE=$(ulimit -n)
	[[ $NOFILE == unlimited ]] && NOFILE=1048576
	local ncpu
	ncpu=$(nproc)
	if ((ncpu < 2)); then
		warn "only $ncpu CPU: server and client share core 0; figures mean little"
		SERVER_CPU=0 CLIENT_CPU=0
	fi
	# Listening ports come from below the ephemeral range, so that client
	# connections never take one.
	local low
	low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	PORT_HI=$((low > 12000 ? low - 1 : 32000))
	PORT_LO=$((PORT_HI - 10000))
	NEXT_PORT=$((PORT_LO + RANDOM % 5000))
}

cleanup() {
	local rc=$? pid i
	trap - EXIT INT TERM HUP
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for ((i = 0; i < 50; i++)); do
		alive_any || break
		sleep 0.1
	done
	for pid in "${PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ -n $TMP && -d $TMP ]]; then
		if [[ ${KEEP_TMP:-0} == 1 ]]; then
			say "kept $TMP" >&2
		else
			rm -rf "$TMP"
		fi
	fi
	# Give tee (see bench/run) a moment to write the last lines. It exits at
	# the end of its input, which may only come when this shell exits: if a
	# signal came during a command with redirections, bash holds copies of
	# the original descriptors. So no waiting for it.
	if [[ -n ${TEE_PID:-} ]]; then
		exec >&- 2>&-
		for ((i = 0; i < 20; i++)); do
			kill -0 "$TEE_PID" 2>/dev/null || break
			sleep 0.05
		done
	fi
	exit "$rc"
}

alive_any() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null && return 0
	done
	return 1
}

# build compiles cmd/sluice and the peers named into $TMP/bin.
build() {
	local pkgs=(./cmd/sluice) p
	for p in "$@"; do
		pkgs+=("./bench/peers/$p")
	done
	say "building ${pkgs[*]} ..."
	(cd "$ROOT" && timeout 600 go build -o "$TMP/bin/" "${pkgs[@]}") || die "go build failed"
}

# alloc_port VAR sets VAR to a port nothing listens on or uses.
alloc_port() {
	local p
	while :; do
		p=$NEXT_PORT
		NEXT_PORT=$((NEXT_PORT + 1))
		((NEXT_PORT > PORT_HI)) && NEXT_PORT=$PORT_LO
		if command -v ss >/dev/null 2>&1; then
			[[ -z $(ss -Htan "( sport = :$p )" 2>/dev/null) ]] || continue
		elif (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			continue
		fi
		printf -v "$1" '%s' "$p"
		return 0
	done
}

# start_proc NAME CPU CMD... runs CMD pinned to CPU in the background, its
# output in $TMP/logs/NAME.log, and sets LAST_PID to its PID.
start_proc() {
	local name=$1 cpu=$2 tpid child i
	shift 2
	timeout -k 3 "$MAX_LIFETIME" taskset -c "$cpu" "$@" </dev/null >"$TMP/logs/$name.log" 2>&1 &
	tpid=$!
	PIDS+=("$tpid")
	child=""
	for ((i = 0; i < 100; i++)); do
		child=$(pgrep -P "$tpid" 2>/dev/null | head -n1 || true)
		[[ -n $child ]] && break
		kill -0 "$tpid" 2>/dev/null || break
		sleep 0.02
	done
	if [[ -z $child ]]; then
		warn "$name did not start:"
		tail -n 20 "$TMP/logs/$name.log" >&2 || true
		return 1
	fi
	PIDS+=("$child")
	LAST_PID=$child
	# taskset execs the program: wait until it has.
	for ((i = 0; i < 100; i++)); do
		[[ $(cat "/proc/$child/comm" 2>/dev/null) != taskset ]] && break
		sleep 0.01
	done
}

# stop_proc PID: SIGTERM, then SIGKILL after 5 s; reaps its timeout wrapper.
stop_proc() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	# reap the wrapper (its PID precedes pid in PIDS)
	local j
	for ((j = 1; j < ${#PIDS[@]}; j++)); do
		if [[ ${PIDS[j]} == "$pid" ]]; then
			wait "${PIDS[j - 1]}" 2>/dev/null || true
		fi
	done
}

# wait_port PORT PID NAME: until 127.0.0.1:PORT accepts (10 s at most).
wait_port() {
	local port=$1 pid=$2 name=$3 i
	for ((i = 0; i < 100; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			warn "$name exited:"
			tail -n 20 "$TMP/logs/$name.log" >&2 || true
			return 1
		fi
		if timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$port" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	warn "$name does not listen on $port after 10 s"
	return 1
}

# http_check PORT: one GET / must answer the hello (within 5 s).
http_check() {
	local out
	out=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "GET / HTTP/1.1\r\nHost: bench\r\n\r\n" >&3
		while IFS= read -r -t 4 line <&3; do
			printf "%s\n" "$line"
			[[ $line == *"Hello, World!"* ]] && break
		done' _ "$1" 2>/dev/null || true)
	if [[ $out != *"Hello, World!"* ]]; then
		warn "GET / on port $1 did not answer Hello, World!: ${out:0:200}"
		return 1
	fi
}

# tree_pids PID: PID and all its descendants.
tree_pids() {
	local c
	printf '%s\n' "$1"
	for c in $(pgrep -P "$1" 2>/dev/null || true); do
		tree_pids "$c"
	done
}

# cpu_ticks PID: utime+stime of PID and its descendants, in clock ticks.
cpu_ticks() {
	local t=0 p s f
	for p in $(tree_pids "$1"); do
		s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		s=${s##*) } # after the command name, which may hold spaces
		read -r -a f <<<"$s"
		# f[0] is field 3 (state): utime is field 14, stime 15
		t=$((t + f[11] + f[12]))
	done
	printf '%s\n' "$t"
}

# cpu_ns PID: nanoseconds on a CPU of PID's threads and its descendants',
# from the scheduler's own accounting (/proc/PID/task/TID/schedstat), not
# sampled at each clock tick as utime+stime are: with the server getting a
# part of its core on a loaded machine, tick sampling over a few seconds is
# off by several percent, this is not. Threads that exit take their time
# with them (the servers measured keep theirs). Prints nothing when the
# kernel has no schedstat; cpu_ticks is the fallback.
cpu_ns() {
	local p f t=0 v
	[[ -r /proc/self/schedstat ]] || return 0
	for p in $(tree_pids "$1"); do
		for f in /proc/"$p"/task/*/schedstat; do
			read -r v _ <"$f" 2>/dev/null || continue
			t=$((t + v))
		done
	done
	printf '%s\n' "$t"
}

# mem_kb PID FIELD: FIELD (VmRSS, VmHWM) of PID and its descendants, in KiB.
mem_kb() {
	local t=0 p v
	for p in $(tree_pids "$1"); do
		v=$(awk -v f="$2:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null || true)
		t=$((t + ${v:-0}))
	done
	printf '%s\n' "$t"
}

# nginx_conf DIR PORT: writes DIR/nginx.conf for a hello server on
# 127.0.0.1:PORT (one worker, no access log, return 200). NGINX_EXTRA, if
# set, goes into the server block (bench/soak adds a location there);
# NGINX_LISTEN, if set, replaces its listen line (nginx_h2_conf).
nginx_conf() {
	local dir=$1 port=$2 conns
	mkdir -p "$dir"
	# nginx allocates all worker_connections at start: ask for what the
	# idle-connection case needs, not more, so that its RSS at rest is fair.
	conns=$((${IDLE_CONNS:-10000} + 1024))
	((conns > NOFILE - 100)) && conns=$((NOFILE - 100))
	((conns < 1024)) && conns=1024
	cat >"$dir/nginx.conf" <<EOF
# generated by bench/lib.sh
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile $NOFILE;
error_log $dir/error.log warn;
pid $dir/nginx.pid;
events {
    worker_connections $conns;
}
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        ${NGINX_LISTEN:-listen 127.0.0.1:$port;}
        location / {
            default_type text/plain;
            return 200 "Hello, World!\n";
        }
${NGINX_EXTRA:-}
    }
}
EOF
}

# nginx_h2_conf DIR PORT TLSPORT CERT KEY: writes DIR/nginx.conf for an
# HTTP/2 hello (nginx_conf's): h2c by prior knowledge on 127.0.0.1:PORT
# (nginx 1.22's "listen ... http2" without ssl) and h2 by ALPN over TLS on
# TLSPORT.
nginx_h2_conf() {
	NGINX_LISTEN="listen 127.0.0.1:$2 http2; listen 127.0.0.1:$3 ssl http2; ssl_certificate $4; ssl_certificate_key $5;" \
		nginx_conf "$1" "$2"
}

# make_cert DIR: a self-signed certificate for localhost in DIR/cert.pem and
# DIR/key.pem.
make_cert() {
	need openssl
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
		-keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1 || die "openssl cannot make a certificate"
}

# nginx_proxy_conf DIR PORT UPSTREAM: writes DIR/nginx.conf for a reverse
# proxy on 127.0.0.1:PORT to UPSTREAM with a keep-alive upstream pool
# (keepalive 64, HTTP/1.1 upstream, Connection cleared), one worker.
nginx_proxy_conf() {
	local dir=$1 port=$2 up=$3
	mkdir -p "$dir"
	cat >"$dir/nginx.conf" <<EOF
# generated by bench/lib.sh
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile $NOFILE;
error_log $dir/error.log warn;
pid $dir/nginx.pid;
events {
    worker_connections 4096;
}
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    upstream backend {
        server $up;
        keepalive 64;
        keepalive_requests 100000000;
    }
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
}

# haproxy_conf DIR PORT UPSTREAM: writes DIR/haproxy.cfg for an HTTP reverse
# proxy on 127.0.0.1:PORT to UPSTREAM, one thread, keep-alive both sides
# (http-reuse always).
haproxy_conf() {
	local dir=$1 port=$2 up=$3
	mkdir -p "$dir"
	cat >"$dir/haproxy.cfg" <<EOF
# generated by bench/lib.sh
global
    nbthread 1
    maxconn 4096
defaults
    mode http
    timeout connect 10s
    timeout client 300s
    timeout server 300s
    timeout http-keep-alive 300s
    http-reuse always
frontend fe
    bind 127.0.0.1:$port
    default_backend be
backend be
    server up1 $up maxconn 64
EOF
}

# nginx_cmd DIR: the command line that runs DIR/nginx.conf (into NGINX_CMD).
nginx_cmd() {
	NGINX_CMD=(nginx -p "$1" -c "$1/nginx.conf")
	# -e (nginx >= 1.19.5) keeps the start-up error log out of /var/log.
	if nginx -h 2>&1 | grep -q -- '-e filename'; then
		NGINX_CMD+=(-e "$1/error.log")
	fi
}

# server_cmd ID PORT UPSTREAM: the command line of server ID (CASE/NAME, as
# bench/run names them) into CMD; the caller sets BIN (the built programs),
# SCRIPTS (bench/scripts) and PIPY (a Pipy 0.x binary, for the pipy rows).
server_cmd() {
	local id=$1 port=$2 up=${3:-} m=()
	if [[ $id == *+metrics ]]; then
		id=${id%+metrics}
		m=(--metrics=127.0.0.1:0)
	fi
	case $id in
	hello/sluice-js) CMD=(env "BENCH_LISTEN=127.0.0.1:$port" "$BIN/sluice" --workers=1 --drain=1s --log-level=warn "${m[@]}" "$SCRIPTS/hello.js") ;;
	hello/sluice-go) CMD=("$BIN/sluice-hello" -addr "127.0.0.1:$port") ;;
	hello/nginx)
		nginx_conf "$TMP/nginx-$port" "$port"
		nginx_cmd "$TMP/nginx-$port"
		CMD=("${NGINX_CMD[@]}")
		;;
	hello/net-http) CMD=("$BIN/nethttp-hello" -addr "127.0.0.1:$port") ;;
	hello/pipy) CMD=(env "BENCH_PORT=$port" "$PIPY" --log-level=warn "$SCRIPTS/pipy-hello.js") ;;
	proxy/pipy) CMD=(env "BENCH_PORT=$port" "BENCH_UPSTREAM=$up" "$PIPY" --log-level=warn "$SCRIPTS/pipy-proxy.js") ;;
	proxy/pipy-mux) CMD=(env "BENCH_PORT=$port" "BENCH_UPSTREAM=$up" "$PIPY" --log-level=warn "$SCRIPTS/pipy-proxy-mux.js") ;;
	proxy/sluice-js) CMD=(env "BENCH_LISTEN=127.0.0.1:$port" "BENCH_UPSTREAM=$up" "$BIN/sluice" --workers=1 --drain=1s --log-level=warn "${m[@]}" "$SCRIPTS/proxy.js") ;;
	proxy/sluice-js-mux) CMD=(env "BENCH_LISTEN=127.0.0.1:$port" "BENCH_UPSTREAM=$up" "$BIN/sluice" --workers=1 --drain=1s --log-level=warn "${m[@]}" "$SCRIPTS/proxy-mux.js") ;;
	proxy/sluice-js-pool) CMD=(env "BENCH_LISTEN=127.0.0.1:$port" "BENCH_UPSTREAM=$up" "$BIN/sluice" --workers=1 --drain=1s --log-level=warn "${m[@]}" "$SCRIPTS/proxy-pool.js") ;;
	proxy/nginx)
		nginx_proxy_conf "$TMP/nginx-proxy-$port" "$port" "$up"
		nginx_cmd "$TMP/nginx-proxy-$port"
		CMD=("${NGINX_CMD[@]}")
		;;
	proxy/haproxy)
		haproxy_conf "$TMP/haproxy-$port" "$port" "$up"
		CMD=(haproxy -db -f "$TMP/haproxy-$port/haproxy.cfg")
		;;
	proxy/sluice-js-demux) CMD=(env "BENCH_LISTEN=127.0.0.1:$port" "BENCH_UPSTREAM=$up" "$BIN/sluice" --workers=1 --drain=1s --log-level=warn "${m[@]}" "$SCRIPTS/proxy-demux.js") ;;
	proxy/sluice-go) CMD=("$BIN/sluice-proxy" -addr "127.0.0.1:$port" -upstream "$up") ;;
	proxy/httputil) CMD=("$BIN/revproxy" -addr "127.0.0.1:$port" -upstream "$up") ;;
	pass/sluice-js) CMD=(env "BENCH_LISTEN=127.0.0.1:$port" "BENCH_UPSTREAM=$up" "$BIN/sluice" --workers=1 --drain=1s --log-level=warn "${m[@]}" "$SCRIPTS/passthrough.js") ;;
	pass/io.Copy) CMD=("$BIN/tcpproxy" -addr "127.0.0.1:$port" -upstream "$up") ;;
	*) die "unknown server $id" ;;
	esac
}

# run_load CMD...: runs CMD to completion and returns its status. It runs in
# the background and is waited for, so that a signal to the script (Ctrl-C,
# kill) is handled at once rather than when CMD finishes.
run_load() {
	"$@" &
	local pid=$!
	PIDS+=("$pid")
	wait "$pid"
}

# run_wrk SECONDS PORT OUTFILE: wrk on CLIENT_CPU, one thread, WRK_CONNS
# connections, latency distribution, bounded by timeout.
run_wrk() {
	run_load timeout -k 5 $(($1 + 30)) taskset -c "$CLIENT_CPU" \
		wrk -t1 -c"${WRK_CONNS:-50}" -d"$1s" --timeout 5s --latency "http://127.0.0.1:$2/" </dev/null >"$3" 2>&1
}

# wrk_field FILE NAME: requests, rps, p50_us, p99_us or errors from wrk output.
wrk_field() {
	awk -v want="$2" '
	function us(s,   n, u) {
		n = s + 0; u = s; sub(/^[0-9.]+/, "", u)
		if (u == "us") return n
		if (u == "ms") return n * 1000
		if (u == "s") return n * 1000000
		if (u == "m") return n * 60000000
		return n
	}
	/requests in/ { req = $1 }
	/^Requests\/sec:/ { rps = $2 }
	$1 == "50%" { p50 = us($2) }
	$1 == "99%" { p99 = us($2) }
	/Non-2xx or 3xx responses:/ { err += $NF }
	/Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
	END {
		v = (want == "requests") ? req : (want == "rps") ? rps : (want == "p50_us") ? p50 : (want == "p99_us") ? p99 : err + 0
		if (v == "") exit 1
		print v
	}' "$1"
}
