#!/bin/sh
# 41_tcp_floods: a public face that holds.  dnsd (two workers, a cap of
# tcp_max_clients per worker, a short tcp_idle_timeout) under three TCP
# floods from tests/tools/tcpflood, each while a UDP client queries all
# along (qloop), sampling dnsd's resident memory (VmRSS), its descriptors
# and its sockets (ss) every 150 ms.  Covered (RFC 7766 §6.2.2, §6.2.3;
# zones/README.md: tcp_max_clients, tcp_idle_timeout):
#   1. idle connections: 3000 connections that send nothing.  dnsd holds at
#      most the cap (and the flood does reach it), closes the rest at once
#      and counts them, its memory stays bounded, UDP is answered (and a burst
#      of 200 queries in full), a fresh TCP client is refused while the cap
#      is held and served once the idle ones time out, within the idle
#      timeout and some slack; every idle connection is closed by dnsd;
#   2. slow readers: 100 connections each pipeline 2000 queries for a 7 KB
#      answer (13 MB each) and never read: dnsd stops reading them once
#      their unsent answers pass its high mark, so its memory stays
#      bounded; UDP and fresh TCP clients are answered meanwhile; each
#      slow reader is closed by dnsd when its writes have made no progress
#      for the idle timeout (counted as a timeout);
#   3. half-open handshakes: 3000 handshakes from 127.0.0.66 of which
#      nftables lets only the SYNs through, so they stay in SYN-RECV and
#      fill the SYN queues (the kernel answers with SYN cookies past that):
#      dnsd accepts none of them, its memory stays bounded, and UDP and TCP
#      clients from 127.0.0.2 are answered.
# Also a client that pipelines more answers than the high mark and reads
# them all is served in full.
# The figures (connections, descriptors, memory before/peak/after, the
# kernel's send queues, times) are printed as diagnostics.  It all runs in
# a network namespace this test creates (and removes): its own loopback,
# SYN queues and nftables.

# ---- the namespace ----------------------------------------------------------
if [ -z "${T41_NETNS:-}" ]; then
	ns=t41-$$
	if ! command -v ip >/dev/null 2>&1; then
		echo "1..1"
		echo "not ok 1 - missing tool ip (iproute2: make deps-check)"
		exit 1
	fi
	if ! ip netns add "$ns" 2>"/tmp/$ns.err"; then
		echo "1..1"
		echo "not ok 1 - create a network namespace (needs root and" \
		    "iproute2): $(cat "/tmp/$ns.err")"
		rm -f "/tmp/$ns.err"
		exit 1
	fi
	rm -f "/tmp/$ns.err"
	trap 'ip netns del "$ns" 2>/dev/null' EXIT
	trap 'exit 1' INT TERM
	ip netns exec "$ns" ip link set lo up
	T41_NETNS=$ns ip netns exec "$ns" sh "$0" "$@"
	exit $?
fi

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
FLOOD=$T_TOOLS/tcpflood
need ss nft "$FLOOD" "$T_TOOLS/qloop" "$T_O/bin/dnsdctl"

IDLE_N=3000		# idle connections
SLOW_N=100		# slow readers
SLOW_Q=2000		# queries each slow reader pipelines
SLOW_RCVBUF=4096	# a slow reader's receive buffer: a tiny window
HALF_N=3000		# half-open handshakes
LEGIT_N=10		# TCP clients from LEGIT_SRC during the half-open flood
RSS_MAX_MB=64		# dnsd's memory may grow at most this much in a flood
UDP_BURST=200		# UDP queries sent at once during the idle flood
# Each flood comes from an address of its own, the clients under test from
# 127.0.0.1 (LEGIT_SRC in 3.), so none picks a port pair still held by a
# flood connection dnsd has closed (FIN_WAIT2, TIME_WAIT): such a SYN is
# answered with an ACK, and the handshake waits a second to retry
IDLE_SRC=127.0.0.64
SLOW_SRC=127.0.0.65
HALF_SRC=127.0.0.66
LEGIT_SRC=127.0.0.2
Z=example.net
BIG_AN=32		# records in big.example.net TXT (the fixture)

