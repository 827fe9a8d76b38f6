#!/bin/sh
# 89_dns_check: edge-health's `dns` check and the `source` of a check,
# against a real dnsd serving the 10_answers zones (with its query log on,
# one line a query).  One edge per check, so each edge's state is the
# check's; states are read from the prober's metrics (edge_up), reasons
# from its log (a transition names the reason once).  Covered:
#   1. passes: udp and tcp, an A answer, an MX answer given with another
#      case, a question asked with another case, an NXDOMAIN expected;
#   2. fails, with the reason: a wrong rcode expected, an answer not in
#      the reply, a truncated UDP reply when an answer is required (the
#      same over tcp passes);
#   3. source: the queries of the checks with `source: 127.0.0.X` (udp
#      and tcp) arrive from that address in dnsd's query log, and tcp and
#      http checks connect from theirs (89_dns_check/peer_log.pl); a
#      source not on this host fails dns, tcp and http checks with the
#      bind reason;
#   4. dnsd SIGSTOPped: the checks time out and go down; SIGCONT: they
#      come back within rise rounds;
#   5. dnsd stopped: udp and tcp checks fail with "connection refused";
#   6. replies that are not right (89_dns_check/fake_dns.pl): a stray
#      reply with another id is ignored (the right one that follows
#      passes), no QR bit, another question, a malformed reply and one
#      with two TSIG records fail;
#   7. -n: a bad qtype at file:line:col; the metrics label dns checks.
. "$(dirname "$0")/lib.sh"
EH=$T_O/bin/edge-health
HTTPGET=$T_TOOLS/httpget
need "$EH" "$HTTPGET" perl

INTERVAL_MS=200
TIMEOUT_MS=150
FALL=2
RISE=2
T_SCRAPE_TRIES=60 # polls (of T_POLL) for a state to be reached
D=$T_TMP
# Sources on the loopback (all of 127/8 is local on Linux), and one that
# no interface of this host has (TEST-NET-1, RFC 5737).
SRC_UDP=127.0.0.31
SRC_TCP=127.0.0.32
SRC_TCPCHECK=127.0.0.33
SRC_HTTP=127.0.0.34
SRC_NONE=192.0.2.1
TC_TXT='"record-01-xxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'

# ---- dnsd ---------------------------------------------------------------------
mkdir -p "$D/dnsd" && cp "$T_ROOT/tests/integration/10_answers/"*.yaml \
    "$D/dnsd/" || bail "cannot copy the 10_answers fixture"
awk '{ print } /^server:/ { print "  query_log: 1" }' "$D/dnsd/dnsd.yaml" \
    >"$D/dnsd/dnsd.yaml.new" && mv "$D/dnsd/dnsd.yaml.new" "$D/dnsd/dnsd.yaml"
start_dnsd "$D/dnsd/dnsd.yaml" || bail "dnsd does not start"
NS=$LOOP4:$DNSD_PORT
out=$(q big.example.net TXT)
check "fixture: dnsd truncates big.example.net TXT over UDP" has_flag "$out" tc

# ---- fake servers ---------------------------------------------------------------
FAKES="wrongid noqr otherq short twotsig"
for m in $FAKES; do
	p=$(free_port)
	eval "P_$m=$p"
	perl "$T_FIX/fake_dns.pl" "$m" "$LOOP4" "$p" >"$D/fake_$m.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
	wait_log "$D/fake_$m.log" '^listening' ||
		bail "fake_dns.pl $m does not start: $(cat "$D/fake_$m.log")"
done
P_PEER=$(free_port)
perl "$T_FIX/peer_log.pl" "$LOOP4" "$P_PEER" >"$D/peer.log" 2>&1 &
T_PIDS="$T_PIDS $!"
wait_log "$D/peer.log" '^listening' ||
	bail "peer_log.pl does not start: $(cat "$D/peer.log")"

# ---- edge-health ----------------------------------------------------------------
EDGES="udp_ok tcp_ok src_udp src_tcp mx_ok nx_ok rcode_bad answer_bad tc_udp tc_tcp
    nosrc_dns nosrc_tcp nosrc_http fake_wrongid fake_noqr fake_otherq fake_short
    fake_twotsig src_tcpcheck src_http"
