#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/bench/callgrind.sh: dnsd's user-space instructions per answered
# query, receive to send, for the three loads of `make bench`.
#
# usage: sh tests/bench/callgrind.sh [BUILD_DIR]
#
# Environment: DNSD (default BUILD_DIR/bin/dnsd) the binary measured, so
# that two trees' dnsd can be measured on the same inputs;
# CALLGRIND_FN (default udp_round) the function collected in;
# CALLGRIND_SECONDS (default 5) per load; CALLGRIND_QPS (default empty:
# one query at a time) an open-loop rate instead; CALLGRIND_LOADS
# (default "static geo ecs"); CALLGRIND_START_TIMEOUT (default 300)
# seconds dnsd may take to answer under valgrind.
#
# What is counted: callgrind's Ir (instructions executed in user space:
# dnsd's and the libc functions it calls, not the kernel's) while dnsd's
# UDP thread is inside CALLGRIND_FN (--collect-atstart=no,
# --toggle-collect), divided by the queries qblast got answers to.
# udp_round (dnsd/net_udp.c) is one received batch answered
# (answer_batch) and sent, sendmmsg's libc wrapper included.  udp_main is
# the whole UDP loop, which adds recvmmsg's wrapper, the reset of the
# receive headers and the snapshot pickup (about 90 instructions a
# batch): that is how the README's 920 / 1,250 / 1,400 were measured, at
# ab567bc, where udp_round was inlined into udp_main (which gives 923.0 /
# 1256.0 / 1407.8 here).  A function that is inlined cannot be collected
# in: the script stops and says so.
#
# The load: dnsd (one worker; the zone, edges, database and query files
# of tests/bench/run.sh, common.sh) is sent one query at a time (qblast
# closed loop, one socket, window 1: each query goes when the last is
# answered), so every batch is exactly one query whatever valgrind or the
# VM pauses, and the figures repeat to 0.1%.  An open loop at a fixed
# rate (CALLGRIND_QPS=5000: qblast -Q) batches what arrives during a
# pause, and each query of a batch after the first saves the per-batch
# work (about 175 instructions with udp_round): on a busy VM that moved
# the figures by 1 to 15% run to run.  ecs.bin ends with 5,000 IPv4-only
# queries (mkqueries.pl interleaves 3 IPv4 to 1 IPv6 until the IPv6 run
# out), so an ecs run that stops before the end of the file counts
# slightly more IPv6: about 1 instruction a query more below 20 k
# queries than over several passes.
#
# The counters are zeroed (callgrind_control -z) once dnsd has answered
# its readiness query, and before each load, and dumped after it
# (callgrind_control -d); dnsd runs with LD_BIND_NOW=1, so no lazy symbol
# binding falls in a measured call.  Batches are counted as the calls to
# sendmmsg.  dnsd takes 15 to 30 s to load the database under valgrind;
# the whole script about 40 s (plus a few minutes, once, when the query
# files are missing or stale).
#
# Results: one line per load on stdout, build/bench/callgrind.csv, and in
# build/bench/callgrind/ the dump of each load (callgrind-LOAD.out, for
# callgrind_annotate), qblast's output and valgrind's log.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
O=${1:-build}
case $O in /*) ;; *) O=$ROOT/$O ;; esac
B=$O/bench
C=$B/callgrind
DNSD=${DNSD:-$O/bin/dnsd}
FN=${CALLGRIND_FN:-udp_round}
SECS=${CALLGRIND_SECONDS:-5}
QPS=${CALLGRIND_QPS:-}
LOADS=${CALLGRIND_LOADS:-static geo ecs}
START_TIMEOUT=${CALLGRIND_START_TIMEOUT:-300}
CSV=$B/callgrind.csv
EDGES=$ROOT/tests/bench/edges.tsv
MMDB=$B/synth-1.1m.mmdb
# Server and generator on CPUs of their own when there are two.
SRV_CPU=1
GEN_CPU=0
[ "$(nproc)" -ge 2 ] || SRV_CPU=0

VPID=""
cleanup()
{
	[ -z "$VPID" ] || kill "$VPID" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die()
{
	echo "callgrind: $*" >&2
	exit 1
}

now()
{
	date +%s
}

T0=$(now)
for t in valgrind callgrind_control dig perl taskset; do
	command -v "$t" >/dev/null 2>&1 || die "needs $t"
done
[ -x "$DNSD" ] || die "no $DNSD (make)"
for t in qblast freeport; do
	[ -x "$O/tests/$t" ] || die "no $O/tests/$t (make $O/tests/$t)"
done
# Collecting in an inlined function counts nothing: say so before the
# slow start.
if command -v nm >/dev/null 2>&1 &&
    ! nm "$DNSD" 2>/dev/null | grep -q " [Tt] $FN\$"; then
	die "$DNSD has no function $FN (inlined or renamed?): set CALLGRIND_FN"
fi
if [ -n "$QPS" ]; then
	GEN_OPT="-Q $QPS"
	GEN=qps$QPS
else
	GEN_OPT="-q 1"
	GEN=window1
fi

# ---- inputs: those of run.sh ------------------------------------------------
mkdir -p "$B" "$C"
# shellcheck source=tests/bench/common.sh
. "$ROOT/tests/bench/common.sh"
bench_database
# mkqueries.pl takes minutes and writes the same files every time: only
# when they are missing or older than what they are made from.
for f in static geo ecs; do
	f=$B/$f.bin
	if [ ! -s "$f" ] || [ "$MMDB" -nt "$f" ] ||
	    [ "$ROOT/tests/bench/mkqueries.pl" -nt "$f" ]; then
		echo "callgrind: writing the query files (a few minutes) ..."
		bench_queries
		break
	fi
done
bench_dnsd_files "$C"
PORT=$("$O/tests/freeport")
write_dnsd_conf "$C" "$PORT" 1
rm -f "$C"/callgrind.out*

# ---- dnsd under callgrind -----------------------------------------------------
LD_BIND_NOW=1 taskset -c "$SRV_CPU" valgrind --tool=callgrind \
    --collect-atstart=no --toggle-collect="$FN" \
    --compress-strings=no --compress-pos=no \
    --callgrind-out-file="$C/callgrind.out" \
    "$DNSD" -c "$C/dnsd.yaml" >"$C/valgrind.log" 2>&1 &
VPID=$!

# Ready when `cdn` answers with an address (that query is not measured:
# the counters are zeroed before each load).
deadline=$(($(now) + START_TIMEOUT))
while :; do
	kill -0 "$VPID" 2>/dev/null ||
	    die "dnsd exited under valgrind (see $C/valgrind.log)"
	a=$(dig @127.0.0.1 -p "$PORT" cdn.example.net A +short +tries=1 \
	    +time=1 2>/dev/null | head -n 1)
	case $a in [0-9]*.*) break ;; esac
	[ "$(now)" -lt "$deadline" ] ||
	    die "dnsd did not answer within ${START_TIMEOUT} s under valgrind" \
	    "(see $C/valgrind.log)"
	sleep 0.5
done
echo "callgrind: $DNSD answered under valgrind after $(($(now) - T0)) s;" \
    "collecting in $FN, $GEN, $SECS s a load"

# control OPTION: callgrind_control OPTION to dnsd.
control()
{
	callgrind_control "$1" "$VPID" >>"$C/control.log" 2>&1 ||
	    die "callgrind_control $1 failed (see $C/control.log)"
}

# ---- the loads ----------------------------------------------------------------
echo "load,function,generator,answered,batches,instructions,instructions_per_query" >"$CSV"
ndump=0
for load in $LOADS; do
	[ -s "$B/$load.bin" ] || die "no query file $B/$load.bin"
	out=$C/$load.qblast
	control -z
	# shellcheck disable=SC2086 # GEN_OPT: two words
	taskset -c "$GEN_CPU" "$O/tests/qblast" -s 127.0.0.1 -p "$PORT" \
	    -f "$B/$load.bin" -l "$SECS" -c 1 $GEN_OPT >"$out" 2>&1 ||
	    die "qblast failed on $load (see $out)"
	control -d
	ndump=$((ndump + 1))
	# The dump is written before callgrind_control returns; a file
	# with its closing "totals:" line is whole.
	dump=$C/callgrind.out.$ndump
	i=0
	until grep -q '^totals:' "$dump" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] ||
		    die "no callgrind dump $dump (see $C/control.log)"
		sleep 0.1
	done
	mv "$dump" "$C/callgrind-$load.out"
	dump=$C/callgrind-$load.out
	read -r sent answered lost <<EOF
$(tr ' ' '\n' <"$out" | awk -F= '{ v[$1] = $2 }
    END { printf "%s %s %s\n", v["sent"], v["answered"], v["lost"] }')
EOF
	[ "${answered:-0}" -gt 0 ] ||
	    die "dnsd answered no $load query (see $out)"
	[ "$lost" = 0 ] ||
	    echo "callgrind: warning: $load: $lost of $sent queries lost" >&2
	# Ir: the "totals:" line (all collected); batches: the calls to
	# sendmmsg (with --compress-strings=no each names its callee).
	read -r ir batches <<EOF
$(awk '/^totals:/ { ir = $2 }
    /^cfn=/ { callee = substr($0, 5) }
    /^calls=/ && callee == "sendmmsg" { split($1, c, "="); b += c[2] }
    END { printf "%.0f %d\n", ir, b }' "$dump")
EOF
	[ "$ir" -gt 0 ] ||
	    die "nothing collected in $FN on $load (inlined or renamed?)"
	[ -n "$QPS" ] || [ "$batches" -eq "$answered" ] ||
	    echo "callgrind: warning: $load: $answered queries in $batches" \
	        "batches, not one each" >&2
	perq=$(awk -v i="$ir" -v n="$answered" 'BEGIN { printf "%.1f", i / n }')
	echo "$load,$FN,$GEN,$answered,$batches,$ir,$perq" >>"$CSV"
	echo "callgrind $load: $perq instructions/query ($answered queries," \
	    "$batches batches)"
done

# ---- done ---------------------------------------------------------------------
kill "$VPID" 2>/dev/null || true
i=0
while kill -0 "$VPID" 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -9 "$VPID" 2>/dev/null || true
wait "$VPID" 2>/dev/null || true
VPID=""
rm -f "$C/callgrind.out" # what came after the last load
echo "callgrind: results in $CSV ($(($(now) - T0)) s)"
