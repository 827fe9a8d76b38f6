#!/bin/sh
# 91_failover: end-to-end failover.  Four stand-in edges (tests/tools/
# fake_edge on 127.0.0.11..14), edge-health probing them and feeding dnsd,
# and a London client (EDNS Client Subnet 81.2.69.0/24) asking the geo
# names of 91_failover/example.net.yaml.  Seen from London the edges rank
# lon < ams < fra < nyc.  Covered (zones/README.md, health, Geo names,
# edge-health):
#   1. all healthy: the nearest edge answers;
#   2. an edge stops: within fall x interval + slack the answer moves to
#      the next nearest, and `dnsdctl edges` shows it probed down;
#   3. it comes back after rise good rounds (not before);
#   4. every edge down: each all_down policy (fail_open, nodata, servfail,
#      a last-resort edge);
#   5. the feed dies while an edge is down: after stale_after every edge is
#      up (the down edge answers again), "stale" logged once; edge-health
#      back: "recovered" logged once, the edge is down again;
#   6. drain, force-down, force-up (a probed-down edge answers), auto;
#   7. a dnsd restart keeps the overrides (state_file) and picks up the
#      feed again;
#   8. an edge-health restart flaps no healthy edge (answers watched
#      continuously meanwhile);
#   9. the feed over UDP with a shared key: the right key is accepted and
#      its reports apply; a wrong key is counted as dropped (auth) and its
#      reports do not apply;
#  10. dnsd never blocks on the feed: queries are answered, without a
#      timeout, while edge-health is down.
. "$(dirname "$0")/lib.sh"
EH=$T_O/bin/edge-health
CTL=$T_O/bin/dnsdctl
need perl "$EH" "$CTL" "$T_TOOLS/fake_edge" "$T_TOOLS/qloop"

# Timing of the fixture (91_failover/edge-health.yaml, dnsd.yaml).
INTERVAL_MS=200
FALL=2
RISE=2
STALE_MS=2000
# Slack on top of every stated bound: scheduling, sanitizer builds.
SLACK_MS=2000
# A down (up) takes at most FALL (RISE) rounds of interval + 10% jitter.
DOWN_MS=$((FALL * INTERVAL_MS * 11 / 10 + SLACK_MS))
UP_MS=$((RISE * INTERVAL_MS * 11 / 10 + SLACK_MS))
# dnsd checks staleness every stale_after/4 (at least every second).
STALE_LIMIT_MS=$((STALE_MS + STALE_MS / 4 + SLACK_MS))
# Staleness counts from the last message accepted, which the prober sent
# up to one interval (+ jitter) before the test stopped it.
STALE_MIN_MS=$((STALE_MS - INTERVAL_MS * 2))
LONDON=81.2.69.0/24

fix=$(t_fixture)
CONF=$fix/dnsd.yaml

# ---- ports, keys, configurations ------------------------------------------
# distinct ports (free_port is random; a repeat is drawn again, bounded)
PORTS=""
new_port()
{
	_i=0
	while [ $_i -lt 20 ]; do
		_p=$(free_port)
		case " $PORTS " in
		*" $_p "*) ;;
		*)
			PORTS="$PORTS $_p"
			echo "$_p"
			return 0
			;;
		esac
		_i=$((_i + 1))
	done
	bail "no distinct free port"
}
# new_port runs in a subshell when captured: keep PORTS here
P_UDP=$(new_port); PORTS="$PORTS $P_UDP"
P_lon=$(new_port); PORTS="$PORTS $P_lon"
P_ams=$(new_port); PORTS="$PORTS $P_ams"
P_fra=$(new_port); PORTS="$PORTS $P_fra"
P_nyc=$(new_port); PORTS="$PORTS $P_nyc"
P_DEAD=$(new_port)	# nothing listens there
printf 'k3y-0f-the-feed-0123456789\n' >"$fix/feed.key"
printf 'another-key-0123456789abc\n' >"$fix/wrong.key"
sed "s/@UDP_PORT@/$P_UDP/" "$fix/dnsd.yaml" >"$fix/dnsd.yaml.tmp" &&
	mv "$fix/dnsd.yaml.tmp" "$CONF" || bail "cannot write dnsd.yaml"

