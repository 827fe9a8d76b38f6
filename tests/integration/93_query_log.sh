#!/bin/sh
# 93_query_log: the sampled query log (server.query_log): off by default,
# one line per N queries when set, with client, protocol, name, type,
# rcode, answer count and size.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T_TMP/ql" && cp "$T_ROOT/tests/integration/10_answers/"*.yaml \
    "$T_TMP/ql/" || bail "cannot copy the fixture"
CONF=$T_TMP/ql/dnsd.yaml

# off by default: no query lines at all
start_dnsd "$CONF" || bail "dnsd does not start"
for i in 1 2 3; do q www.example.net A >/dev/null; done
stop_dnsd
unlike "$(cat "$DNSD_LOG")" "query: " "off by default: nothing logged"

# one in 3: queries 1, 4, 7 of 7
awk '{ print } /^server:/ { print "  query_log: 3" }' "$CONF" >"$CONF.new" &&
    mv "$CONF.new" "$CONF"
start_dnsd "$CONF" || bail "dnsd does not start with query_log"
n=0
while [ $n -lt 7 ]; do
	q www.example.net A >/dev/null
	n=$((n + 1))
done
# every query so far (readiness probes included), from the server itself
total=$("$T_O/bin/dnsdctl" -c "$CONF" stats |
    awk '/^queries\.(udp|tcp) / { t += $2 } END { print t + 0 }')
stop_dnsd
check "at least the 7 queries were counted ($total)" test "$total" -ge 7
all=$(grep -c "query: worker [0-9]*: " "$DNSD_LOG")
is "$all" "$(((total + 2) / 3))" "one query in three logged (the first included)"
like "$(cat "$DNSD_LOG")" \
    "query: worker [0-9]+: 127\\.0\\.0\\.1 udp www\\.example\\.net\\. type 1 rcode 0 answers [0-9]+ size [0-9]+" \
    "a line: client, protocol, name, type, rcode, answers, size"
done_testing
