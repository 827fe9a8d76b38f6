#!/bin/sh
# 85_steering: weights, sticky spreading, load shedding, ramps and timed
# drains, on a real dnsd fed by a real edge-health that probes a stand-in
# edge (tests/tools/fake_edge) whose health-check body reports its load.
# Every client is in London (81.0.0.0/8); tests/tools/qmap asks once per
# client /24 and prints the address each one got and the ECS scope.
#   A. lon1 (weight 3) and lon2 (weight 1) share London's tier: over
#      20,000 client /24s the split is 75/25 within 3 points; lon3
#      (weight 0) gets nobody; every answer's scope is /24; one /24 asked
#      100 times always gets the same edge; addresses inside a returned
#      scope get the answer of their /24.
#   B. A tier of three (par1..3): draining par3 moves only its clients.
#   C. lon1 reports load 0.95: its share falls a step per feed round to
#      min_share (0.75, 0.50, 0.25, logged), the clients it sheds go to
#      lon2 with scope /24 and none comes to it; load 0.3 brings the share
#      back to 1 and every client back to its first edge.
#   D. lon1 fails and comes back: its share ramps from 0 to 1 over
#      `ramp` (6 s) at the scheduled slope, then every client is back.
#   E. `dnsdctl drain lon1 --over 6s`: the share falls at the scheduled
#      slope; a restart of dnsd meanwhile keeps the drain's progress; at
#      the end lon1 is drained and gets nobody.
. "$(dirname "$0")/lib.sh"
EH=$T_O/bin/edge-health
CTL=$T_O/bin/dnsdctl
QMAP=$T_TOOLS/qmap
need perl awk "$EH" "$CTL" "$T_TOOLS/fake_edge" "$QMAP"

LON1=192.0.2.1	# edges.yaml: lon1's address
LON2=192.0.2.2
LON3=192.0.2.3
CLIENTS=20000	# distinct client /24s
RAMP_MS=6000	# dnsd.yaml steering.ramp
# The shares a test reads are the steering's, moved ten times a second;
# a slope is checked to within this much (of 1) over a few seconds
SLOPE_SLACK=0.12
WAIT_MS=10000	# a bound on any change that should take a second or two

fix=$(t_fixture)
CONF=$fix/dnsd.yaml
P_LON1=$("$T_TOOLS/freeport") || bail "no free port"
sed "s/@P_LON1@/$P_LON1/" "$T_FIX/edge-health.yaml" >"$fix/edge-health.yaml" ||
	bail "cannot write edge-health.yaml"
t_mkmmdb "$fix/networks.txt" "$fix/geo.mmdb"

# share EDGE: the SHARE column of EDGE in `dnsdctl edges`
share()
{
	ctl edges | awk -v e="$1" '$1 == e { print $6 }'
}

# wait_share EDGE SHARE: poll (bounded) until EDGE's share is SHARE
wait_share()
{
	_t0=$(now_ms)
	while [ $(($(now_ms) - _t0)) -le $WAIT_MS ]; do
		LAST_SHARE=$(share "$1")
		[ "$LAST_SHARE" = "$2" ] && return 0
		sleep 0.05
	done
	diag "edge $1: share $LAST_SHARE after $WAIT_MS ms, expected $2"
	return 1
}

# wait_row EDGE ERE: poll (bounded) until EDGE's row of `dnsdctl edges`
# matches ERE (SHARE shows 1.00 or 0.00 a moment before the share is all
# or nothing: the STEERING and EFFECTIVE columns tell)
wait_row()
{
	_t0=$(now_ms)
	while [ $(($(now_ms) - _t0)) -le $WAIT_MS ]; do
		LAST_ROW=$(ctl edges | awk -v e="$1" '$1 == e')
		echo "$LAST_ROW" | grep -Eq -- "$2" && return 0
		sleep 0.05
	done
	diag "edge $1: row \"$LAST_ROW\" after $WAIT_MS ms, expected $2"
	return 1
}

# client_nets N [FIRST]: N client /24s of 81.0.0.0/8 from the FIRST-th
client_nets()
{
	awk -v n="$1" -v f="${2:-0}" 'BEGIN {
		for (i = f; i < f + n; i++)
			printf "81.%d.%d.0/24\n", int(i / 256) % 256, i % 256
	}'
}

# map NAME NETS OUT: qmap NAME A for the networks in file NETS into OUT
map()
{
	"$QMAP" -q 128 "$DNSD_ADDR" "$DNSD_PORT" "$1" A <"$2" >"$3" 2>"$3.err"
}

# count FILE ADDR: how many lines of a qmap output got ADDR
count()
{
	awk -v a="$2" '$2 == a { n++ } END { print n + 0 }' "$1"
}