# eh_conf OUT FEED STATE [LON_PORT]: an edge-health configuration
eh_conf()
{
	sed -e "s/@P_LON@/${4:-$P_lon}/" -e "s/@P_AMS@/$P_ams/" \
	    -e "s/@P_FRA@/$P_fra/" -e "s/@P_NYC@/$P_nyc/" \
	    -e "s|@FEED@|$2|" "$fix/edge-health.yaml" >"$fix/$1" ||
		bail "cannot write $1"
	[ -z "$3" ] || echo "state_file: $3" >>"$fix/$1"
	"$EH" -n -c "$fix/$1" >"$T_TMP/eh-n.out" 2>&1 ||
		bail "edge-health -n $1: $(cat "$T_TMP/eh-n.out")"
}
eh_conf eh-unix.yaml "unix: health.sock" eh.state
eh_conf eh-udp.yaml "{udp: \"$LOOP4:$P_UDP\", key_file: feed.key}" ""
eh_conf eh-wrong.yaml "{udp: \"$LOOP4:$P_UDP\", key_file: wrong.key}" "" \
    "$P_DEAD"
ok 0 "edge-health -n accepts the three test configurations"

# ---- the database: built now, a failure fails the test ----------------------
t_mkmmdb "$fix/networks.txt" "$fix/geo.mmdb"

# addr_edge: stdin addresses -> edge names (fixture edges.yaml)
addr_edge()
{
	sed -e 's/^127\.0\.0\.11$/lon/' -e 's/^127\.0\.0\.12$/ams/' \
	    -e 's/^127\.0\.0\.13$/fra/' -e 's/^127\.0\.0\.14$/nyc/'
}

# ans [NAME]: the edge(s) answering NAME (default cdn) A for London, on
# one line; "timeout" without a reply, "RCODE:" for an error rcode
ans()
{
	geo_addrs "$LONDON" "${1:-cdn}.example.net" | addr_edge |
	    tr '\n' ' ' | sed 's/ $//'
}

# wait_ans EDGE MAX_MS [NAME]: poll (bounded in count and time) until NAME
# is answered by EDGE; sets WAITED_MS; LAST_ANS is the last answer
wait_ans()
{
	_t0=$(now_ms)
	_i=0
	_max=$(($2 / 50 + 10))
	while [ $_i -lt $_max ]; do
		LAST_ANS=$(ans "${3:-cdn}")
		WAITED_MS=$(($(now_ms) - _t0))
		[ "$LAST_ANS" = "$1" ] && return 0
		[ $WAITED_MS -le "$2" ] || break
		sleep 0.05
		_i=$((_i + 1))
	done
	diag "${3:-cdn}: waited ${WAITED_MS} ms for $1, last answer: $LAST_ANS"
	return 1
}

# row EDGE: "PROBED OVERRIDE EFFECTIVE" of EDGE in `dnsdctl edges`
row()
{
	ctl edges | awk -v e="$1" '$1 == e { print $2, $3, $4 }'
}

# wait_row EDGE ROW MAX_MS: poll (bounded) until row EDGE is ROW
wait_row()
{
	_t0=$(now_ms)
	_i=0
	_max=$(($3 / 50 + 10))
	while [ $_i -lt $_max ]; do
		LAST_ROW=$(row "$1")
		[ "$LAST_ROW" = "$2" ] && return 0
		[ $(($(now_ms) - _t0)) -le "$3" ] || break
		sleep 0.05
		_i=$((_i + 1))
	done
	diag "edge $1: last row \"$LAST_ROW\", expected \"$2\""
	return 1
}

# feed_field N: field N of the feed line of `dnsdctl status` (1 accepted,
# 2 dropped old, 3 dropped bad, 4 dropped auth)
feed_field()
{
	ctl status | sed -n 's/^feed: .*; accepted \([0-9]*\), dropped \([0-9]*\) old, \([0-9]*\) bad, \([0-9]*\) auth$/\1 \2 \3 \4/p' |
	    awk -v i="$1" '{ print $i }'
}

# wait_status ERE MAX_MS: poll (bounded) until a line of `dnsdctl status`
# matches
wait_status()
{
	_t0=$(now_ms)
	_i=0
	_max=$(($2 / 50 + 10))
	while [ $_i -lt $_max ]; do
		ctl status | grep -Eq -- "$1" && return 0
		[ $(($(now_ms) - _t0)) -le "$2" ] || break
		sleep 0.05
		_i=$((_i + 1))
	done
	diag "dnsdctl status never matched $1:" "$(ctl status)"
	return 1
}

