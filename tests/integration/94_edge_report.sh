#!/bin/sh
# 94_edge_report: an edge reports its own load, weight and drain as JSON in
# the body of its health check, and edge-health passes them through the
# feed (version 2).  A real edge-health against a real stand-in edge
# (tests/tools/fake_edge, driven by its control file), the feed watched
# with tests/tools/hmsg_listen: a report reaches the feed as load=/weight=
# tokens and the metrics; a plain body, a key of the wrong type (logged)
# and a failed check clear what is not reported any more; every periodic
# report is a new round, a transition's report keeps the round; the state
# file holds states only, and one of version 1 is refused with a log line.
. "$(dirname "$0")/lib.sh"
EH=$T_O/bin/edge-health
HTTPGET=$T_TOOLS/httpget
need "$EH" "$T_TOOLS/fake_edge" "$T_TOOLS/hmsg_listen" "$HTTPGET"

INTERVAL_MS=200
TIMEOUT_MS=150
FALL=1
RISE=1
# polls (of T_POLL) for a line of the feed, a log line or a metric: a few
# intervals plus a generous slack for loaded machines and sanitizer builds
T_FEED_TRIES=60

D=$T_TMP
FEED=$D/feed.out
P_LHR=$(free_port)	# lhr: http, its body from a control file
P_FRA=$(free_port)	# fra: http, the plain default body "OK"
P_MET=$(free_port)	# edge-health's metrics endpoint
MET=$LOOP4:$P_MET

printf '200 {"load": 0.95, "weight": 20}\n' >"$D/ctl"
t_fake_edge lhr -f "$D/ctl" "$LOOP4:$P_LHR"
t_fake_edge fra "$LOOP4:$P_FRA"

cat >"$D/edges.yaml" <<YAML
edges:
  lhr: {location: [51.47, -0.45], addresses: [192.0.2.11]}
  fra: {location: [50.03, 8.57], addresses: [192.0.2.12]}
YAML
cat >"$D/eh.yaml" <<YAML
edges: edges.yaml
state_file: eh.state
defaults: {interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, fall: $FALL, rise: $RISE}
checks:
  lhr:
    - {type: http, address: "$LOOP4:$P_LHR", path: /health}
  fra:
    - {type: http, address: "$LOOP4:$P_FRA", path: /health, body: OK}
feeds:
  - unix: feed.sock
metrics: $MET
allow_root: true              # the tests may run as root (CI)
YAML
# A state file of version 1 (the feed format before rounds and reports):
# only a hint, refused with a log line.
printf 'dnsd-health 1\nboot 0000000000000001\nseq 9\ntime 1\ninterval 200\nlhr down\n' \
    >"$D/eh.state"

# ---- start ------------------------------------------------------------------
"$T_TOOLS/hmsg_listen" -b -r "unix:$D/feed.sock" >"$FEED" 2>&1 &
T_PIDS="$T_PIDS $!"
i=0
while [ ! -S "$D/feed.sock" ] && [ $i -lt $T_READY_TRIES ]; do
	sleep $T_POLL
	i=$((i + 1))
done
[ -S "$D/feed.sock" ] || bail "hmsg_listen does not bind $D/feed.sock"

EH_LOG=$D/eh.log
"$EH" -c "$D/eh.yaml" >"$EH_LOG" 2>&1 &
EH_PID=$!
T_PIDS="$T_PIDS $EH_PID"

# wait_feed ERE: poll (bounded) until the newest feed line matches
wait_feed()
{
	_i=0
	while [ $_i -lt $T_FEED_TRIES ]; do
		tail -n 1 "$FEED" 2>/dev/null | grep -Eq -- "$1" && return 0
		sleep $T_POLL
		_i=$((_i + 1))
	done
	diag "newest feed line: $(tail -n 1 "$FEED")"
	return 1
}

# lines_after N: the feed's lines after the first N
lines_after()
{
	tail -n +"$(($1 + 1))" "$FEED"
}

# scrape: the exposition into $D/m (empty on failure)
scrape()
{
	"$HTTPGET" "$MET" /metrics >"$D/m" 2>/dev/null || : >"$D/m"
}

# val SAMPLE: the value of the sample SAMPLE (name and labels), or empty
val()
{
	awk -v s="$1" '$1 == s { print $2 }' "$D/m"
}

check "state file of version 1: refused with a log line" \
    wait_log "$EH_LOG" "info: state: .*eh\\.state: not restored: line 1: unsupported version"

# ---- a report ---------------------------------------------------------------
check "feed: lhr's report arrives as load=0.95 weight=20" \
    wait_feed ' lhr up load=0\.95 weight=20 fra up$'
like "$(cat "$FEED")" '^boot [0-9a-f]{16} seq [0-9]+ round [0-9]+ lhr up' \
    "feed: every line has a seq and a round (hmsg_listen -r)"
unlike "$(cat "$FEED")" ' fra up [a-z]' \
    "feed: fra (a plain body) never carries a token"