fix=$(t_fixture)
CONF=$fix/dnsd.yaml
idle_s=$(sed -n 's/^ *tcp_idle_timeout: *\([0-9]*\)s *$/\1/p' "$CONF")
cap=$(sed -n 's/^ *tcp_max_clients: *\([0-9]*\) *$/\1/p' "$CONF")
workers=$(sed -n 's/^ *workers: *\([0-9]*\) *$/\1/p' "$CONF")
if [ -z "$idle_s" ] || [ -z "$cap" ] || [ -z "$workers" ]; then
	bail "fixture lacks workers or tcp settings"
fi
idle_ms=$((idle_s * 1000))
held=$((cap * workers))	# the most client connections dnsd may hold
lo=$((idle_ms - 200))		# an idle timeout seen by a client, at least
hi=$((idle_ms + T_IDLE_SLACK_MS))	# ... and at most

# SYN cookies on, as by default, so the SYN queue overflow is handled the
# usual way whatever the host's namespace says (this namespace's setting)
echo 1 >/proc/sys/net/ipv4/tcp_syncookies ||
	bail "cannot set net.ipv4.tcp_syncookies in the namespace"

# Under AddressSanitizer (make check SAN=...), freed memory waits in a
# quarantine of 256 MB before reuse, which the slow readers' buffers would
# fill: keep it small so that RSS measures what dnsd holds (ignored by a
# build without ASan)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4
export ASAN_OPTIONS
start_dnsd "$CONF" || bail "dnsd does not start"

# ---- measures ---------------------------------------------------------------
rss_kb()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$DNSD_PID/status"
}

# fdlist FILE: what dnsd's descriptors point to, sorted, into FILE
fdlist()
{
	find "/proc/$DNSD_PID/fd" -mindepth 1 -printf '%l\n' 2>/dev/null |
	    LC_ALL=C sort >"$1"
}

# nfds [TAG]: the descriptors dnsd holds (each client connection is one).
# Listed twice, 50 ms apart, and only those in both lists count: a
# connection over the cap is accepted and closed in one step, and the
# descriptor of one that timed out is closed by libevent a moment after
# its slot is free, so a single listing taken in such an instant counts a
# connection dnsd does not hold (TAG: temporary files of a caller running
# alongside)
nfds()
{
	fdlist "$T_TMP/fds.${1:-m}.a"
	sleep 0.05
	fdlist "$T_TMP/fds.${1:-m}.b"
	LC_ALL=C comm -12 "$T_TMP/fds.${1:-m}.a" "$T_TMP/fds.${1:-m}.b" | wc -l
}

# mb KB: kilobytes as megabytes, one decimal
mb()
{
	awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

# tcpstats: dnsd's "ACCEPTED REJECTED TIMEOUTS" TCP counters
tcpstats()
{
	ctl stats | awk '$1 == "tcp.accepted" { a = $2 }
	    $1 == "tcp.rejected" { r = $2 } $1 == "tcp.timeouts" { t = $2 }
	    END { print a + 0, r + 0, t + 0 }'
}

# delta FIELD BEFORE AFTER: the growth of field FIELD (1..3) of tcpstats
delta()
{
	echo $(($(echo "$3" | cut -d' ' -f"$1") - $(echo "$2" | cut -d' ' -f"$1")))
}

# kv LINE KEY: the value of KEY=VALUE in a tcpflood line
kv()
{
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# syncookies: SYN cookies the kernel (this namespace) has sent
syncookies()
{
	awk '$1 == "TcpExt:" { if (!n) { for (i = 2; i <= NF; i++)
	    if ($i == "SyncookiesSent") c = i; n = 1 } else print $c }' \
	    /proc/net/netstat
}

