#!/bin/sh
# 97_eh_metrics: edge-health's Prometheus endpoint (`metrics` in its
# configuration) against a fake_edge that passes, then fails, and an
# address where nothing listens: probe counts grow by result, a failing
# edge counts its fails and its transition down, edge_up follows, each
# edge's latency histogram counts every probe, the feed's sends and
# failures are counted; plus -n on a bad address, 404 elsewhere, and a
# clean SIGTERM.
. "$(dirname "$0")/lib.sh"
EH=$T_O/bin/edge-health
HTTPGET=$T_TOOLS/httpget
need "$EH" "$T_TOOLS/fake_edge" "$HTTPGET"

INTERVAL_MS=200
TIMEOUT_MS=150
FALL=2
RISE=2
T_SCRAPE_TRIES=60 # polls (of T_POLL) for a value to be reached

D=$T_TMP
P_HTTP=$(free_port) # lhr: http, driven by a control file
P_NONE=$(free_port) # iad: nothing listens
P_MET=$(free_port)  # the metrics endpoint
MET=$LOOP4:$P_MET

"$T_TOOLS/fake_edge" -f "$D/ctl" "$LOOP4:$P_HTTP" >"$D/fake.log" 2>&1 &
FAKE_PID=$!
T_PIDS="$T_PIDS $FAKE_PID"
wait_log "$D/fake.log" '^listening' ||
	bail "fake_edge does not start: $(cat "$D/fake.log")"

cat >"$D/edges.yaml" <<YAML
edges:
  lhr: {location: [51.47, -0.45], addresses: [192.0.2.11]}
  iad: {location: [38.95, -77.45], addresses: [198.51.100.21]}
YAML

# write_conf METRICS: the configuration with `metrics: METRICS`
write_conf()
{
	cat >"$D/eh.yaml" <<YAML
edges: edges.yaml
defaults: {interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, fall: $FALL, rise: $RISE}
checks:
  lhr:
    - {type: http, address: "$LOOP4:$P_HTTP", path: /health}
  iad:
    - {type: tcp, address: "$LOOP4:$P_NONE"}
feeds:
  - unix: nobody-listens.sock   # every send fails: counted
metrics: $1
allow_root: true              # the tests may run as root (CI)
YAML
}

# ---- -n ---------------------------------------------------------------------
write_conf "$LOOP4"
out=$("$EH" -n -c "$D/eh.yaml" 2>&1)
is "$?" 1 "-n: metrics without a port fails"
like "$out" 'eh\.yaml:10:10: metrics: "127\.0\.0\.1": expected ADDR:PORT' \
    "-n: the bad address at file:line:col"
write_conf "$MET"
out=$("$EH" -n -c "$D/eh.yaml" 2>&1)
is "$?" 0 "-n: metrics: ADDR:PORT passes"

# ---- start ------------------------------------------------------------------
EH_LOG=$D/eh.log
"$EH" -c "$D/eh.yaml" >"$EH_LOG" 2>&1 &
EH_PID=$!
T_PIDS="$T_PIDS $EH_PID"
check "the endpoint is logged" wait_log "$EH_LOG" \
    "metrics: http://$LOOP4:$P_MET/metrics"

# scrape: the exposition into $D/m (empty on failure)
scrape()
{
	"$HTTPGET" "$MET" /metrics >"$D/m" 2>/dev/null || : >"$D/m"
}

# val SAMPLE: the value of the sample whose name and labels are SAMPLE
# (exactly), or empty
val()
{
	awk -v s="$1" '$1 == s { print $2 }' "$D/m"
}

# wait_val SAMPLE CMP N: poll (bounded) until SAMPLE's value CMP N
# (CMP: -ge, -eq, ...)
wait_val()
{
	_i=0
	while [ $_i -lt $T_SCRAPE_TRIES ]; do
		scrape
		_v=$(val "$1")
		[ -n "$_v" ] && [ "$_v" "$2" "$3" ] && return 0
		sleep $T_POLL
		_i=$((_i + 1))
	done
	diag "$1 is '$_v', wanted $2 $3"
	return 1
}

LHR_OK='edge_health_probes_total{edge="lhr",check="http://'$LOOP4:$P_HTTP'/health",result="ok"}'
LHR_FAIL='edge_health_probes_total{edge="lhr",check="http://'$LOOP4:$P_HTTP'/health",result="fail"}'
IAD_OK='edge_health_probes_total{edge="iad",check="tcp://'$LOOP4:$P_NONE'",result="ok"}'
IAD_FAIL='edge_health_probes_total{edge="iad",check="tcp://'$LOOP4:$P_NONE'",result="fail"}'