: >"$D/edges.yaml.tmp"
echo "edges:" >>"$D/edges.yaml.tmp"
for e in $EDGES; do
	echo "  $e: {location: [51.47, -0.45], addresses: [192.0.2.11]}" \
	    >>"$D/edges.yaml.tmp"
done
mv "$D/edges.yaml.tmp" "$D/edges.yaml"

P_MET=$(free_port)
MET=$LOOP4:$P_MET
cat >"$D/eh.yaml" <<YAML
edges: edges.yaml
defaults: {interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, fall: $FALL, rise: $RISE}
checks:
  udp_ok:
    - {type: dns, address: "$NS", name: www.example.net, qtype: A,
       transport: udp, rcode: NOERROR, answer: 192.0.2.10}
  tcp_ok:
    - {type: dns, address: "$NS", name: www.example.net, transport: tcp,
       answer: 192.0.2.11}
  src_udp:
    - {type: dns, address: "$NS", name: cdn.example.net, source: $SRC_UDP}
  src_tcp:
    - {type: dns, address: "$NS", name: mail.example.net, qtype: AAAA,
       transport: tcp, source: $SRC_TCP, answer: "2001:db8:0::25"}
  mx_ok:
    - {type: dns, address: "$NS", name: Example.NET., qtype: mx,
       answer: 10 MAIL.example.net}
  nx_ok:
    - {type: dns, address: "$NS", name: nothere.example.net, rcode: NXDOMAIN}
  rcode_bad:
    - {type: dns, address: "$NS", name: nothere.example.net}
  answer_bad:
    - {type: dns, address: "$NS", name: www.example.net, answer: 192.0.2.99}
  tc_udp:
    - {type: dns, address: "$NS", name: big.example.net, qtype: TXT,
       answer: '$TC_TXT'}
  tc_tcp:
    - {type: dns, address: "$NS", name: big.example.net, qtype: TXT,
       transport: tcp, answer: '$TC_TXT'}
  nosrc_dns:
    - {type: dns, address: "$NS", name: www.example.net, source: $SRC_NONE}
  nosrc_tcp:
    - {type: tcp, address: "$NS", source: $SRC_NONE}
  nosrc_http:
    - {type: http, address: "$NS", source: $SRC_NONE}
  src_tcpcheck:
    - {type: tcp, address: "$LOOP4:$P_PEER", source: $SRC_TCPCHECK}
  src_http:
    - {type: http, address: "$LOOP4:$P_PEER", source: $SRC_HTTP}
  fake_wrongid:
    - {type: dns, address: "$LOOP4:$P_wrongid", name: www.example.net}
  fake_noqr:
    - {type: dns, address: "$LOOP4:$P_noqr", name: www.example.net}
  fake_otherq:
    - {type: dns, address: "$LOOP4:$P_otherq", name: www.example.net}
  fake_short:
    - {type: dns, address: "$LOOP4:$P_short", name: www.example.net}
  fake_twotsig:
    - {type: dns, address: "$LOOP4:$P_twotsig", name: www.example.net}
feeds:
  - unix: nobody-listens.sock
metrics: $MET
allow_root: true              # the tests may run as root (CI)
YAML

# ---- -n -------------------------------------------------------------------------
out=$("$EH" -n -c "$D/eh.yaml" 2>&1)
is "$?" 0 "-n: the dns checks load"
sed 's/name: www.example.net, qtype: A,$/name: www.example.net, qtype: BOGUS,/' \
    "$D/eh.yaml" >"$D/bad.yaml"
pos=$(awk '/BOGUS/ { print NR ":" index($0, "BOGUS"); exit }' "$D/bad.yaml")
out=$("$EH" -n -c "$D/bad.yaml" 2>&1)
is "$?" 1 "-n: an unknown qtype fails"
like "$out" "bad\\.yaml:$pos: checks: udp_ok: qtype: unknown or unusable type \"BOGUS\"" \
    "-n: the unknown qtype at file:line:col ($pos)"

# ---- start ----------------------------------------------------------------------
EH_LOG=$D/eh.log
"$EH" -c "$D/eh.yaml" >"$EH_LOG" 2>&1 &
EH_PID=$!
T_PIDS="$T_PIDS $EH_PID"
wait_log "$EH_LOG" "metrics: http://$MET/metrics" ||
	bail "edge-health does not start: $(cat "$EH_LOG")"

