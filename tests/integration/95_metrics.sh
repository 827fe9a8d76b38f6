#!/bin/sh
# 95_metrics: the Prometheus endpoint (zones/README.md "Metrics").  dnsd
# starts with `metrics:` on a free port; a known mix of queries (UDP, TCP,
# ECS placing clients on geo names, malformed packets), an all-down answer
# under operator overrides and a reload must show up as exact counter
# deltas between two scrapes; other paths are 404.
. "$(dirname "$0")/lib.sh"
HTTPGET=$T_TOOLS/httpget
CTL=$T_O/bin/dnsdctl
need "$HTTPGET" "$CTL" "$T_TOOLS/rawq" "$T_TOOLS/dnsq"

fix=$(t_fixture)
CONF=$fix/dnsd.yaml
Z=example.net
MPORT=$(free_port)
sed "s/@MPORT@/$MPORT/" "$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF"
start_dnsd "$CONF" || bail "dnsd does not start"

# scrape FILE: GET /metrics into FILE (fails the test point on non-200)
scrape()
{
	"$HTTPGET" -w $T_QUERY_MS "$LOOP4:$MPORT" /metrics >"$1" 2>"$T_TMP/hg.err"
}

# val FILE SAMPLE: the value of the sample (name with its labels, exactly)
val()
{
	awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print "none" }' "$1"
}

# delta SAMPLE: its value in after minus before
delta()
{
	_a=$(val "$T_TMP/after" "$1")
	_b=$(val "$T_TMP/before" "$1")
	case $_a$_b in *none*) echo none; return ;; esac
	echo $((_a - _b))
}

check "GET /metrics answers 200" scrape "$T_TMP/before"
like "$(cat "$T_TMP/hg.err")" '^HTTP/1\.[01] 200' "status line 200"
"$HTTPGET" -w $T_QUERY_MS "$LOOP4:$MPORT" /other >/dev/null 2>"$T_TMP/hg404"
is "$?" 1 "another path is not 200"
like "$(cat "$T_TMP/hg404")" '^HTTP/1\.[01] 404' "another path is 404"
like "$(cat "$T_TMP/before")" '^# TYPE dnsd_queries_total counter$' \
    "HELP/TYPE lines"
is "$(val "$T_TMP/before" dnsd_config_generation)" 1 "generation 1"

# ---- the mix -----------------------------------------------------------------
q $Z SOA >/dev/null
q $Z SOA >/dev/null
q www.$Z A >/dev/null
q nope.$Z A >/dev/null                       # NXDOMAIN
q $Z HINFO >/dev/null                        # other qtype, NODATA
q -t www.$Z AAAA >/dev/null                  # TCP: one connection
q -s 10.1.2.0/24 cdn.$Z A >/dev/null         # override: fra
q -s 10.9.0.0/16 cdn.$Z A >/dev/null         # override: fra
q -s 192.0.2.0/24 cdn.$Z A >/dev/null        # default: lhr
q -s 192.0.2.0/24 cdn.$Z AAAA >/dev/null     # default: lhr
q -s 192.0.2.0/24 img.$Z A >/dev/null        # default: fra
q -s 192.0.2.0/24 cdn.$Z TXT >/dev/null      # NODATA, no geo decision
ID=4660
rawq "$(hexquery $ID www.$Z 1 32768)" >/dev/null # QR set: dropped
rawq -w $T_NOREPLY_MS 12 >/dev/null            # 1 octet: dropped
rawq "$(hexhdr $ID 0 0 0 0 0)" >/dev/null      # QDCOUNT 0: FORMERR
# Every edge down by operator: the all-down policy (fail open) answers.
ctl force-down lhr >/dev/null
ctl force-down fra >/dev/null
q -s 192.0.2.0/24 cdn.$Z A >"$T_TMP/alldown"
like "$(cat "$T_TMP/alldown")" 'IN A 192\.0\.2\.11$' \
    "all down: fail open answers lhr"

check "second scrape" scrape "$T_TMP/after"
A=$T_TMP/after
is "$(delta 'dnsd_queries_total{proto="udp"}')" 15 "udp queries"
is "$(delta 'dnsd_queries_total{proto="tcp"}')" 1 "tcp queries"
is "$(delta 'dnsd_queries_by_qtype_total{qtype="SOA"}')" 2 "qtype SOA"
is "$(delta 'dnsd_queries_by_qtype_total{qtype="A"}')" 7 "qtype A"
is "$(delta 'dnsd_queries_by_qtype_total{qtype="AAAA"}')" 2 "qtype AAAA"
is "$(delta 'dnsd_queries_by_qtype_total{qtype="TXT"}')" 1 "qtype TXT"
is "$(delta 'dnsd_queries_by_qtype_total{qtype="other"}')" 1 \
    "qtype HINFO counts as other"