# count FILE ERE: lines of FILE matching
count()
{
	grep -Ec -- "$2" "$1" 2>/dev/null
}

# start_fake EDGE: its stand-in on 127.0.0.1N:P_EDGE answering "OK"
start_fake()
{
	case $1 in
	lon) _a=127.0.0.11 ;;
	ams) _a=127.0.0.12 ;;
	fra) _a=127.0.0.13 ;;
	nyc) _a=127.0.0.14 ;;
	esac
	eval "_p=\$P_$1"
	t_fake_edge "$1" -b OK "$_a:$_p"
}

# stop_fake EDGE
stop_fake()
{
	eval "t_reap \$FAKE_$1"
	eval "FAKE_$1="
}

# start_eh CONF: edge-health; sets EH_PID, EH_LOG (one log per start) and
# waits (bounded) for its "ready" line; EH_BOOT is its boot id
EH_N=0
start_eh()
{
	EH_N=$((EH_N + 1))
	EH_LOG=$T_TMP/eh.$EH_N.log
	"$EH" -c "$fix/$1" >"$EH_LOG" 2>&1 &
	EH_PID=$!
	T_PIDS="$T_PIDS $EH_PID"
	wait_log "$EH_LOG" 'info: ready: ' ||
		bail "edge-health $1 does not start: $(cat "$EH_LOG")"
	EH_BOOT=$(sed -n 's/.*info: ready: .*boot \([0-9a-f]*\)$/\1/p' "$EH_LOG")
}
EH_BAD=""	# edge-health runs that did not stop cleanly
stop_eh()
{
	t_reap "$EH_PID"
	if [ "$T_STATUS" != 0 ] || san_report "$EH_LOG"; then
		EH_BAD="$EH_BAD $EH_LOG(status $T_STATUS)"
		diag "edge-health $EH_LOG: exit status $T_STATUS; its log:" \
		    "$(tail -n 60 "$EH_LOG")"
	fi
	EH_PID=""
}

# ---- start ---------------------------------------------------------------------
for e in lon ams fra nyc; do
	start_fake $e
done
start_dnsd "$CONF" || bail "dnsd does not start"
DNSD_LOG1=$DNSD_LOG
check "the health socket and control socket exist (relative paths)" \
    test -S "$fix/health.sock" -a -S "$fix/dnsd.ctl"
start_eh eh-unix.yaml

# ---- 1. all healthy -------------------------------------------------------------
check "feed: every edge reported up" wait_row nyc "up auto up" 3000
out=$(ctl edges)
like "$out" '^feed: last message [0-9]+s ago .*, fresh; accepted [1-9]' \
    "dnsdctl edges: the feed line (fresh, messages accepted)"
for e in lon ams fra nyc; do
	is "$(row $e)" "up auto up" "1. dnsdctl edges: $e probed up, auto, up"
done
is "$(ans cdn)" lon "1. all healthy: London gets lon (cdn)"
is "$(ans nd)/$(ans sf)/$(ans lr)" lon/lon/lon \
    "1. all healthy: the other policies' names answer lon too"
r=$(q -s "$LONDON" cdn.example.net A)
like "$r" '^ecs family=1 source=24 scope=[1-9][0-9]* addr=81\.2\.69\.0$' \
    "1. the answer carries a non-zero ECS scope"

# ---- 2. the nearest edge stops ----------------------------------------------------
t0=$(now_ms)
stop_fake lon
check "2. lon stopped: London moves to ams" wait_ans ams "$DOWN_MS"
ms=$(($(now_ms) - t0))
check "2. ... within fall x interval + ${SLACK_MS} ms ($ms <= $DOWN_MS ms)" \
    test "$ms" -le "$DOWN_MS"
is "$(row lon)" "down auto down" "2. dnsdctl edges: lon probed down"
is "$(row ams)" "up auto up" "2. dnsdctl edges: ams still up"
check "2. dnsd logs lon down (probe report)" \
    wait_log "$DNSD_LOG" 'notice: health: edge lon: down \(probe report\)'
is "$(count "$DNSD_LOG" 'health: edge lon: down')" 1 \
    "2. ... once, not every snapshot"
like "$(cat "$EH_LOG")" "probe lon \\(127\\.0\\.0\\.11:$P_lon\\): http: connection refused: down after $FALL failed rounds" \
    "2. edge-health logs why"