# scrape: the exposition into $D/m (empty on failure)
scrape()
{
	"$HTTPGET" "$MET" /metrics >"$D/m" 2>/dev/null || : >"$D/m"
}

# up EDGE: its edge_up value in $D/m (1, 0, or empty)
up()
{
	awk -v s="edge_health_edge_up{edge=\"$1\"}" '$1 == s { print $2 }' \
	    "$D/m"
}

# wait_states EDGE=V...: poll (bounded) until every EDGE's edge_up is V
wait_states()
{
	_i=0
	while [ $_i -lt $T_SCRAPE_TRIES ]; do
		scrape
		_bad=""
		for _ev in "$@"; do
			[ "$(up "${_ev%=*}")" = "${_ev#*=}" ] || _bad="$_bad $_ev"
		done
		[ -z "$_bad" ] && return 0
		sleep $T_POLL
		_i=$((_i + 1))
	done
	for _ev in $_bad; do
		diag "${_ev%=*}: edge_up '$(up "${_ev%=*}")', wanted ${_ev#*=}"
	done
	return 1
}

# reason EDGE TEXT [PORT]: the log says EDGE (checking 127.0.0.1:PORT,
# dnsd's by default) went down for TEXT (a fixed string)
reason()
{
	wait_log "$EH_LOG" "probe $1 \\(127\\.0\\.0\\.1:${3:-$DNSD_PORT}\\): $(
	    printf '%s' "$2" | sed 's/[].[()*+?^$|\\]/\\&/g'): down after $FALL failed rounds"
}

# "down after FALL failed rounds" must be seen: the edges start up
GOOD="udp_ok=1 tcp_ok=1 src_udp=1 src_tcp=1 mx_ok=1 nx_ok=1 tc_tcp=1
    fake_wrongid=1 src_tcpcheck=1 src_http=1"
BAD="rcode_bad=0 answer_bad=0 tc_udp=0 nosrc_dns=0 nosrc_tcp=0 nosrc_http=0
    fake_noqr=0 fake_otherq=0 fake_short=0 fake_twotsig=0"
# shellcheck disable=SC2086 # word splitting wanted
check "every check reaches its state" wait_states $GOOD $BAD

check "passes: udp, A, rcode NOERROR, answer" test "$(up udp_ok)" = 1
check "passes: tcp, answer 192.0.2.11 (the second A)" test "$(up tcp_ok)" = 1
check "passes: MX \"10 MAIL.example.net\" asked as Example.NET. mx" \
    test "$(up mx_ok)" = 1
check "passes: rcode NXDOMAIN expected" test "$(up nx_ok)" = 1
check "passes: AAAA 2001:db8:0::25 (rdata, not text, compared) over tcp" \
    test "$(up src_tcp)" = 1
check "fails: wrong rcode expected" \
    reason rcode_bad "dns: rcode NXDOMAIN (expected NOERROR)"
check "fails: an answer not in the reply" \
    reason answer_bad "dns: answer 192.0.2.99 not in the reply"
check "fails: truncated over udp when an answer is required" \
    reason tc_udp "dns: truncated; use transport: tcp"
check "passes: the same answer over tcp" test "$(up tc_tcp)" = 1

# ---- replies that are not right ---------------------------------------------------
scrape
like "$(cat "$D/m")" "^edge_health_probes_total\\{edge=\"fake_wrongid\",check=\"[^\"]*\",result=\"ok\"\\} [1-9]" \
    "a reply with another id is ignored: the right one after it passes"
unlike "$(cat "$EH_LOG")" "probe fake_wrongid " \
    "... and fake_wrongid never went down"
check "no QR bit: bad reply" \
    reason fake_noqr "dns: bad reply: QR bit not set" "$P_noqr"
check "another question: bad reply" \
    reason fake_otherq "dns: bad reply: not for the question asked" "$P_otherq"
check "an answer announced but missing: bad reply" \
    wait_log "$EH_LOG" "probe fake_short \\(127\\.0\\.0\\.1:$P_short\\): dns: bad reply: [^:]+: down after"
check "two TSIG records: bad reply, refused before ldns reads it" \
    reason fake_twotsig "dns: bad reply: more than one TSIG record" "$P_twotsig"