unlike "$(cat "$FEED")" '^bad:' "feed: every message decodes"
scrape
is "$(val 'edge_health_reported_load{edge="lhr"}')" 0.95 \
    "metrics: edge_health_reported_load{edge=\"lhr\"} 0.95"
is "$(val 'edge_health_reported_weight{edge="lhr"}')" 20 \
    "metrics: edge_health_reported_weight{edge=\"lhr\"} 20"
is "$(val 'edge_health_reported_load{edge="fra"}')" "" \
    "metrics: no reported load for fra"
like "$(cat "$D/m")" '^# TYPE edge_health_reported_load gauge$' \
    "metrics: reported_load is a gauge"

# ---- a plain body clears it ---------------------------------------------------
printf '200 all good\n' >"$D/ctl"
check "feed: lhr's plain body carries no tokens" \
    wait_feed ' lhr up fra up$'
n=$(grep -n ' lhr up fra up$' "$FEED" | head -n 1 | cut -d: -f1)
sleep $((3 * INTERVAL_MS / 1000 + 1))
unlike "$(lines_after "$n")" 'load=|weight=' \
    "feed: no report comes back while the body is plain"
scrape
is "$(val 'edge_health_reported_load{edge="lhr"}')" "" \
    "metrics: no reported load while the body is plain"

# ---- a key of the wrong type: left out, logged --------------------------------
printf '200 {"load": 0.5}\n' >"$D/ctl"
check "feed: a report again (load=0.5)" wait_feed ' lhr up load=0\.5 fra up$'
printf '200 {"load": "high"}\n' >"$D/ctl"
check "edge-health logs why the load is left out" \
    wait_log "$EH_LOG" "warning: probe lhr \\($LOOP4:$P_LHR\\): report: load: not a number in 0\\.\\.1000"
check "feed: ... and the message carries no load" wait_feed ' lhr up fra up$'
printf '200 {"load": "high", "weight": 20, "drain": true}\n' >"$D/ctl"
check "feed: the other keys still count (weight=20 drain=1)" \
    wait_feed ' lhr up weight=20 drain=1 fra up$'
printf '200 {"load": 0.95, "weight": 20\n' >"$D/ctl"
check "edge-health logs a body that is no JSON" \
    wait_log "$EH_LOG" "warning: probe lhr \\($LOOP4:$P_LHR\\): report: not JSON: "
check "feed: ... and the message carries no report" \
    wait_feed ' lhr up fra up$'
check "edge-health keeps running" t_alive "$EH_PID"

# ---- rounds -------------------------------------------------------------------
# Nothing changed state so far: every message was a periodic one, each a
# new round.
rounds=$(sed -n 's/^boot [0-9a-f]* seq [0-9]* round \([0-9]*\) .*/\1/p' "$FEED")
first=$(printf '%s\n' "$rounds" | head -n 1)
bad=$(printf '%s\n' "$rounds" | awk 'NR > 1 && $1 != prev + 1 { n++ }
    { prev = $1 } END { print n + 0 }')
is "$first/$bad" "1/0" "feed: round starts at 1 and grows by one per tick"
n=$(printf '%s\n' "$rounds" | wc -l)
check "feed: several rounds seen ($n)" test "$n" -ge 5

# ---- a failed check clears the report; a transition keeps the round ------------
printf '200 {"load": 0.95, "weight": 20}\n' >"$D/ctl"
check "feed: the report is back" wait_feed ' lhr up load=0\.95 weight=20 fra up$'
n=$(wc -l <"$FEED")
printf '503 {"load": 0.95, "weight": 20}\n' >"$D/ctl"
check "feed: a failed check carries no report" wait_feed ' lhr down fra up$'
like "$(lines_after "$n")" ' lhr down fra up$' "feed: lhr went down"
# The transition's message is sent at once, in the round of the tick
# before it: the same round twice in a row.
pair=$(awk '/ lhr down / { print prev " / " $0; exit } { prev = $0 }' "$FEED")
r1=$(printf '%s\n' "$pair" | sed -n 's/^.* round \([0-9]*\) lhr up.* \/ .*$/\1/p')
r2=$(printf '%s\n' "$pair" | sed -n 's/^.* \/ .* round \([0-9]*\) lhr down.*$/\1/p')
check "feed: the transition's message keeps the round ($r1 = $r2)" \
    test -n "$r1" -a "$r1" = "$r2"
scrape
is "$(val 'edge_health_reported_load{edge="lhr"}')" "" \
    "metrics: no reported load after a failed check"
check "state file: written in version 3 on the transition" \
    test "$(head -n 1 "$D/eh.state")" = "dnsd-health 3"
like "$(cat "$D/eh.state")" '^lhr down$' "state file: lhr down, no tokens"
like "$(cat "$D/eh.state")" '^round [0-9]+$' "state file: has its round line"

# ---- stop -----------------------------------------------------------------------
t_reap "$EH_PID"
is "$T_STATUS" 0 "SIGTERM: exit status 0"
check "no sanitizer report" eval '! san_report "$EH_LOG"'
unlike "$(cat "$D/eh.state")" 'load=|weight=|drain=' \
    "state file: what edges reported is not kept"
done_testing