# ---- 3. it comes back after rise good rounds ---------------------------------------------
t0=$(now_ms)
start_fake lon
check "3. lon back: London gets lon again" wait_ans lon "$UP_MS"
ms=$(($(now_ms) - t0))
# the first good round can come at once, the next (RISE-1) rounds are at
# least interval - 10% apart: never sooner than that
min=$(((RISE - 1) * INTERVAL_MS * 9 / 10))
check "3. ... after rise good rounds: $min <= $ms <= $UP_MS ms" \
    test "$ms" -ge "$min" -a "$ms" -le "$UP_MS"
is "$(row lon)" "up auto up" "3. dnsdctl edges: lon probed up"
like "$(cat "$EH_LOG")" "probe lon: up after $RISE good rounds" \
    "3. edge-health logs lon up after rise rounds"
check "3. dnsd logs lon up (probe report)" \
    wait_log "$DNSD_LOG" 'notice: health: edge lon: up \(probe report\)'

# ---- 4. every edge down: all_down policies ---------------------------------------------
for e in lon ams fra nyc; do
	stop_fake $e
done
check "4. every edge probed down (dnsdctl status: 0 usable)" \
    wait_status '^edges: 4, 0 usable$' "$DOWN_MS"
for e in lon ams fra nyc; do
	is "$(row $e)" "down auto down" "4. dnsdctl edges: $e probed down"
done
is "$(ans cdn)" lon "4. all_down fail_open: the nearest anyway (lon)"
r=$(q -s "$LONDON" nd.example.net A)
is "$(hdr "$r" rcode)/$(hdr "$r" an)" NOERROR/0 "4. all_down nodata: NOERROR, no answer"
like "$(sect "$r" ns)" '^example\.net\. [0-9]+ IN SOA ' \
    "4. all_down nodata: the SOA in the authority section"
check "4. all_down nodata: authoritative" has_flag "$r" aa
r=$(q -s "$LONDON" sf.example.net A)
is "$(hdr "$r" rcode)/$(hdr "$r" an)" SERVFAIL/0 "4. all_down servfail: SERVFAIL"
is "$(ans lr)" nyc "4. all_down [nyc]: the last resort, though down and out of the pool"
for e in ams fra nyc; do
	start_fake $e
done
check "4. ams back: London gets ams (lon still down)" wait_ans ams "$UP_MS"
is "$(ans nd)/$(ans sf)/$(ans lr)" ams/ams/ams \
    "4. one edge up again: every policy answers it"

# ---- 5. the feed dies while lon is down; 10. dnsd does not block -----------------------
n_stale=$(count "$DNSD_LOG" 'feed stale for')
n_rec=$(count "$DNSD_LOG" 'feed recovered')
is "$n_stale/$n_rec" 0/0 "5. no stale/recovered line before the feed dies"
t0=$(now_ms)
stop_eh
LOOP_S=$(((STALE_MS + 1500) / 1000 + 1))
"$T_TOOLS/qloop" -d "$LOOP_S" -r 300 -w 1000 -a -s "$LONDON" "$LOOP4" \
    "$DNSD_PORT" cdn.example.net A >"$T_TMP/qloop.out" 2>&1 &
QLOOP_PID=$!
T_PIDS="$T_PIDS $QLOOP_PID"
sleep $((STALE_MS / 2000)).$((STALE_MS / 2 % 1000 / 100))
is "$(ans cdn)" ams "5. feed silent for less than stale_after: lon still down"
check "5. feed stale: lon (probed down) answers again (fail open)" \
    wait_ans lon "$STALE_LIMIT_MS"
ms=$(($(now_ms) - t0))
check "5. ... after stale_after, within its check tick + slack ($STALE_MIN_MS <= $ms <= $STALE_LIMIT_MS ms)" \
    test "$ms" -ge "$STALE_MIN_MS" -a "$ms" -le "$STALE_LIMIT_MS"
out=$(ctl edges)
like "$out" '^feed: last message [0-9]+s ago .*, stale;' \
    "5. dnsdctl edges: the feed is stale"
like "$out" '^lon +unknown +auto +up ' "5. dnsdctl edges: lon unknown, up"
# (the duration is printed as whole or fractional seconds)
if wait_log "$DNSD_LOG" 'warning: health: feed stale for [0-9.]+s'; then
	ok 0 "5. dnsd logs the stale feed"
else
	ok 1 "5. dnsd logs the stale feed"
	diag "$(grep -E 'stale|health' "$DNSD_LOG" | tail -n 12)"