# ---- source -------------------------------------------------------------------
check "source: dns over udp fails to bind $SRC_NONE" reason nosrc_dns \
    "dns: bind source $SRC_NONE: Cannot assign requested address"
check "source: tcp fails to bind $SRC_NONE" reason nosrc_tcp \
    "tcp: bind source $SRC_NONE: Cannot assign requested address"
check "source: http fails to bind $SRC_NONE" reason nosrc_http \
    "http: bind source $SRC_NONE: Cannot assign requested address"
QL=$(grep 'query: worker' "$DNSD_LOG")
like "$QL" "query: worker [0-9]+: $SRC_UDP udp cdn\\.example\\.net\\. type 1 rcode 0" \
    "source: the udp query arrives from $SRC_UDP"
like "$QL" "query: worker [0-9]+: $SRC_TCP tcp mail\\.example\\.net\\. type 28 rcode 0" \
    "source: the tcp query arrives from $SRC_TCP"
unlike "$QL" "query: worker [0-9]+: 127\\.0\\.0\\.1 (udp|tcp) (cdn|mail)\\.example\\.net\\." \
    "source: no query of those checks from 127.0.0.1"
like "$QL" "query: worker [0-9]+: 127\\.0\\.0\\.1 udp www\\.example\\.net\\. type 1 rcode 0" \
    "source: without one, the default address (127.0.0.1)"
PEERS=$(sort -u "$D/peer.log")
like "$PEERS" "^peer $SRC_TCPCHECK\$" "source: the tcp check connects from $SRC_TCPCHECK"
like "$PEERS" "^peer $SRC_HTTP\$" "source: the http check connects from $SRC_HTTP"
unlike "$PEERS" "^peer 127\\.0\\.0\\.1\$" "source: no connection from 127.0.0.1"

# ---- metrics ------------------------------------------------------------------
like "$(cat "$D/m")" "^edge_health_probes_total\\{edge=\"udp_ok\",check=\"dns://$NS/www\\.example\\.net/A\",result=\"ok\"\\} [1-9]" \
    "metrics: a dns check's probes, labelled dns://ADDR/NAME/TYPE"
like "$(cat "$D/m")" "^edge_health_probes_total\\{edge=\"tcp_ok\",check=\"dns://$NS/www\\.example\\.net/A/tcp\",result=\"ok\"\\} [1-9]" \
    "metrics: over tcp, labelled .../tcp"

# ---- dnsd hangs (SIGSTOP), then comes back (SIGCONT) -----------------------------
kill -STOP "$DNSD_PID"
check "SIGSTOP: udp and tcp checks go down" \
    wait_states udp_ok=0 tcp_ok=0 src_udp=0 src_tcp=0
check "SIGSTOP: udp: the reason is the timeout" \
    reason udp_ok "timeout after $TIMEOUT_MS ms"
check "SIGSTOP: tcp: the reason is the timeout" \
    reason tcp_ok "timeout after $TIMEOUT_MS ms"
t0=$(date +%s%N)
kill -CONT "$DNSD_PID"
check "SIGCONT: the checks come back up" \
    wait_states udp_ok=1 tcp_ok=1 src_udp=1 src_tcp=1
ms=$((($(date +%s%N) - t0) / 1000000))
limit=$(((RISE + 1) * INTERVAL_MS * 11 / 10 + 1500))
check "SIGCONT: ... within rise rounds + slack ($ms <= $limit ms)" \
    test "$ms" -le "$limit"
like "$(cat "$EH_LOG")" "notice: probe udp_ok: up after $RISE good rounds" \
    "SIGCONT: logged up after rise rounds"

# ---- dnsd stopped: connection refused -----------------------------------------------
stop_dnsd
check "dnsd stopped: the checks go down" wait_states udp_ok=0 tcp_ok=0
check "dnsd stopped: udp: connection refused (ICMP, not a timeout)" \
    reason udp_ok "dns: connection refused"
check "dnsd stopped: tcp: connection refused" \
    reason tcp_ok "dns: connection refused"

t_reap "$EH_PID"
is "$T_STATUS" 0 "edge-health: SIGTERM: exit status 0"
check "edge-health: no sanitizer report" eval '! san_report "$EH_LOG"'
done_testing