check "iad goes down: transitions_total{to=\"down\"} 1" \
    wait_val 'edge_health_transitions_total{edge="iad",to="down"}' -eq 1
check "lhr probed ok at least twice" wait_val "$LHR_OK" -ge 2
first=$(val "$LHR_OK")
like "$(cat "$D/m")" '^# TYPE edge_health_probes_total counter$' \
    "probes_total: TYPE line"
like "$(cat "$D/m")" '^# HELP edge_health_probe_duration_seconds ' \
    "the histogram: HELP line"
is "$(val "$LHR_FAIL")" 0 "lhr: no failed probe"
is "$(val "$IAD_OK")" 0 "iad: no good probe"
check "iad: failed probes counted ($(val "$IAD_FAIL") >= $FALL)" \
    test "$(val "$IAD_FAIL")" -ge "$FALL"
is "$(val 'edge_health_edge_up{edge="iad"}')" 0 "edge_up: iad 0"
is "$(val 'edge_health_edge_up{edge="lhr"}')" 1 "edge_up: lhr 1"
is "$(val 'edge_health_transitions_total{edge="lhr",to="down"}')" 0 \
    "lhr: no transition"

# histogram_ok EDGE: _count is the edge's probes, +Inf is _count, and the
# buckets never decrease
histogram_ok()
{
	_h=edge_health_probe_duration_seconds
	_c=$(val "${_h}_count{edge=\"$1\"}")
	_n=$(awk -v e="edge_health_probes_total{edge=\"$1\"," \
	    'index($1, e) == 1 { n += $2 } END { print n + 0 }' "$D/m")
	_inf=$(val "${_h}_bucket{edge=\"$1\",le=\"+Inf\"}")
	_mono=$(awk -v e="${_h}_bucket{edge=\"$1\"," \
	    'index($1, e) == 1 { if ($2 < p) bad = 1; p = $2 }
	    END { print bad + 0 }' "$D/m")
	[ -n "$_c" ] && [ "$_c" -gt 0 ] && [ "$_c" = "$_n" ] &&
		[ "$_inf" = "$_c" ] && [ "$_mono" = 0 ] && return 0
	diag "$1: count $_c, probes $_n, +Inf $_inf, decreasing $_mono"
	return 1
}
scrape
check "histogram: lhr's _count equals its probes" histogram_ok lhr
check "histogram: iad's _count equals its probes" histogram_ok iad
n=$(grep -c '^edge_health_probe_duration_seconds_bucket{edge="lhr",le=' "$D/m")
is "$n" 11 "histogram: 10 buckets and +Inf"
like "$(cat "$D/m")" '^edge_health_probe_duration_seconds_sum\{edge="lhr"\} [0-9]+\.[0-9]{6}$' \
    "histogram: _sum in seconds"

check "probes_total grows ($first -> more)" wait_val "$LHR_OK" -gt "$first"
check "feed: messages counted" \
    wait_val edge_health_feed_messages_total -ge 2
check "feed: failed sends counted (nobody listens)" \
    test "$(val edge_health_feed_send_failures_total)" -ge 1

# ---- a failing edge -----------------------------------------------------------
scrape
before=$(val "$LHR_FAIL")
echo 503 >"$D/ctl"
check "lhr fails: result=\"fail\" grows" wait_val "$LHR_FAIL" -gt "$before"
check "lhr goes down: transitions_total{to=\"down\"} 1" \
    wait_val 'edge_health_transitions_total{edge="lhr",to="down"}' -eq 1
is "$(val 'edge_health_edge_up{edge="lhr"}')" 0 "edge_up: lhr 0"
rm -f "$D/ctl"
check "lhr comes back: transitions_total{to=\"up\"} 1" \
    wait_val 'edge_health_transitions_total{edge="lhr",to="up"}' -eq 1
is "$(val 'edge_health_edge_up{edge="lhr"}')" 1 "edge_up: lhr 1 again"
check "histogram: lhr's _count still equals its probes" histogram_ok lhr

# ---- reload keeps the counters --------------------------------------------------
scrape
before=$(val "$LHR_OK")
kill -HUP "$EH_PID"
check "reload: logged" wait_log "$EH_LOG" 'notice: reload:'
scrape
check "reload: probes_total did not restart ($before <= $(val "$LHR_OK"))" \
    test "$(val "$LHR_OK")" -ge "$before"

# ---- the endpoint -----------------------------------------------------------------
"$HTTPGET" "$MET" /nope >/dev/null 2>&1
is "$?" 1 "another path: not 200"

t_reap "$EH_PID"
is "$T_STATUS" 0 "SIGTERM: exit status 0"
check "no sanitizer report" eval '! san_report "$EH_LOG"'
t_reap "$FAKE_PID"
done_testing
