#!/bin/sh
# 40_tcp: DNS over TCP (RFC 1035 §4.2.2, RFC 7766): 2-octet length framing,
# messages split across segments, pipelined queries on one connection, the
# idle timeout, the connection cap (tcp_max_clients), IPv6.
. "$(dirname "$0")/lib.sh"

fix=$(t_fixture)
# the settings under test, read from the fixture
idle_s=$(sed -n 's/^ *tcp_idle_timeout: *\([0-9]*\)s *$/\1/p' "$fix/dnsd.yaml")
cap=$(sed -n 's/^ *tcp_max_clients: *\([0-9]*\) *$/\1/p' "$fix/dnsd.yaml")
[ -n "$idle_s" ] && [ -n "$cap" ] || bail "fixture lacks tcp settings"
idle_ms=$((idle_s * 1000))

start_dnsd "$fix/dnsd.yaml" || bail "dnsd does not start"
Z=example.net
ID=4660
good=$(hexquery $ID www.$Z 1)

r=$(q -t www.$Z A)
is "$(sect "$r" an)" "www.$Z. 3600 IN A 192.0.2.10" "query over TCP answered"
r=$(QADDR=$LOOP6 q -t www.$Z A)
is "$(sect "$r" an)" "www.$Z. 3600 IN A 192.0.2.10" "query over TCP on ::1 answered"

r=$(rawq -t -S -f "$good")
is "$(field "$r" rcode)/$(field "$r" an)" "0/1" \
    "message split inside the length prefix: answered"

# ---- pipelining (RFC 7766 §6.2.1.1) ----------------------------------------
r=$(rawq -t -n 10 -f "$good")
is "$(printf '%s\n' "$r" | grep -c "^id=$ID rcode=0 .* an=1 ")" 10 \
    "10 pipelined queries in one write: 10 answers on the connection"
nx=$(hexquery 4661 nothere.$Z 1)
r=$(rawq -t -n 3 -f "$nx")
is "$(printf '%s\n' "$r" | grep -c '^id=4661 rcode=3 ')" 3 \
    "pipelined NXDOMAIN queries answered too"

# ---- idle timeout (RFC 7766 §6.2.3) ----------------------------------------
r=$(rawq -t -I -w $((idle_ms + T_IDLE_SLACK_MS * 2)) "")
ms=$(printf '%s\n' "$r" | sed -n 's/^closed \([0-9]*\)$/\1/p')
check "idle connection closed by the server (got: $r)" test -n "$ms"
lo=$((idle_ms - 200))
hi=$((idle_ms + T_IDLE_SLACK_MS))
check "closed after about ${idle_ms} ms (got ${ms:-none})" \
    test "${ms:-0}" -ge $lo -a "${ms:-0}" -le $hi
r=$(rawq -t -I -w $((idle_ms + T_IDLE_SLACK_MS * 2)) "$good")
ms=$(printf '%s\n' "$r" | sed -n 's/^closed \([0-9]*\)$/\1/p')
check "after a query, closed about ${idle_ms} ms later (got: $r)" \
    test "${ms:-0}" -ge $lo -a "${ms:-0}" -le $hi
r=$(rawq -t -I -w $((idle_ms / 2)) "")
is "$r" open "not closed before the idle timeout"

# ---- connection cap ---------------------------------------------------------
# Open cap*2 connections, then query on each: at most `cap` are served at
# once (whether the server refuses, closes or evicts the others), and at
# least one is.
r=$(rawq -t -C $((cap * 2)) -w $T_CAP_MS "$good")
k=$(printf '%s\n' "$r" | sed -n 's/^answered \([0-9]*\) of .*/\1/p')
check "$((cap * 2)) connections, cap $cap: at most $cap answered (got ${k:-none})" \
    test -n "$k" -a "${k:-0}" -le "$cap"
check "$((cap * 2)) connections, cap $cap: at least one answered" \
    test "${k:-0}" -ge 1
# the server notices the closed connections asynchronously: a few tries
i=0
while [ $i -lt 10 ]; do
	r=$(rawq -t -C "$cap" -w $T_CAP_MS "$good")
	[ "$r" = "answered $cap of $cap" ] && break
	sleep $T_POLL
	i=$((i + 1))
done
is "$r" "answered $cap of $cap" "once they are closed, $cap connections are served"
r=$(q -t www.$Z A)
is "$(hdr "$r" an)" 1 "and a new TCP query is answered"

check "dnsd still running" t_alive "$DNSD_PID"
stop_dnsd
done_testing
