#!/bin/sh
# 87_quorum: several probers, one decision.  Three edge-health processes
# (probers p1, p2, p3, each probing from its own source address with
# `source:`) feed one dnsd; four stand-in edges (tests/tools/fake_edge on
# 127.0.0.11..14); a London client (ECS 81.2.69.0/24) whose edges rank
# lon < ams < fra < nyc.  It all runs in a network namespace this test
# creates (and removes), where nftables rules cut one prober's paths.
# Covered (zones/README.md, health: down_when, isolation):
#   1. every prober fresh, every edge up by 0/3 votes; `dnsdctl probers`;
#   2. p1 loses its path to lon: lon stays up (1/3 down), the answer stays;
#   3. p2 too: lon goes down (2/3, a majority), the answer moves to ams;
#      explain shows the votes behind it;
#   4. the paths return: lon is back after rise;
#   5. p3 is cut off from every edge: it is isolated (logged once, in
#      `dnsdctl probers` and the metrics), no edge moves; its path
#      returns: it rejoins (logged once);
#   6. lon really down: every prober restarts in turn, without a state
#      file, while queries run: no answer changes (the other two outvote
#      the one that starts with every edge up);
#   7. a bad down_when is refused with file:line:col.

# ---- the namespace ----------------------------------------------------------
if [ -z "${T87_NETNS:-}" ]; then
	ns=t87-$$
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
	T87_NETNS=$ns ip netns exec "$ns" sh "$0" "$@"
	exit $?
fi

. "$(dirname "$0")/lib.sh"
EH=$T_O/bin/edge-health
CTL=$T_O/bin/dnsdctl
need nft "$EH" "$CTL" "$T_TOOLS/fake_edge" "$T_TOOLS/httpget"

INTERVAL_MS=200
FALL=2
RISE=2
SLACK_MS=3000
DOWN_MS=$((FALL * (INTERVAL_MS * 11 / 10 + 150) + SLACK_MS))
UP_MS=$((RISE * INTERVAL_MS * 11 / 10 + SLACK_MS))
LONDON=81.2.69.0/24
SRC1=127.0.1.1
SRC2=127.0.1.2
SRC3=127.0.1.3

fix=$(t_fixture)
CONF=$fix/dnsd.yaml
t_mkmmdb "$fix/networks.txt" "$fix/geo.mmdb"

ports=$(free_ports 5) || exit 1
read -r P_lon P_ams P_fra P_nyc P_METRICS <<PORTS
$ports
PORTS
echo "metrics: 127.0.0.1:$P_METRICS" >>"$CONF"

# eh_conf N SRC: prober pN's configuration
eh_conf()
{
	sed -e "s/@PROBER@/p$1/" -e "s/@SRC@/$2/" -e "s/@P_LON@/$P_lon/" \
	    -e "s/@P_AMS@/$P_ams/" -e "s/@P_FRA@/$P_fra/" \
	    -e "s/@P_NYC@/$P_nyc/" "$fix/edge-health.yaml" >"$fix/eh$1.yaml" ||
		bail "cannot write eh$1.yaml"
	"$EH" -n -c "$fix/eh$1.yaml" >"$T_TMP/eh-n.out" 2>&1 ||
		bail "edge-health -n eh$1.yaml: $(cat "$T_TMP/eh-n.out")"
}
eh_conf 1 $SRC1
eh_conf 2 $SRC2
eh_conf 3 $SRC3

# ans: the edge answering cdn A for London ("timeout", "RCODE:")
ans()
{
	geo_addrs "$LONDON" cdn.example.net |
	    sed -e 's/^127\.0\.0\.11$/lon/' -e 's/^127\.0\.0\.12$/ams/' \
	        -e 's/^127\.0\.0\.13$/fra/' -e 's/^127\.0\.0\.14$/nyc/' |
	    tr '\n' ' ' | sed 's/ $//'
}

# edge EDGE: "PROBED EFFECTIVE VOTES" of EDGE in `dnsdctl edges`
# (VOTES: "1/3 down", or "-")
edge()
{
	ctl edges | awk -v e="$1" '$1 == e {
		v = $11; for (i = 12; i <= NF; i++) v = v " " $i
		print $2, $4, v }'
}

# prober NAME: "STATE VOTES" of prober NAME in `dnsdctl probers`
prober()
{
	ctl probers | awk -v p="$1" '$1 == p { print $2, $3 }'
}

# prober_row NAME: "STATE VOTES EDGES DOWN ISOLATIONS" of prober NAME
prober_row()
{
	ctl probers | awk -v p="$1" '$1 == p { print $2, $3, $4, $5, $8 }'
}