# sampler FILE: about every 150 ms (bounded: 600 samples), until FILE.stop
# exists, one line "RSS_KB FDS ESTAB SYN_RECV SENDQ_OCTETS": dnsd's memory
# and descriptors, and its port's sockets (established, SYN-RECV, and the
# octets its established ones have queued to send)
sampler()
{
	_si=0
	while [ ! -e "$1.stop" ] && [ $_si -lt 600 ]; do
		_sr=$(rss_kb)
		_sf=$(nfds s)
		_ss=$(ss -Htan "( sport = :$DNSD_PORT )" | awk '
		    $1 == "ESTAB" { e++; q += $3 } $1 == "SYN-RECV" { s++ }
		    END { printf "%d %d %d", e, s, q }')
		echo "$_sr $_sf $_ss" >>"$1"
		sleep 0.1
		_si=$((_si + 1))
	done
}

sampler_start()
{
	SAMPLES=$T_TMP/samples.$1
	: >"$SAMPLES"
	sampler "$SAMPLES" &
	SAMPLER=$!
	T_PIDS="$T_PIDS $SAMPLER"
}

sampler_stop()
{
	touch "$SAMPLES.stop"
	wait "$SAMPLER" 2>/dev/null
	_n=""
	for _p in $T_PIDS; do
		[ "$_p" = "$SAMPLER" ] || _n="$_n $_p"
	done
	T_PIDS=$_n
}

# smax COLUMN: the largest value of a column of the last samples
smax()
{
	awk -v c="$1" '$c > m { m = $c } END { print m + 0 }' "$SAMPLES"
}

# flood NAME ARG...: start tcpflood ARG... in the background, output in
# $T_TMP/flood.NAME, and wait (bounded) until it has opened its
# connections; sets FLOOD_PID, FLOOD_OUT, READY (its "ready" line)
flood()
{
	FLOOD_OUT=$T_TMP/flood.$1
	shift
	"$FLOOD" "$@" >"$FLOOD_OUT" 2>&1 &
	FLOOD_PID=$!
	T_PIDS="$T_PIDS $FLOOD_PID"
	wait_log "$FLOOD_OUT" '^ready ' ||
		bail "tcpflood does not open its connections: $(cat "$FLOOD_OUT")"
	READY=$(grep '^ready ' "$FLOOD_OUT")
}

# flood_end: wait for tcpflood (bounded by its -d); its summary line in SUM
flood_end()
{
	wait "$FLOOD_PID"
	_st=$?
	_n=""
	for _p in $T_PIDS; do
		[ "$_p" = "$FLOOD_PID" ] || _n="$_n $_p"
	done
	T_PIDS=$_n
	[ $_st -eq 0 ] || bail "tcpflood failed ($_st): $(cat "$FLOOD_OUT")"
	SUM=$(grep '^opened=' "$FLOOD_OUT")
}

# udp_loop NAME SECONDS: qloop at 200 queries/s for SECONDS, output in
# $T_TMP/qloop.NAME; pid in QLOOP
udp_loop()
{
	QLOOP_OUT=$T_TMP/qloop.$1
	"$T_TOOLS/qloop" -d "$2" -r 200 -w 1000 -a "$LOOP4" "$DNSD_PORT" \
	    www.$Z A >"$QLOOP_OUT" 2>&1 &
	QLOOP=$!
	T_PIDS="$T_PIDS $QLOOP"
}

# udp_loop_check WHAT: wait for qloop (bounded by its -d), one test point
udp_loop_check()
{
	wait "$QLOOP"
	like "$(cat "$QLOOP_OUT")" \
	    '^sent [1-9][0-9]+ answered [1-9][0-9]+ failed 0 timeouts 0$' \
	    "$1: UDP answered all along ($(head -n 1 "$QLOOP_OUT"))"
}

# back_to FDS WHAT: dnsd's descriptors come back to FDS (bounded, 3 s)
back_to()
{
	_i=0
	while [ "$(nfds)" -ne "$1" ] && [ $_i -lt 30 ]; do
		sleep "$T_POLL"
		_i=$((_i + 1))
	done
	is "$(nfds)" "$1" "$2: dnsd holds none of the connections afterwards"
}

# tcp_ok [DIG-ARG...]: one TCP query for www answered (dig, 1 s)
tcp_ok()
{
	[ "$(dig +tcp +norec +tries=1 +time=1 @"$LOOP4" -p "$DNSD_PORT" "$@" \
	    www.$Z A +short 2>/dev/null)" = 192.0.2.10 ]
}

r=$(q -t big.$Z TXT)
is "$(hdr "$r" an)" $BIG_AN "big.$Z TXT: $BIG_AN records over TCP ($(hdr "$r" size) octets)"
size_big=$(hdr "$r" size)
base_rss=$(rss_kb)
base_fds=$(nfds)
diag "dnsd: $workers workers, tcp_max_clients $cap each (at most $held" \
    "client connections), tcp_idle_timeout ${idle_s}s;" \
    "RSS at start $(mb "$base_rss") MB, $base_fds descriptors"

# ---- 1. thousands of idle connections ---------------------------------------
# the burst: one query, UDP_BURST times (built before the clock runs)
qhex=$(hexquery 4661 www.$Z 1)
i=0
while [ $i -lt $UDP_BURST ]; do
	echo "$qhex"
	i=$((i + 1))
done >"$T_TMP/burst"
s0=$(tcpstats)
rss0=$(rss_kb)
sampler_start idle
udp_loop idle 4
flood idle -n $IDLE_N -d 6 -b $IDLE_SRC "$LOOP4" "$DNSD_PORT"
t_ready=$(now_ms)
# a fresh TCP client: refused while the cap is held (first try, at once),
# then served once the idle ones time out (polls bounded in count, time)
refused=0
tcp_ok || refused=1
held_now=$(($(nfds) - base_fds))
r=$(t_dig +short www.$Z A)
is "$r" 192.0.2.10 "1. idle flood: a UDP query is answered ($held_now connections held)"
r=$("$T_TOOLS/rawq" -F "$T_TMP/burst" -w 1000 "$LOOP4" "$DNSD_PORT" 2>&1)
is "$r" "sent $UDP_BURST replies $UDP_BURST" \
    "1. idle flood: a burst of $UDP_BURST UDP queries is answered in full"
served_ms=""
i=0
while [ $refused -ge 1 ] && [ $i -lt 100 ]; do
	if tcp_ok; then
		served_ms=$(($(now_ms) - t_ready))
		break
	fi
	refused=$((refused + 1))
	[ $(($(now_ms) - t_ready)) -le $((idle_ms + T_IDLE_SLACK_MS * 2)) ] ||
		break
	sleep "$T_POLL"
	i=$((i + 1))
done
check "1. a fresh TCP client is refused while the cap is held ($refused tries)" \
    test $refused -ge 1
check "1. and served once the idle ones time out: after ${served_ms:-never} ms (idle timeout $idle_ms ms)" \
    test -n "$served_ms" -a "${served_ms:-0}" -le $((idle_ms + T_IDLE_SLACK_MS))
flood_end
udp_loop_check "1. idle flood"
sampler_stop
s1=$(tcpstats)
max_conns=$(($(smax 2) - base_fds))
check "1. the cap holds: dnsd held at most $held connections (max seen $max_conns)" \
    test $max_conns -le $held
is "$max_conns" "$held" "1. the flood reached the cap"
is "$(kv "$SUM" connected)/$(kv "$SUM" closed)/$(kv "$SUM" open_at_end)" \
    "$IDLE_N/$IDLE_N/0" \
    "1. all $IDLE_N connected, and dnsd closed every one (none left open)"
rej=$(delta 2 "$s0" "$s1")
check "1. the connections over the cap are closed at once and counted ($rej rejected)" \
    test "$rej" -ge $((IDLE_N - held)) -a "$(kv "$SUM" at_once)" -ge $((IDLE_N - held))
tmo=$(delta 3 "$s0" "$s1")
check "1. the held ones are closed at the idle timeout ($tmo timeouts, closed $(kv "$SUM" later_min_ms)..$(kv "$SUM" later_max_ms) ms after connecting)" \
    test "$tmo" -ge $held -a "$(kv "$SUM" later_min_ms)" -ge $lo \
    -a "$(kv "$SUM" later_max_ms)" -le $hi
peak=$(smax 1)
check "1. dnsd's memory stays bounded: RSS $(mb "$rss0") -> peak $(mb "$peak") MB (under +$RSS_MAX_MB MB)" \
    test $((peak - rss0)) -lt $((RSS_MAX_MB * 1024))
back_to "$base_fds" "1. idle flood"
diag "idle flood: $IDLE_N connections opened ($READY)," \
    "max established seen by ss $(smax 3), dnsd held at most $max_conns" \
    "(cap $held), $rej rejected at once, $tmo idle timeouts;" \
    "RSS before $(mb "$rss0") MB, peak $(mb "$peak") MB, after $(mb "$(rss_kb)") MB;" \
    "a fresh TCP client refused $refused times, then served" \
    "${served_ms:-never} ms after the flood had opened its connections"

# ---- 2. slow readers --------------------------------------------------------
s0=$(tcpstats)
rss0=$(rss_kb)
sampler_start slow
udp_loop slow 6
flood slow -n $SLOW_N -d 10 -b $SLOW_SRC -r $SLOW_RCVBUF -q $SLOW_Q \
    "$LOOP4" "$DNSD_PORT" big.$Z TXT
sleep 0.5 # the readers' windows and dnsd's buffers fill
held_now=$(($(nfds) - base_fds))
r=$(t_dig +short www.$Z A)
is "$r" 192.0.2.10 "2. slow readers: a UDP query is answered ($held_now readers held)"
ok_n=0
worst=0
i=0
while [ $i -lt 5 ]; do
	t0=$(now_ms)
	r=$(q -t big.$Z TXT)
	t1=$(($(now_ms) - t0))
	[ $t1 -gt $worst ] && worst=$t1
	[ "$(hdr "$r" an)" = $BIG_AN ] && ok_n=$((ok_n + 1))
	i=$((i + 1))
done
is "$ok_n" 5 "2. slow readers: 5 fresh TCP clients get the big answer in full (slowest $worst ms)"
flood_end
udp_loop_check "2. slow readers"
sampler_stop
s1=$(tcpstats)
is "$(kv "$SUM" connected)/$(kv "$SUM" closed)/$(kv "$SUM" open_at_end)" \
    "$SLOW_N/$SLOW_N/0" "2. dnsd closed every slow reader (none left open)"
check "2. ... none before the idle timeout (closed $(kv "$SUM" later_min_ms)..$(kv "$SUM" later_max_ms) ms after connecting)" \
    test "$(kv "$SUM" later_min_ms)" -ge $lo
tmo=$(delta 3 "$s0" "$s1")
check "2. each counted as a timeout ($tmo)" test "$tmo" -ge $SLOW_N
peak=$(smax 1)
per=$(((peak - rss0) / SLOW_N))
check "2. dnsd's memory stays bounded: RSS $(mb "$rss0") -> peak $(mb "$peak") MB, $per KB a reader (under +$RSS_MAX_MB MB)" \
    test $((peak - rss0)) -lt $((RSS_MAX_MB * 1024))
back_to "$base_fds" "2. slow readers"
written=$(kv "$SUM" queries_written)
sendq=$(($(smax 5) / 1024))
# dnsd sets each connection's SO_SNDBUF (net_tcp.c TCP_SNDBUF, 128 KiB,
# which the kernel doubles): left alone it grows towards tcp_wmem's 4 MB
check "2. the kernel's send queues stay bounded: $((sendq / SLOW_N)) KB a reader (at most 512)" \
    test $((sendq / SLOW_N)) -le 512
diag "slow readers: $SLOW_N connections, $written queries written" \
    "($((written * size_big / 1048576)) MB of answers asked, never read);" \
    "RSS before $(mb "$rss0") MB, peak $(mb "$peak") MB" \
    "($per KB a reader), after $(mb "$(rss_kb)") MB;" \
    "the kernel's send queues of dnsd's sockets peaked at $(mb $sendq) MB" \
    "($((sendq / SLOW_N)) KB a reader); closed by dnsd" \
    "$(kv "$SUM" later_min_ms)..$(kv "$SUM" later_max_ms) ms after connecting," \
    "$(kv "$SUM" stall_max_ms) ms at most after their own last write;" \
    "fresh TCP clients answered in at most $worst ms"

# A client that pipelines more answers than dnsd's high mark (TCP_OUT_HIGH,
# 256 KiB) and reads them all: dnsd pauses reading it, and on resuming
# answers the queries it had already read (RFC 7766 §6.2.1.1), all of them.
n_pipe=60
r=$(rawq -t -n $n_pipe -w $((idle_ms + T_IDLE_SLACK_MS)) -f \
    "$(hexquery 4660 big.$Z 16)" 2>&1)
got=$(printf '%s\n' "$r" | grep -c '^id=4660 rcode=0 ')
is "$got" $n_pipe \
    "2. $n_pipe pipelined queries for the big answer, all read: all answered" ||
	diag "$got of $n_pipe answered, then:" \
	    "$(printf '%s\n' "$r" | grep -v '^id=' | sort | uniq -c)"

# ---- 3. half-open handshakes ------------------------------------------------
if ! nft add table inet t41 ||
    ! nft add chain inet t41 out '{ type filter hook output priority 0; }' ||
    ! nft add rule inet t41 out ip saddr $HALF_SRC tcp dport "$DNSD_PORT" \
    'tcp flags & (syn | ack) != syn' drop; then
	bail "nftables: cannot drop what $HALF_SRC sends but its SYNs"
fi
s0=$(tcpstats)
rss0=$(rss_kb)
c0=$(syncookies)
sampler_start half
udp_loop half 3
flood half -n $HALF_N -d 3.5 -b $HALF_SRC "$LOOP4" "$DNSD_PORT"
sleep 0.3 # let the SYN queues fill
ok_n=0
worst=0
i=0
while [ $i -lt $LEGIT_N ]; do
	t0=$(now_ms)
	tcp_ok -b $LEGIT_SRC && ok_n=$((ok_n + 1))
	t1=$(($(now_ms) - t0))
	[ $t1 -gt $worst ] && worst=$t1
	sleep "$T_POLL"
	i=$((i + 1))
done
is "$ok_n" $LEGIT_N "3. half-open flood: $LEGIT_N TCP clients from $LEGIT_SRC answered (slowest $worst ms)"
r=$(t_dig +short www.$Z A)
is "$r" 192.0.2.10 "3. half-open flood: a UDP query is answered"
flood_end
udp_loop_check "3. half-open flood"
sampler_stop
s1=$(tcpstats)
c1=$(syncookies)
synrecv=$(smax 4)
check "3. the flood filled the SYN queues ($synrecv in SYN-RECV at most, $((c1 - c0)) SYN cookies sent)" \
    test "$synrecv" -ge 1000
is "$(delta 1 "$s0" "$s1")" $LEGIT_N \
    "3. dnsd accepted only the $LEGIT_N real clients, none of the $HALF_N half-open"
max_conns=$(($(smax 2) - base_fds))
check "3. dnsd's descriptors did not grow (at most $max_conns more)" \
    test $max_conns -le 1
peak=$(smax 1)
check "3. dnsd's memory stays bounded: RSS $(mb "$rss0") -> peak $(mb "$peak") MB (under +$RSS_MAX_MB MB)" \
    test $((peak - rss0)) -lt $((RSS_MAX_MB * 1024))
diag "half-open flood: $HALF_N handshakes from $HALF_SRC ($READY)," \
    "at most $synrecv in SYN-RECV, $((c1 - c0)) SYN cookies sent;" \
    "RSS before $(mb "$rss0") MB, peak $(mb "$peak") MB, after $(mb "$(rss_kb)") MB;" \
    "$ok_n of $LEGIT_N TCP clients from $LEGIT_SRC answered, slowest in $worst ms"
nft delete table inet t41 || diag "nftables: cannot delete the test's table"

check "dnsd still running" t_alive "$DNSD_PID"
stop_dnsd
done_testing