is "$(delta 'dnsd_responses_total{rcode="NOERROR"}')" 12 "NOERROR"
is "$(delta 'dnsd_responses_total{rcode="NXDOMAIN"}')" 1 "NXDOMAIN"
is "$(delta 'dnsd_responses_total{rcode="FORMERR"}')" 1 "FORMERR"
is "$(delta 'dnsd_ecs_queries_total{ecs="present"}')" 7 "ECS present"
is "$(delta 'dnsd_ecs_queries_total{ecs="absent"}')" 7 "ECS absent"
is "$(delta 'dnsd_malformed_total{kind="dropped_qr"}')" 1 "dropped: QR set"
is "$(delta 'dnsd_malformed_total{kind="dropped_short"}')" 1 \
    "dropped: too short"
is "$(delta 'dnsd_malformed_total{kind="formerr"}')" 1 "formerr"
is "$(delta 'dnsd_tcp_connections_total{result="accepted"}')" 1 \
    "tcp accepted"
is "$(val "$A" 'dnsd_geo_answers_total{name="cdn.example.net",reason="override"}')" \
    2 "cdn: 2 override answers"
is "$(val "$A" 'dnsd_geo_answers_total{name="cdn.example.net",reason="default"}')" \
    2 "cdn: 2 default answers"
is "$(val "$A" 'dnsd_geo_answers_total{name="cdn.example.net",reason="all_down"}')" \
    1 "cdn: 1 all-down answer"
is "$(val "$A" 'dnsd_geo_answers_total{name="img.example.net",reason="default"}')" \
    1 "img: 1 default answer"
is "$(val "$A" 'dnsd_geo_answers_total{name="cdn.example.net",reason="nearest"}')" \
    0 "cdn: no nearest answer (no database)"
is "$(val "$A" 'dnsd_geo_edge_answers_total{name="cdn.example.net",edge="fra"}')" \
    2 "cdn answered fra twice"
is "$(val "$A" 'dnsd_geo_edge_answers_total{name="cdn.example.net",edge="lhr"}')" \
    3 "cdn answered lhr three times (A, AAAA, all down)"
is "$(val "$A" 'dnsd_geo_edge_answers_total{name="img.example.net",edge="fra"}')" \
    1 "img answered fra once"
is "$(val "$A" 'dnsd_geo_dropped_total')" 0 "nothing over the caps"
is "$(val "$A" 'dnsd_edge_override{edge="lhr",override="force-down"}')" 1 \
    "lhr: force-down override"
is "$(val "$A" 'dnsd_edge_override{edge="lhr",override="auto"}')" 0 \
    "lhr: not auto"
is "$(val "$A" 'dnsd_edge_usable{edge="fra"}')" 0 "fra: not usable"
is "$(val "$A" 'dnsd_edge_probed{edge="fra",state="unknown"}')" 1 \
    "fra: probed unknown (no feed)"
is "$(val "$A" 'dnsd_feed_messages_total{result="accepted"}')" 0 \
    "no feed messages"
is "$(val "$A" 'dnsd_feed_age_seconds')" none "no feed age before a message"

# ---- reloads -----------------------------------------------------------------
ctl auto lhr >/dev/null
ctl auto fra >/dev/null
kill -HUP "$DNSD_PID"
wait_log "$DNSD_LOG" 'reload: generation 2' || diag "no reload logged"
printf 'zone: [broken\n' >"$fix/example.net.yaml.bad"
cp "$fix/example.net.yaml" "$fix/example.net.yaml.good"
cp "$fix/example.net.yaml.bad" "$fix/example.net.yaml"
kill -HUP "$DNSD_PID"
wait_log "$DNSD_LOG" 'reload: failed' || diag "no failed reload logged"
cp "$fix/example.net.yaml.good" "$fix/example.net.yaml"
check "scrape after reloads" scrape "$T_TMP/reload"
R=$T_TMP/reload
is "$(val "$R" dnsd_reloads_total)" 1 "one reload"
is "$(val "$R" dnsd_reload_failures_total)" 1 "one failed reload"
is "$(val "$R" dnsd_config_generation)" 2 "generation 2"
is "$(val "$R" 'dnsd_geo_answers_total{name="cdn.example.net",reason="override"}')" \
    0 "geo counters restart at a reload"
is "$(val "$R" 'dnsd_queries_total{proto="udp"}')" \
    "$(val "$A" 'dnsd_queries_total{proto="udp"}')" \
    "query counters do not"
q -s 10.1.2.0/24 cdn.$Z A >/dev/null
scrape "$R"
is "$(val "$R" 'dnsd_geo_edge_answers_total{name="cdn.example.net",edge="fra"}')" \
    1 "geo counters count again after the reload"

stop_dnsd
done_testing
