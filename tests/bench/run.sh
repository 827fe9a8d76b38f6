#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/bench/run.sh: `make bench`, dnsd against its peers and the floor.
#
# usage: sh tests/bench/run.sh [BUILD_DIR]      (make bench runs it)
#
# Environment: BENCH_SECONDS (default 2, whole seconds) per measured run;
# BENCH_ROUNDS (default 5) rounds; BENCH_SERVERS (default "floor dnsd
# gdnsd knot") which servers to run; BENCH_DNSD_B (a dnsd binary, e.g.
# another tree's build) adds server dnsd_b, taking its turns with the rest,
# and a dnsd/dnsd_b column: a before/after comparison within one run;
# BENCH_STEERING=0 leaves dnsd's weighted tier and half-drained edge out
# of its configuration (common.sh), as a dnsd_b built before them needs;
# BENCH_RRL_B=0 leaves rate limiting out of dnsd_b's (built before it:
# dnsd itself always runs with it on, common.sh); BENCH_DNSSEC_B=0 leaves
# DNSSEC out of dnsd_b's zone (built before it: dnsd's zone is always
# signed, common.sh), and the DO loads then compare a signing dnsd with
# an unsigned dnsd_b.
#
# The servers listen on 127.0.0.1, each pinned to CPU 1, with the load
# generator pinned to CPU 0: the floor (tests/tools/udpecho, a UDP echo
# that does no DNS work), dnsd, gdnsd (plugin_geoip) and Knot DNS
# (mod-geoip), all with the same synthetic 1.1 M-network GeoIP2-City
# database, the same ten edges (edges.tsv) and the same example.net zone.
# They are measured one at a time, taking turns run by run.  Three loads
# (mkqueries.pl): static `www` A, geo `cdn` A without Client Subnet, `cdn`
# A with Client Subnet over 25 k subnets; each at 100 k queries/s offered
# (`@100k`) by two generators, dnsperf (the reference) and
# tests/tools/qblast (batched, with latency percentiles), and at full speed
# by qblast (dnsperf cannot saturate a server here).  dnsd's zone is
# signed (DNSSEC, common.sh): those loads carry no DO, so they get the
# unsigned answers and stay comparable with the peers', but dnsd pays for
# signing being on.  Two more loads, with DO, for the floor, dnsd and
# dnsd_b only (gdnsd cannot sign; Knot could, but its zone here is
# unsigned, and signing it is another bench): `ecs+do`, the ecs queries
# with DO (the signed geo answers: RRSIGs made at load, served from
# dnsd's signature cache), run as the three above; and `nxdomain+do`,
# 1 M distinct names that do not exist, each answered with compact denial
# (RFC 9824): an NSEC at the name, signed on first use, so with names
# that never repeat within dnsd's 16384-entry cache every query is one
# ECDSA P-256 signature: online signing's throughput.  It runs @100k
# (more than dnsd signs on one core: the rest is lost, and the CPU per
# answered query is still the figure) and at full speed, qblast only.
# Each dnsd run of nxdomain+do starts in the file where dnsd's last one
# stopped (the file is cut and rejoined), so no name comes back before
# 1 M others.  For the DO loads dnsd's counters (dnsdctl stats) are read
# before and after each run: signatures per second per core (signed
# online, divided by dnsd's CPU seconds of the run) and the cache's hit
# rate (from cache / (from cache + signed)).  A server's CPU time
# is the sum of its threads' time on a CPU (/proc/PID/task/*/schedstat)
# over the run; divided by the answered queries it is the figure that
# compares servers at the same offered rate.  Each figure is the median of
# the rounds.  Then: SIGHUPs to dnsd under full load, and two workers on
# both CPUs against the peers'.  Results: the table on stdout,
# build/bench/summary.csv (medians), build/bench/runs.csv (every run) and
# the raw generator outputs in build/bench/.  Both CSVs end with the
# DNSSEC columns, empty but for dnsd's and dnsd_b's runs of the DO loads
# (and dnsd_b's only when it counts signatures): runs.csv sigs_signed and
# sigs_cached (the counters' increase over the run), sigs_per_cpu_s,
# sig_hit_rate (0..1) and truncated (answers sent TC); summary.csv the
# medians of sigs_per_cpu_s and sig_hit_rate.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
O=${1:-build}
case $O in /*) ;; *) O=$ROOT/$O ;; esac
B=$O/bench
SECS=${BENCH_SECONDS:-2}
SERVERS=${BENCH_SERVERS:-floor dnsd gdnsd knot}
DNSD_B=${BENCH_DNSD_B:-}
if [ -n "$DNSD_B" ]; then
	case " $SERVERS " in *" dnsd_b "*) ;; *) SERVERS="$SERVERS dnsd_b" ;; esac
fi
RATE=100000
SRV_CPU=1
GEN_CPU=0
CSV=$B/summary.csv
RUNS=$B/runs.csv
ROUNDS=${BENCH_ROUNDS:-5}
EDGES=$ROOT/tests/bench/edges.tsv
MMDB=$B/synth-1.1m.mmdb

mkdir -p "$B"
PIDS=""
cleanup()
{
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die()
{
	echo "bench: $*" >&2
	exit 1
}

[ "$(nproc)" -ge 2 ] || die "needs two CPUs (server on one, load on the other)"

# ---- inputs -------------------------------------------------------------
# The database (built once) and the query files: common.sh.
# shellcheck source=tests/bench/common.sh
. "$ROOT/tests/bench/common.sh"
bench_database
MMDB_MB=$(awk -v b="$(stat -c %s "$MMDB")" 'BEGIN { printf "%.1f", b / 1048576 }')
bench_queries

# dnsd's configuration: the same zone and edges as the peers', signed.
bench_dnsd_files "$B/dnsd" 1
[ -z "$DNSD_B" ] || bench_dnsd_files "$B/dnsd_b" "${BENCH_DNSSEC_B:-1}"

# nxdomain+do.bin's queries all have the same length: NX_REC octets each
# with their length prefix, NX_N of them.
NX_REC=$(od -An -tu1 -N2 "$B/nxdomain+do.bin" | awk '{ print $1 * 256 + $2 + 2 }')
NX_N=$(($(stat -c %s "$B/nxdomain+do.bin") / NX_REC))
[ $((NX_N * NX_REC)) = "$(stat -c %s "$B/nxdomain+do.bin")" ] ||
    die "nxdomain+do.bin: queries of different lengths"

# ---- measuring ------------------------------------------------------------
# cpu_ns PID: nanoseconds its threads have run, so far.
cpu_ns()
{
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
	    awk '{ s += $1 } END { printf "%.0f", s }'
}

# slices PID: how many times its threads were put on a CPU, so far (each
# a wake-up, or a return after preemption): schedstat's third field.
slices()
{
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
	    awk '{ s += $3 } END { printf "%.0f", s }'
}

rss_mb()
{
	awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' /proc/"$1"/status
}

now()
{
	date +%s.%N
}

# ready PORT: wait (at most 60 s) until `cdn` answers with an address.
ready()
{
	i=0
	while [ $i -lt 600 ]; do
		a=$(dig @127.0.0.1 -p "$1" cdn.example.net A +short +tries=1 \
		    +time=1 2>/dev/null | head -n 1)
		case $a in [0-9]*.*) return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# start SERVER PORT WORKERS CPUS: start it, wait until it answers; sets
# SPID and STARTUP (seconds from exec to the first geo answer).
start()
{
	t0=$(now)
	case $1 in
	floor)
		taskset -c "$4" "$O/tests/udpecho" -t "$3" 127.0.0.1 "$2" &
		;;
	dnsd | dnsd_b)
		g_bin=$O/bin/dnsd
		g_rrl=1
		[ "$1" = dnsd ] || { g_bin=$DNSD_B; g_rrl=${BENCH_RRL_B:-1}; }
		write_dnsd_conf "$B/$1" "$2" "$3" "$g_rrl"
		taskset -c "$4" "$g_bin" -c "$B/$1/dnsd.yaml" 2>"$B/$1.log" &
		;;
	gdnsd | knot)
		rm -rf "$B/$1"
		mkdir -p "$B/$1"
		taskset -c "$4" sh "$ROOT/tests/bench/peer-$1.sh" "$B/$1" \
		    "$MMDB" "$EDGES" "$2" "$3" 2>"$B/$1.log" &
		;;
	esac
	SPID=$!
	PIDS="$PIDS $SPID"
	if [ "$1" = floor ]; then
		# The echo answers a question with itself: no address to wait
		# for, only the socket.
		i=0
		until dig @127.0.0.1 -p "$2" +tries=1 +time=1 cdn.example.net \
		    >/dev/null 2>&1; do
			i=$((i + 1))
			[ $i -lt 100 ] || die "floor did not start"
		done
	else
		ready "$2" || die "$1 did not answer within 60 s (see $B/$1.log)"
	fi
	# knotd pins its UDP workers to CPUs of its own choosing (worker 0 to
	# CPU 0, the generator's): put every thread back where the others
	# run.  Left there, it shares the generator's CPU, finds more queries
	# queued per wake-up, and the kernel delivers its answers on that CPU,
	# partly on the generator's account: at 100 k queries/s it then costs
	# less than the floor (3.5 us a query against 4.8 under dnsperf),
	# which is the placement, not the server.
	[ "$1" != knot ] || taskset -a -cp "$4" "$SPID" >/dev/null ||
	    die "cannot pin knotd's threads to CPU $4"
	STARTUP=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
}

stop()
{
	kill "$SPID" 2>/dev/null || true
	i=0
	while kill -0 "$SPID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$SPID" 2>/dev/null || true
	wait "$SPID" 2>/dev/null || true
}

# Functions share the shell's variables: theirs carry a prefix (g_, m_).
#
# nx_file SERVER: the query file (in $B, without .bin) of SERVER's next
# nxdomain+do run, in $NXFILE: nxdomain+do.bin from the query after the
# last one SERVER was sent (NXSENT_SERVER in all), then its beginning.
nx_file()
{
	g_off=0
	eval "g_off=\${NXSENT_$1:-0}"
	g_off=$((g_off % NX_N))
	NXFILE=nxdomain+do
	[ "$g_off" != 0 ] || return 0
	g_b=$((g_off * NX_REC))
	NXFILE=nxdomain+do.next
	{
		tail -c +$((g_b + 1)) "$B/nxdomain+do.bin"
		head -c "$g_b" "$B/nxdomain+do.bin"
	} >"$B/$NXFILE.bin"
}

# sig_counts SERVER: "signed cached truncated", dnsd's counters so far
# (dnsdctl stats), or "- - -" if it has none.
sig_counts()
{
	"$O/bin/dnsdctl" -c "$B/$1/dnsd.yaml" stats 2>/dev/null | awk '
	    $1 == "dnssec.sigs_signed" { s = $2 }
	    $1 == "dnssec.sigs_cached" { c = $2 }
	    $1 == "truncated" { t = $2 }
	    END { if (s == "" || c == "") print "- - -"; else print s, c, t }'
}
#
# generate GEN LOAD RATE PORT OUT: run one generator (RATE "max" = full
# speed) and leave "qps lost p50 p99" in $OUT.res.
generate()
{
	q=$B/$2.bin
	if [ "$1" = dnsperf ]; then
		if [ "$3" = max ]; then g_rate=""; else g_rate="-Q $3"; fi
		# shellcheck disable=SC2086
		taskset -c "$GEN_CPU" dnsperf -B -d "$q" -s 127.0.0.1 -p "$4" \
		    -l "$SECS" -c 4 -q 200 -t 1 $g_rate >"$5" 2>&1 || true
		awk '/Queries completed:/ { c = $3 } /Queries lost:/ { l = $3 }
		    /Queries per second:/ { r = $4 }
		    END { printf "%s %s - - %s\n", r, l, c }' \
		    "$5" >"$5.res"
	else
		if [ "$3" = max ]; then g_rate=""; else g_rate="-Q $3"; fi
		# shellcheck disable=SC2086
		taskset -c "$GEN_CPU" "$O/tests/qblast" -s 127.0.0.1 -p "$4" \
		    -f "$q" -l "$SECS" -c 4 $g_rate >"$5" 2>&1 || true
		tr ' ' '\n' <"$5" | awk -F= '{ v[$1] = $2 }
		    END { printf "%s %s %s %s %s\n", v["qps"], v["lost"],
		        v["p50_ms"], v["p99_ms"], v["answered"] }' >"$5.res"
	fi
}

# measure SERVER LOAD RATE GEN PORT ROUND: one run, one row of $RUNS.
measure()
{
	out=$B/$1-$2-$3-$4-$6.out
	# DO loads on dnsd: its signature counters around the run (outside
	# the CPU time measured: dnsdctl's request costs dnsd some).
	m_sig="" m_nx="" m_file=$2
	case $1/$2 in dnsd/*+do | dnsd_b/*+do) m_sig=1 ;; esac
	if [ -n "$m_sig" ] && [ "$2" = nxdomain+do ]; then
		m_nx=1
		nx_file "$1"
		m_file=$NXFILE
	fi
	[ -z "$m_sig" ] || m_s0=$(sig_counts "$1")
	c0=$(cpu_ns "$SPID") w0=$(slices "$SPID")
	generate "$4" "$m_file" "$3" "$5" "$out"
	c1=$(cpu_ns "$SPID") w1=$(slices "$SPID")
	[ -z "$m_sig" ] || m_s1=$(sig_counts "$1")
	read -r qps lost p50 p99 answered <"$out.res" ||
	    die "$4 against $1 printed nothing usable ($out)"
	if [ -n "$m_nx" ]; then
		m_sent=$(tr ' ' '\n' <"$out" | sed -n 's/^sent=//p')
		eval "NXSENT_$1=\$((\${NXSENT_$1:-0} + ${m_sent:-0}))"
	fi
	[ -n "$answered" ] && [ "$answered" -gt 0 ] ||
	    die "$1 answered no $2 query from $4 ($out)"
	cpu=$(awk -v a="$c0" -v b="$c1" -v n="$answered" \
	    'BEGIN { printf "%.3f", (b - a) / 1000 / n }')
	# Queries answered per time on a CPU: what one wake-up pays for.
	qpw=$(awk -v a="$w0" -v b="$w1" -v n="$answered" \
	    'BEGIN { printf "%.2f", (b > a ? n / (b - a) : 0) }')
	m_load=$2
	[ "$3" = max ] || m_load="$2@100k"
	# dnsperf reports no percentiles: empty in the CSV.
	csv50=$p50 csv99=$p99
	[ "$p50" != - ] || csv50=""
	[ "$p99" != - ] || csv99=""
	# The signatures: signed, from the cache, per CPU second, hit rate
	# and answers truncated over the run (empty without counters).
	m_dnssec=",,,,"
	if [ -n "$m_sig" ]; then
		m_dnssec=$(echo "$m_s0 $m_s1" | awk -v a="$c0" -v b="$c1" '
		    $1 == "-" || $4 == "-" { print ",,,,"; exit }
		    {
			s = $4 - $1; c = $5 - $2
			printf ",%d,%d,%.0f,%s,%d\n", s, c,
			    (b > a ? s / ((b - a) / 1e9) : 0),
			    (s + c > 0 ? sprintf("%.4f", c / (s + c)) : ""),
			    $6 - $3
		    }')
	fi
	echo "$1,$m_load,$4,$6,$qps,$lost,$cpu,$csv50,$csv99,$qpw$m_dnssec" >>"$RUNS"
	printf '  %-6s %-16s %-8s %9.0f qps  lost %-6s %6.2f us/q  p50 %-6s p99 %-6s  %5.1f q/wake' \
	    "$1" "$m_load" "$4" "$qps" "$lost" "$cpu" "$p50" "$p99" "$qpw"
	echo "$m_dnssec" | awk -F, '$4 != "" {
		printf "  %.0f sig/s/core, hit %s%%", $4,
		    $5 == "" ? "-" : sprintf("%.1f", 100 * $5)
		if ($6 > 0) printf ", TC %d", $6
	}'
	echo
}

# settle PID: wait (at most 3 s) until it has stopped working off what the
# last run left queued, so that it does not eat into the next server's run.
settle()
{
	g_i=0
	g_prev=$(cpu_ns "$1")
	while [ $g_i -lt 30 ]; do
		sleep 0.1
		g_cur=$(cpu_ns "$1")
		[ $((g_cur - g_prev)) -gt 2000000 ] || return 0
		g_prev=$g_cur
		g_i=$((g_i + 1))
	done
}

# ---- one core each --------------------------------------------------------
# Every server is started once and they all stay up, idle but for the one
# being measured, so that the servers take turns run by run: whatever the
# VM does meanwhile falls on all of them alike.  ROUNDS rounds; the table
# and the CSV take each figure's median over the rounds.
for s in $SERVERS; do
	port=$("$O/tests/freeport")
	start "$s" "$port" 1 "$SRV_CPU"
	eval "PID_$s=$SPID PORT_$s=$port STARTUP_$s=$STARTUP"
	eval "RSS_$s=$(rss_mb "$SPID")"
	echo "bench: $s: started in ${STARTUP}s, RSS $(rss_mb "$SPID") MB" \
	    "(database $MMDB_MB MB)"
done
echo "server,load,generator,round,qps,lost,cpu_us_per_query,p50_ms,p99_ms,queries_per_wake,sigs_signed,sigs_cached,sigs_per_cpu_s,sig_hit_rate,truncated" >"$RUNS"
r=1
while [ $r -le "$ROUNDS" ]; do
	echo "bench: round $r of $ROUNDS:"
	for load in static geo ecs ecs+do nxdomain+do; do
		# dnsperf cannot saturate a server here: full speed is
		# qblast's alone.  Online signing: qblast only.
		if [ $load = nxdomain+do ]; then
			set -- "$RATE qblast" "max qblast"
		else
			set -- "$RATE dnsperf" "$RATE qblast" "max qblast"
		fi
		for run in "$@"; do
			# shellcheck disable=SC2086
			set -- $run
			for s in $SERVERS; do
				# The DO loads: no gdnsd, no knot (above).
				case $load/$s in
				*+do/gdnsd | *+do/knot) continue ;;
				esac
				eval "SPID=\$PID_$s port=\$PORT_$s"
				measure "$s" "$load" "$1" "$2" "$port" "$r"
				settle "$SPID"
			done
		done
	done
	r=$((r + 1))
done
rm -f "$B/nxdomain+do.next.bin"

# median(LIST): of the numbers in a space-separated list ("" if none),
# for the awk programs below.
AWK_MEDIAN='
function median(list, n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	if (n == 0) return ""
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}'

# The CSV: per server, load and generator, the median of each column over
# the rounds (lost: the most any round lost).
awk -F, -v rss="$(for s in $SERVERS; do eval "echo $s=\$RSS_$s"; done)" \
    -v st="$(for s in $SERVERS; do eval "echo $s=\$STARTUP_$s"; done)" "$AWK_MEDIAN"'
BEGIN {
	n = split(rss, x, "\n"); for (i = 1; i <= n; i++) { split(x[i], kv, "="); R[kv[1]] = kv[2] }
	n = split(st, x, "\n"); for (i = 1; i <= n; i++) { split(x[i], kv, "="); S[kv[1]] = kv[2] }
}
NR == 1 { next }
{
	k = $1 "," $2 "," $3
	if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
	qps[k] = qps[k] " " $5; cpu[k] = cpu[k] " " $7
	p50[k] = p50[k] " " $8; p99[k] = p99[k] " " $9
	sps[k] = sps[k] " " $13; hit[k] = hit[k] " " $14
	if (!(k in lost) || $6 + 0 > lost[k]) lost[k] = $6 + 0
}
END {
	print "server,load,generator,qps,lost,cpu_us_per_query,p50_ms,p99_ms,rss_mb,startup_s,sigs_per_cpu_s,sig_hit_rate"
	for (i = 1; i <= nk; i++) {
		k = order[i]; split(k, f, ",")
		m = median(sps[k]); h = median(hit[k])
		printf "%s,%.0f,%d,%.3f,%s,%s,%s,%s,%s,%s\n", k, median(qps[k]),
		    lost[k], median(cpu[k]), median(p50[k]), median(p99[k]),
		    R[f[1]], S[f[1]], m == "" ? "" : sprintf("%.0f", m),
		    h == "" ? "" : sprintf("%.4f", h)
	}
}' "$RUNS" >"$CSV"

# ---- reloads under load -----------------------------------------------------
case " $SERVERS " in *" dnsd "*)
	# The database is compiled again each time beside the serving one;
	# nothing may be lost.
	# shellcheck disable=SC2154 # PID_dnsd and PORT_dnsd: set by eval
	SPID=$PID_dnsd
	out=$B/dnsd-reload.out
	(
		# One SIGHUP at a time: a signal that comes while a reload
		# runs is merged into it.
		sleep 1
		for i in 1 2 3; do
			kill -HUP "$SPID"
			j=0
			while [ "$(grep -c 'reload: generation' \
			    "$B/dnsd.log")" -lt $i ] && [ $j -lt 100 ]; do
				sleep 0.1
				j=$((j + 1))
			done
		done
	) &
	hup=$!
	secs=$SECS
	SECS=$((SECS < 8 ? 8 : SECS))
	generate qblast ecs max "$PORT_dnsd" "$out"
	SECS=$secs
	wait $hup
	read -r qps lost _ _ answered <"$out.res"
	n=$(grep -c 'reload: generation' "$B/dnsd.log" || true)
	echo "bench: dnsd: $n reloads (of 3 asked) under full load:" \
	    "$answered answered, $lost lost, $qps qps"
	;;
esac
for s in $SERVERS; do
	eval "SPID=\$PID_$s"
	stop
done

# ---- two workers, both CPUs -------------------------------------------------
echo "bench: two workers on both CPUs (unpinned, generator too), ecs, qblast:"
for s in $SERVERS; do
	port=$("$O/tests/freeport")
	for w in 1 2; do
		start "$s" "$port" "$w" 0,1
		out=$B/$s-scale$w.out
		GEN_CPU=0,1 generate qblast ecs max "$port" "$out"
		read -r qps lost _ _ _ <"$out.res"
		eval "SCALE_${s}_$w=$qps"
		stop
	done
	eval "q1=\$SCALE_${s}_1 q2=\$SCALE_${s}_2"
	awk -v s="$s" -v a="$q1" -v b="$q2" 'BEGIN {
		printf "  %-6s 1 worker %8.0f qps, 2 workers %8.0f qps: x%.2f\n",
		    s, a, b, b / a }'
done

# ---- the table ----------------------------------------------------------------
# The CPU columns are the medians of summary.csv.  The ratio columns pair
# the servers round by round (their runs of a round follow one another, so
# a disturbance of the VM that lasts a while falls on all of them) and
# take the median of those ratios: a disturbed round moves it less than it
# moves a median taken per server.
echo
echo "CPU us per answered query (same generator, same offered rate;"
echo "ratios: median over the rounds of each round's ratio; the +do loads"
echo "(DNSSEC) run on the floor, dnsd and dnsd_b only):"
awk -F, "$AWK_MEDIAN"'
FNR == 1 { next }
FILENAME == ARGV[1] { key = $2 SUBSEP $3; cpu[$1, key] = $6; keys[key] = 1; next }
{ run[$1, $2 SUBSEP $3, $4] = $7; if ($4 > rounds) rounds = $4 }
# paired NAME KEY OP: the median over the rounds of dnsd OP NAME.
function paired(name, k, op, r, l, a, b) {
	l = ""
	for (r = 1; r <= rounds; r++) {
		a = run["dnsd", k, r]; b = run[name, k, r]
		if (a == "" || b == "" || (op == "/" && b <= 0)) continue
		l = l " " (op == "/" ? a / b : a - b)
	}
	return l == "" ? "-" : sprintf("%.2f", median(l))
}
END {
	printf "%-16s %-8s %7s %7s %7s %7s %8s %6s %7s %7s %7s\n", "load",
	    "gen", "dnsd", "floor", "gdnsd", "knot", "-floor", "/floor",
	    "/gdnsd", "/knot", "/dnsd_b"
	n = split("static@100k static geo@100k geo ecs@100k ecs " \
	    "ecs+do@100k ecs+do nxdomain+do@100k nxdomain+do", L, " ")
	for (i = 1; i <= n; i++) for (g = 1; g <= 2; g++) {
		gen = g == 1 ? "dnsperf" : "qblast"
		k = L[i] SUBSEP gen
		if (!(k in keys)) continue
		printf "%-16s %-8s %7s %7s %7s %7s %8s %6s %7s %7s %7s\n",
		    L[i], gen, cpu["dnsd", k], cpu["floor", k],
		    cpu["gdnsd", k], cpu["knot", k], paired("floor", k, "-"),
		    paired("floor", k, "/"), paired("gdnsd", k, "/"),
		    paired("knot", k, "/"), paired("dnsd_b", k, "/")
	}
}' "$CSV" "$RUNS"

# The DNSSEC figures of summary.csv: signatures made per second of
# dnsd's CPU, and the share of signatures that came from the cache.
awk -F, '
FNR == 1 { next }
$11 != "" || $12 != "" {
	if (!n++) {
		print ""
		print "DNSSEC signatures (dnsdctl stats before and after" \
		    " each run; medians of the rounds):"
		printf "%-16s %-8s %-7s %8s %12s %9s\n", "load", "gen",
		    "server", "us/q", "sig/s/core", "hit rate"
	}
	printf "%-16s %-8s %-7s %8s %12s %9s\n", $2, $3, $1, $6,
	    ($11 == "" ? "-" : $11),
	    ($12 == "" ? "-" : sprintf("%.1f%%", 100 * $12))
}' "$CSV"
echo
echo "bench: results in $CSV"