# scopes FILE: the distinct scopes of a qmap output, space separated
scopes()
{
	awk '{ print $3 }' "$1" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# frac N TOTAL: N/TOTAL with 4 decimals
frac()
{
	awk -v n="$1" -v t="$2" 'BEGIN { printf "%.4f", n / t }'
}

# within X LO HI: LO <= X <= HI (decimals)
within()
{
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'
}

# moved BEFORE AFTER ADDR: lines whose address was ADDR in BEFORE and is
# not in AFTER (same networks, same order), then the number of lines
kept_of()
{
	paste -d ' ' "$1" "$2" | awk -v a="$3" '
	    $2 == a { had++; if ($5 == a) kept++ }
	    END { printf "%d %d\n", had, kept }'
}

DNSD_ADDR=127.0.0.1
client_nets $CLIENTS >"$T_TMP/nets"

# ---- start: dnsd, the stand-in for lon1, edge-health ------------------------
start_dnsd "$CONF" || bail "dnsd does not start"
echo "200 OK" >"$T_TMP/lon1.ctl"
t_fake_edge lon1 -f "$T_TMP/lon1.ctl" "127.0.0.21:$P_LON1"
"$EH" -c "$fix/edge-health.yaml" >"$T_TMP/eh.log" 2>&1 &
EH_PID=$!
T_PIDS="$T_PIDS $EH_PID"
_t0=$(now_ms)
until ctl edges | grep -q '^lon1 *up '; do
	[ $(($(now_ms) - _t0)) -le $WAIT_MS ] || bail "lon1 never probed up"
	sleep 0.1
done
ok 0 "edge-health reports lon1 up to dnsd"

# ---- A. weights and stickiness ----------------------------------------------
map cdn.example.net "$T_TMP/nets" "$T_TMP/a.map"
check "A. every one of $CLIENTS client /24s is answered" \
    [ "$(awk '$2 != "-"' "$T_TMP/a.map" | wc -l)" -eq $CLIENTS ]
n1=$(count "$T_TMP/a.map" $LON1)
n2=$(count "$T_TMP/a.map" $LON2)
f1=$(frac "$n1" $CLIENTS)
check "A. weights 3:1: lon1 gets $f1 of the clients (0.72..0.78)" \
    within "$f1" 0.72 0.78
is "$((n1 + n2))" "$CLIENTS" "A. lon1 and lon2 answer everyone (lon3 is a standby, ams is farther)"
is "$(count "$T_TMP/a.map" $LON3)" 0 "A. the standby lon3 gets nobody"
is "$(scopes "$T_TMP/a.map")" 24 "A. every spread answer has scope /24"

# one /24 asked 100 times
for _i in $(seq 100); do echo 81.0.7.0/24; done >"$T_TMP/same"
map cdn.example.net "$T_TMP/same" "$T_TMP/same.map"
is "$(awk '{ print $2 }' "$T_TMP/same.map" | sort -u | wc -l)" 1 \
    "A. the same /24 asked 100 times gets one edge"
is "$(awk '{ print $2 }' "$T_TMP/same.map" | sort -u)" \
    "$(awk '$1 == "81.0.7.0/24" { print $2 }' "$T_TMP/a.map")" \
    "A. ... the edge it got among the 20,000"

# addresses inside a returned scope: a random /32 of each of 300 /24s
awk 'NR % 61 == 1 { split($1, o, /[.\/]/); srand(NR);
    printf "%s.%s.%s.%d/32\n", o[1], o[2], o[3], 1 + int(rand() * 254) }' \
    "$T_TMP/a.map" >"$T_TMP/hosts"
map cdn.example.net "$T_TMP/hosts" "$T_TMP/hosts.map"
awk 'NR % 61 == 1 { print $2 }' "$T_TMP/a.map" >"$T_TMP/hosts.want"
is "$(awk '{ print $2 }' "$T_TMP/hosts.map" | cmp - "$T_TMP/hosts.want" &&
    echo same)" same \
    "A. $(wc -l <"$T_TMP/hosts") hosts inside returned scopes get their /24's edge"

# ---- B. a tier of three: draining one moves only its clients ----------------
map trio.example.net "$T_TMP/nets" "$T_TMP/b0.map"
for e in 1 2 3; do
	c=$(count "$T_TMP/b0.map" 198.51.100.$e)
	f=$(frac "$c" $CLIENTS)
	check "B. par$e gets a third of the clients ($f)" within "$f" 0.30 0.37
done
is "$(ctl drain par3)" "par3: override drain, effective down, share 0.00
ok" "B. dnsdctl drain par3"
map trio.example.net "$T_TMP/nets" "$T_TMP/b1.map"
is "$(count "$T_TMP/b1.map" 198.51.100.3)" 0 "B. par3 drained: nobody gets it"
for e in 1 2; do
	set -- $(kept_of "$T_TMP/b0.map" "$T_TMP/b1.map" 198.51.100.$e)
	check "B. par$e keeps its clients ($2 of $1; at least 99 %)" \
	    [ $(($2 * 100)) -ge $(($1 * 99)) ]
done
ctl auto par3 >/dev/null

# ---- C. load feedback: shed, then recover -----------------------------------
echo '200 {"load": 0.95}' >"$T_TMP/lon1.ctl"
check "C. lon1 at load 0.95 sheds to min_share 0.25" wait_share lon1 0.25
# one step per feed round, each logged: 0.75, 0.50, 0.25 in that order
steps=$(grep 'edge lon1: load 0.95 ' "$DNSD_LOG" |
    sed -n 's/.*: share \([0-9.]*\)$/\1/p' | tr '\n' ' ')