# until MAX_MS WANT CMD...: poll CMD (bounded in count and time) until it
# prints WANT; sets WAITED_MS and GOT
until_is()
{
	_max=$1
	_want=$2
	shift 2
	_t0=$(now_ms)
	_i=0
	while [ $_i -lt $((_max / 50 + 10)) ]; do
		GOT=$("$@")
		WAITED_MS=$(($(now_ms) - _t0))
		[ "$GOT" = "$_want" ] && return 0
		[ $WAITED_MS -le "$_max" ] || break
		sleep 0.05
		_i=$((_i + 1))
	done
	diag "$*: waited $WAITED_MS ms for \"$_want\", got \"$GOT\""
	return 1
}

# start_eh N: start prober pN (pid in EH_PID_N)
start_eh()
{
	"$EH" -c "$fix/eh$1.yaml" >>"$T_TMP/eh$1.log" 2>&1 &
	eval "EH_PID_$1=$!"
	T_PIDS="$T_PIDS $!"
}

# stop_eh N: SIGTERM prober pN, wait for it (bounded)
stop_eh()
{
	eval "_p=\$EH_PID_$1"
	t_reap "$_p" || diag "edge-health p$1 did not stop in time"
}

# block SRC DST: drop what SRC sends to DST; unblock: drop nothing
nft add table inet t87 &&
	nft add chain inet t87 out '{ type filter hook output priority 0; }' ||
	bail "nftables: cannot add the test's table"
block()
{
	nft add rule inet t87 out ip saddr "$1" ip daddr "$2" drop ||
		bail "nftables: cannot block $1 -> $2"
}
unblock()
{
	nft flush chain inet t87 out || bail "nftables: cannot flush"
}

count()
{
	grep -c "$2" "$1" 2>/dev/null || true
}

# ---- 1. three probers, everything up -----------------------------------------
t_fake_edge lon -b OK "127.0.0.11:$P_lon"
t_fake_edge ams -b OK "127.0.0.12:$P_ams"
t_fake_edge fra -b OK "127.0.0.13:$P_fra"
t_fake_edge nyc -b OK "127.0.0.14:$P_nyc"
start_dnsd "$CONF" || bail "dnsd does not start"
start_eh 1
start_eh 2
start_eh 3
for p in p1 p2 p3; do
	check "1. $p is fresh and votes" until_is $UP_MS "fresh yes" prober $p
done
for e in lon ams fra nyc; do
	check "1. $e: up, by 0/3 down" until_is $UP_MS "up up 0/3 down" edge $e
done
is "$(ans)" lon "1. London gets lon"
like "$(ctl probers)" '^PROBER +STATE +VOTES +EDGES +DOWN +LAST_MESSAGE' \
    "1. dnsdctl probers has its header"
like "$(ctl probers | awk '$1 == "p2"')" \
    '^p2 +fresh +yes +4 +0 +20[0-9-]+T[0-9:]+Z +[0-9.]+s +0 +[0-9a-f]{16}$' \
    "1. p2's row: 4 edges, none down, never isolated, its boot"

# ---- 2, 3, 4. one path, two paths, back ---------------------------------------
block $SRC1 127.0.0.11
check "2. p1 finds lon down: 1/3 down, lon stays up" \
    until_is $DOWN_MS "up up 1/3 down" edge lon
is "$(ans)" lon "2. London still gets lon"
block $SRC2 127.0.0.11
check "3. p2 too: 2/3 down, lon is down" \
    until_is $DOWN_MS "down down 2/3 down" edge lon
check "3. London moves to ams" until_is 2000 ams ans
like "$(ctl explain $LONDON cdn.example.net A)" \
    'votes 2/3 down: p1=down p2=down p3=up' \
    "3. explain shows the votes behind lon's state"
like "$(ctl explain $LONDON cdn.example.net A json)" \
    '"votes": \{"down": 2, "voters": 3, "probers": "p1=down p2=down p3=up"\}' \
    "3. explain --json too"
unblock
check "4. the paths return: lon is up again" \
    until_is $UP_MS "up up 0/3 down" edge lon
check "4. London gets lon again" until_is 2000 lon ans

# ---- 5. one prober cut off from every edge ------------------------------------
n_iso=$(count "$DNSD_LOG" 'prober p3 isolated')
block $SRC3 127.0.0.0/24
check "5. p3 finds everything down: isolated" \
    until_is $DOWN_MS "isolated no" prober p3