fi
check "5. dnsd logs lon up (feed stale)" \
    wait_log "$DNSD_LOG" 'notice: health: edge lon: up \(feed stale\)'
# qloop (10) runs on meanwhile; bounded wait for its end
i=0
while t_alive "$QLOOP_PID" && [ $i -lt $(((LOOP_S + 3) * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
t_reap "$QLOOP_PID"
is "$T_STATUS" 0 "10. feed down: every query answered ($(cat "$T_TMP/qloop.out"))"
like "$(cat "$T_TMP/qloop.out")" '^sent [1-9][0-9]+ answered [1-9][0-9]+ failed 0 timeouts 0$' \
    "10. ... no timeouts, no failures"
is "$(count "$DNSD_LOG" 'feed stale for')" 1 "5. stale logged once"
start_eh eh-unix.yaml
check "5. edge-health back: lon down again (state file), ams answers" \
    wait_ans ams "$DOWN_MS"
check "5. dnsd logs the recovery" \
    wait_log "$DNSD_LOG" 'notice: health: feed recovered'
check "5. dnsd logs the new feed boot" \
    wait_log "$DNSD_LOG" "info: health: prober [^ ]+ restarted \\(boot $EH_BOOT\\)"
is "$(row lon)" "down auto down" "5. dnsdctl edges: lon probed down again"
like "$(ctl edges)" '^feed: .*, fresh;' "5. dnsdctl edges: the feed is fresh"
sleep 0.5
is "$(count "$DNSD_LOG" 'feed recovered')/$(count "$DNSD_LOG" 'feed stale for')" \
    1/1 "5. recovery logged once (and stale still once)"

# ---- 6. operator overrides -----------------------------------------------------
out=$(ctl force-up lon)
is "$?" 0 "6. dnsdctl force-up lon: exit 0"
like "$out" '^lon: override force-up, effective up, share 1.00$' "6. ... says so"
is "$(ans cdn)" lon "6. force-up: lon, probed down, answers"
is "$(row lon)" "down force-up up" "6. dnsdctl edges: lon down, force-up, up"
ctl auto lon >/dev/null
is "$(ans cdn)" ams "6. auto lon: follows the probes again (ams)"
out=$(ctl drain ams)
like "$out" '^ams: override drain, effective down, share 0.00$' "6. dnsdctl drain ams"
is "$(ans cdn)" fra "6. drain ams: fra answers"
like "$(row ams)" '^up drain down$' "6. dnsdctl edges: ams up, drain, down"
ctl force-down fra >/dev/null
is "$(ans cdn)" nyc "6. force-down fra: nyc answers"
is "$(row fra)" "up force-down down" "6. dnsdctl edges: fra up, force-down, down"
like "$(cat "$DNSD_LOG")" 'notice: control: force-down fra \(uid [0-9]+, pid [0-9]+\)' \
    "6. dnsd logs the operator action"
out=$(ctl drain nosuch)
st=$?
like "$out" '^error: no such edge "nosuch"' "6. an unknown edge is refused"
is "$st" 1 "6. ... with exit status 1"
ctl auto ams >/dev/null
ctl auto fra >/dev/null
is "$(ans cdn)" ams "6. auto ams, auto fra: ams answers again"

# ---- 7. a dnsd restart keeps the overrides -----------------------------------------
ctl force-up lon >/dev/null
ctl drain ams >/dev/null
is "$(ans cdn)" lon "7. before the restart: force-up lon answers"
check "7. the state file is written" test -s "$fix/dnsd.state"
stop_dnsd
start_dnsd "$CONF" || bail "dnsd does not restart"
# (the probed column depends on whether the feed spoke yet)
is "$(row lon | cut -d' ' -f2-)/$(row ams | cut -d' ' -f2-)" \
    "force-up up/drain down" \
    "7. after the restart: lon force-up, ams drain (from state_file)" ||
	diag "$(ctl edges)"
is "$(ans cdn)" lon "7. after the restart: lon answers (force-up kept)"
check "7. the feed is picked up again: lon probed down" \
    wait_row lon "down force-up up" 3000
ctl auto lon >/dev/null
is "$(ans cdn)" fra "7. auto lon: lon is down, ams drained: fra"
ctl auto ams >/dev/null
is "$(ans cdn)" ams "7. auto ams: ams"
like "$(ctl status)" '^feed: .*fresh; accepted [1-9]' \
    "7. dnsdctl status: the restarted dnsd accepts the feed"

# ---- 8. an edge-health restart flaps no healthy edge ------------------------------
: >"$T_TMP/watch.out"
(
	i=0
	while [ $i -lt 50 ]; do
		echo "$(ans cdn)" >>"$T_TMP/watch.out"
		sleep 0.04
		i=$((i + 1))
	done
) &
WATCH_PID=$!
T_PIDS="$T_PIDS $WATCH_PID"
sleep 0.3
stop_eh
sleep 0.2
start_eh eh-unix.yaml
# bounded wait for the watch loop (50 queries of at most T_QUERY_MS each)
i=0
while t_alive "$WATCH_PID" && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
t_reap "$WATCH_PID"
n=$(wc -l <"$T_TMP/watch.out")
is "$n" 50 "8. the watch loop ran its 50 queries"
is "$(sort -u "$T_TMP/watch.out" | tr '\n' ' ')" "ams " \
    "8. edge-health restart: every answer is ams (no flap, no timeout)"
like "$(cat "$EH_LOG")" "state: .*eh\\.state: 1 edges? starts? down" \
    "8. edge-health read its state file (lon starts down)"
unlike "$(cat "$DNSD_LOG")" 'health: edge (ams|fra|nyc): down' \
    "8. dnsd never saw a healthy edge go down"
is "$(row ams)" "up auto up" "8. dnsdctl edges: ams up"

# ---- 9. the feed over UDP with a shared key --------------------------------------------
start_fake lon
check "9. lon started again (unix feed): London gets lon" wait_ans lon "$UP_MS"
stop_eh
a0=$(feed_field 1)
start_eh eh-udp.yaml
check "9. udp feed with the right key: accepted (new boot)" \
    wait_log "$DNSD_LOG" "info: health: prober [^ ]+ restarted \\(boot $EH_BOOT\\)"
sleep 0.5
a1=$(feed_field 1)
check "9. dnsdctl status: accepted grows ($a0 -> $a1)" test "$a1" -gt "$a0"
is "$(feed_field 4)" 0 "9. dnsdctl status: nothing dropped for auth yet"
t0=$(now_ms)
stop_fake lon
check "9. udp feed: its report of lon down applies (ams answers)" \
    wait_ans ams "$DOWN_MS"
is "$(row lon)" "down auto down" "9. dnsdctl edges: lon probed down (via udp)"
start_fake lon
check "9. udp feed: lon back up" wait_ans lon "$UP_MS"
# a second prober with the wrong key, that finds lon down (its check goes
# to a port where nothing listens): dropped, lon stays up
WRONG_N=$EH_N
GOOD_PID=$EH_PID
GOOD_LOG=$EH_LOG
start_eh eh-wrong.yaml
WRONG_PID=$EH_PID
WRONG_LOG=$EH_LOG
WRONG_BOOT=$EH_BOOT
check "9. the wrong-key prober finds lon down" \
    wait_log "$WRONG_LOG" 'probe lon .*down after 2 failed rounds'
sleep 0.5
out=$(ctl edges)
auth=$(printf '%s\n' "$out" | sed -n 's/^feed: .*, \([0-9]*\) auth$/\1/p')
check "9. dnsdctl edges: the feed line counts auth drops ($auth)" \
    test "${auth:-0}" -gt 0
like "$out" '^lon +up +auto +up ' "9. wrong key: its report (lon down) does not apply"
is "$(ans cdn)" lon "9. wrong key: London still gets lon"
unlike "$(cat "$DNSD_LOG")" "boot $WRONG_BOOT" \
    "9. wrong key: its boot never reached dnsd"
check "9. dnsd warns about the bad mac" \
    wait_log "$DNSD_LOG" 'warning: health: feed: dropped udp message: '
EH_PID=$WRONG_PID
EH_LOG=$WRONG_LOG
stop_eh
EH_PID=$GOOD_PID
EH_LOG=$GOOD_LOG
stop_eh

# ---- stop ------------------------------------------------------------------------
stop_dnsd
check "dnsd (first run) left no sanitizer report" \
    eval '! san_report "$DNSD_LOG1"'
is "$EH_BAD" "" "every edge-health exits 0 on SIGTERM, no sanitizer report"
for e in lon ams fra nyc; do
	eval "[ -z \"\$FAKE_$e\" ] || stop_fake $e"
done
done_testing