is "$steps" "0.75 0.50 0.25 " "C. the share fell a step per round, logged"
like "$(ctl edges | awk '$1 == "lon1"')" ' 0\.95 .* shed +0/1 down$' \
    "C. dnsdctl edges shows lon1's load and that it sheds"
map cdn.example.net "$T_TMP/nets" "$T_TMP/c.map"
n1c=$(count "$T_TMP/c.map" $LON1)
f=$(frac "$n1c" "$n1")
check "C. lon1 keeps a quarter of its clients ($f of them)" \
    within "$f" 0.22 0.28
set -- $(kept_of "$T_TMP/a.map" "$T_TMP/c.map" $LON2)
is "$2" "$1" "C. lon2 keeps every one of its $1 clients"
is "$(($(count "$T_TMP/c.map" $LON2) - $1))" "$((n1 - n1c))" \
    "C. the clients lon1 shed all went to lon2 (its tier)"
is "$(scopes "$T_TMP/c.map")" 24 "C. answers under shedding have scope /24"
map cdn.example.net "$T_TMP/hosts" "$T_TMP/hosts-c.map"
awk 'NR % 61 == 1 { print $2 }' "$T_TMP/c.map" >"$T_TMP/hosts-c.want"
is "$(awk '{ print $2 }' "$T_TMP/hosts-c.map" | cmp - "$T_TMP/hosts-c.want" &&
    echo same)" same \
    "C. under shedding too, hosts inside returned scopes get their /24's edge"
echo '200 {"load": 0.3}' >"$T_TMP/lon1.ctl"
check "C. at load 0.3 lon1's share comes back to 1" \
    wait_row lon1 '^lon1 +up +auto +up +3 +1\.00 .* - +0/1 down$'
map cdn.example.net "$T_TMP/nets" "$T_TMP/c2.map"
check "C. every client is back on its first edge" \
    cmp -s "$T_TMP/a.map" "$T_TMP/c2.map"

# ---- D. down, back up: the ramp ---------------------------------------------
echo 503 >"$T_TMP/lon1.ctl"
check "C/D. lon1 fails its check: share 0" wait_share lon1 0.00
echo "200 OK" >"$T_TMP/lon1.ctl"
_t0=$(now_ms)
until ctl edges | awk '$1 == "lon1"' | grep -q ' ramp:'; do
	[ $(($(now_ms) - _t0)) -le $WAIT_MS ] || break
	sleep 0.05
done
t1=$(now_ms)
s1=$(share lon1)
like "$(ctl edges | awk '$1 == "lon1"')" ' ramp:[0-9]+s +0/1 down$' \
    "D. lon1 is back and ramps (dnsdctl edges)"
like "$(cat "$DNSD_LOG")" 'edge lon1: back, its share ramps from 0.00 to 1 over 6s' \
    "D. the ramp is logged"
sleep 2
t2=$(now_ms)
s2=$(share lon1)
slope=$(awk -v a="$s1" -v b="$s2" -v t="$((t2 - t1))" -v r=$RAMP_MS \
    'BEGIN { printf "%.3f", (b - a) - t / r }')
check "D. the share rose from $s1 to $s2 in $((t2 - t1)) ms: on the schedule (off by $slope)" \
    within "$slope" -$SLOPE_SLACK $SLOPE_SLACK
check "D. the ramp ends at share 1" \
    wait_row lon1 '^lon1 +up +auto +up +3 +1\.00 .* - +0/1 down$'
map cdn.example.net "$T_TMP/nets" "$T_TMP/d.map"
check "D. after the ramp every client is back on its first edge" \
    cmp -s "$T_TMP/a.map" "$T_TMP/d.map"

# ---- E. a timed drain, across a restart -------------------------------------
like "$(ctl drain lon1 --over 6s)" '^lon1: override drain, effective up, share 1\.00 drain:[56]s' \
    "E. dnsdctl drain lon1 --over 6s"
t1=$(now_ms)
s1=$(share lon1)
sleep 1.5
stop_dnsd
start_dnsd "$CONF" || bail "dnsd does not start again"
t2=$(now_ms)
s2=$(share lon1)
slope=$(awk -v a="$s1" -v b="$s2" -v t="$((t2 - t1))" -v r=6000 \
    'BEGIN { printf "%.3f", (a - b) - t / r }')
check "E. after a restart the drain went on from $s1 to $s2 in $((t2 - t1)) ms (off by $slope)" \
    within "$slope" -$SLOPE_SLACK $SLOPE_SLACK
check "E. the drain ends: lon1 is drained, share 0" \
    wait_row lon1 '^lon1 +up +drain +down +3 +0\.00 '
map cdn.example.net "$T_TMP/nets" "$T_TMP/e.map"
is "$(count "$T_TMP/e.map" $LON1)" 0 "E. nobody gets lon1"
is "$(count "$T_TMP/e.map" $LON2)" $CLIENTS "E. lon2 takes every client"

stop_dnsd
done_testing