for e in lon ams fra nyc; do
	check "5. $e stays up, by the two others (0/2 down)" \
	    until_is 1000 "up up 0/2 down" edge $e
done
is "$(ans)" lon "5. London still gets lon"
like "$(ctl explain $LONDON cdn.example.net A)" \
    'votes 0/2 down: p1=up p2=up p3=down\(isolated\)' \
    "5. explain shows p3's vote set aside"
like "$(ctl probers | awk '$1 == "p3"')" '^p3 +isolated +no +4 +4 ' \
    "5. dnsdctl probers: p3 isolated, 4 of 4 edges down"
is "$(count "$DNSD_LOG" 'prober p3 isolated')" $((n_iso + 1)) \
    "5. logged once"
"$T_TOOLS/httpget" -w 2000 "$LOOP4:$P_METRICS" /metrics >"$T_TMP/m" \
    2>&1 || diag "httpget: $(cat "$T_TMP/m")"
like "$(cat "$T_TMP/m")" '^dnsd_prober_isolated\{prober="p3"\} 1$' \
    "5. metrics: dnsd_prober_isolated{p3} 1"
like "$(cat "$T_TMP/m")" '^dnsd_prober_isolations_total\{prober="p3"\} 1$' \
    "5. metrics: one isolation of p3 counted"
like "$(cat "$T_TMP/m")" '^dnsd_prober_edge_up\{prober="p3",edge="lon"\} 0$' \
    "5. metrics: p3's own view (lon down)"
like "$(cat "$T_TMP/m")" '^dnsd_edge_voters\{edge="lon"\} 2$' \
    "5. metrics: two voters on lon"
unblock
check "5. its path returns: p3 rejoins" until_is $UP_MS "fresh yes" prober p3
check "5. p3 votes lon up again (0/3 down)" \
    until_is $UP_MS "up up 0/3 down" edge lon
is "$(count "$DNSD_LOG" 'prober p3 rejoins the vote')" 1 \
    "5. the rejoin is logged once"
check "5. dnsdctl probers: p3 finds nothing down, and counts one isolation" \
    until_is $UP_MS "fresh yes 4 0 1" prober_row p3

# ---- 6. restarts in turn while lon is down ------------------------------------
t_reap "$FAKE_lon" || bail "cannot stop lon's stand-in"
check "6. lon really down: 3/3 down" \
    until_is $DOWN_MS "down down 3/3 down" edge lon
check "6. London gets ams" until_is 2000 ams ans
: >"$T_TMP/answers"
(
	_i=0
	while [ $_i -lt 2000 ] && [ ! -e "$T_TMP/stop" ]; do
		dig +short +tries=1 +time=1 +subnet=$LONDON @$LOOP4 \
		    -p "$DNSD_PORT" cdn.example.net A 2>&1 |
		    sed -e 's/^127\.0\.0\.11$/lon/' -e 's/^127\.0\.0\.12$/ams/' \
		        >>"$T_TMP/answers"
		sleep 0.01
		_i=$((_i + 1))
	done
) &
LOOP=$!
for n in 1 2 3; do
	stop_eh $n
	start_eh $n
	check "6. p$n restarted: fresh again" \
	    until_is $UP_MS "fresh yes" prober p$n
	check "6. p$n finds lon down again: 3/3" \
	    until_is $DOWN_MS "down down 3/3 down" edge lon
	sleep 0.5
done
touch "$T_TMP/stop"
t_reap "$LOOP" >/dev/null 2>&1 || wait "$LOOP"
n_ans=$(wc -l <"$T_TMP/answers")
check "6. the queries went on meanwhile ($n_ans answers)" test "$n_ans" -ge 20
is "$(sort -u "$T_TMP/answers" | tr '\n' ' ')" "ams " \
    "6. $n_ans answers during three restarts, every one ams"
like "$(grep -c 'prober p[123] restarted' "$DNSD_LOG")" '^3$' \
    "6. dnsd saw each prober restart (a new boot)"

# ---- 7. a bad vote rule -------------------------------------------------------
sed 's/down_when: majority/down_when: most/' "$CONF" >"$fix/bad.yaml"
"$DNSD" -n -c "$fix/bad.yaml" >"$T_TMP/bad.out" 2>&1
is "$?" 1 "7. dnsd -n refuses down_when: most"
like "$(cat "$T_TMP/bad.out")" \
    'bad\.yaml:12:14: health: down_when: "most": expected all, majority or a number' \
    "7. with file:line:col and the allowed values"

for n in 1 2 3; do
	stop_eh $n
done
stop_dnsd
done_testing
