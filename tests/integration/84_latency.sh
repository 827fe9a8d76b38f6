#!/bin/sh
# 84_latency: measured latency per geo name (latency_file, zones/README.md
# "Geo names"): a covered network gets its lowest-RTT edge though another
# is nearer, an uncovered one the nearest, the longest prefix of the file
# wins and an override wins over it; explain and geoq name the rule
# "latency"; a file older than latency_max_age is ignored with a warning;
# every bad line fails dnsd -n at its file:line:col.  Queries are real
# `dig +subnet`.  The database is built at run time from
# 84_latency/networks.txt: every client of the test is in London, where
# lhr is the nearest edge.
. "$(dirname "$0")/lib.sh"
CTL=$T_O/bin/dnsdctl
GEOQ=$T_O/bin/geoq
need perl "$CTL" "$GEOQ"

fix=$(t_fixture)
CONF=$fix/dnsd.yaml
LHR=192.0.2.11
FRA=192.0.2.12
IAD=198.51.100.21
SYD=203.0.113.43

t_mkmmdb "$fix/networks.txt" "$fix/geo.mmdb"

# a_for SUBNET: the A records dnsd answers cdn with for that ECS subnet
a_for()
{
	t_dig +short +subnet="$1" cdn.example.net A | sort | tr '\n' ' ' |
	    sed 's/ $//'
}
# scope_for SUBNET: the ECS scope of that answer
scope_for()
{
	t_dig +subnet="$1" cdn.example.net A |
	    sed -n 's|.*CLIENT-SUBNET: [^/]*/[0-9]*/\([0-9]*\).*|\1|p'
}

# ---- a fresh file -----------------------------------------------------------
cp "$fix/lat-good.txt" "$fix/lat.txt"
out=$("$DNSD" -c "$CONF" -n 2>&1)
is "$?" 0 "dnsd -n accepts a valid latency file"
diag "$out"

start_dnsd "$CONF" || bail "dnsd does not start"
is "$(a_for 81.2.69.0/25)" "$FRA" \
    "a covered network gets its lowest RTT (fra), not the nearest (lhr)"
is "$(scope_for 81.2.69.0/25)" 25 \
    "... with the scope of what the file decides (/24 less the /25)"
is "$(a_for 81.2.69.128/26)" "$IAD" \
    "a longer prefix of the file (the /25: iad) wins over the /24"
is "$(a_for 81.2.69.192/26)" "$SYD" "an override wins over the file"
is "$(a_for 81.2.70.0/24)" "$LHR" "an uncovered network gets the nearest"
is "$(a_for 81.2.68.0/24)" "$LHR" "... on the other side too"

out=$("$CTL" -c "$CONF" explain 81.2.69.0/25 cdn.example.net)
is "$?" 0 "explain: exit 0"
like "$out" "^  rule +latency" "explain: the rule is latency"
like "$out" "ranked +1\\. fra " "explain: fra first"
like "$out" "^ +2\\. iad " "explain: then iad, measured slower"
like "$out" "^ +3\\. lhr " "explain: then lhr, the nearest of the rest"
out=$("$CTL" -c "$CONF" explain 81.2.70.0/24 cdn.example.net)
like "$out" "^  rule +nearest" "explain: an uncovered network: nearest"
stop_dnsd

out=$("$GEOQ" -c "$CONF" 81.2.69.128/26 cdn.example.net)
like "$out" "rule +latency" "geoq: the rule is latency"
like "$out" "scope +/26" "geoq: scope /26 (the /25 less the override)"
like "$out" "ranked +1\\. iad " "geoq: iad first (4 ms)"
like "$out" "^ +2\\. fra " "geoq: then fra (9 ms)"
out=$("$GEOQ" -c "$CONF" 81.2.69.192/26 cdn.example.net)
like "$out" "rule +override" "geoq: the override's network: override"

# ---- a stale file -----------------------------------------------------------
touch -d '10 days ago' "$fix/lat.txt" || bail "touch -d failed"
start_dnsd "$CONF" || bail "dnsd does not start with a stale file"
check "dnsd warns that the stale file is ignored" wait_log "$DNSD_LOG" \
    "cdn\\.example\\.net: latency_file .*/lat\\.txt is 2[34][0-9]h old \\(latency_max_age 168h\\): ignored, ranking by distance"
is "$(a_for 81.2.69.0/25)" "$LHR" "stale: the nearest answers (lhr)"
is "$(a_for 81.2.69.128/26)" "$LHR" "stale: the /25 too"
stop_dnsd
out=$("$GEOQ" -c "$CONF" 81.2.69.0/25 cdn.example.net 2>&1)
like "$out" "rule +nearest" "geoq: stale: the rule is nearest"

# a longer latency_max_age takes the same file again
sed 's|latency_file: lat.txt|latency_file: lat.txt\n    latency_max_age: 30d|' \
    "$fix/z.yaml" >"$fix/z.yaml.new" && mv "$fix/z.yaml.new" "$fix/z.yaml"
out=$("$GEOQ" -c "$CONF" 81.2.69.0/25 cdn.example.net 2>&1)
like "$out" "rule +latency" "latency_max_age 30d: the 10-day-old file ranks"
unlike "$out" "ignored" "latency_max_age 30d: no warning"

# ---- a bad file -------------------------------------------------------------
cp "$fix/lat-bad.txt" "$fix/lat.txt"
out=$("$DNSD" -c "$CONF" -n 2>&1)
is "$?" 1 "dnsd -n rejects a bad latency file"
like "$out" "lat\\.txt:3:14: no edge called \"nope\"" \
    "an unknown edge: file:line:col"
like "$out" "lat\\.txt:4:1: \"81\\.2\\.69\\.1/24\" is not a network" \
    "host bits past the length: file:line:col"
like "$out" "lat\\.txt:5:14: edge gru is not in this name's pool" \
    "an edge outside the pool: file:line:col"
like "$out" "lat\\.txt:6:18: RTT -1 is negative" \
    "a negative RTT: file:line:col"
like "$out" "lat\\.txt:7:18: the RTT is missing" \
    "a missing field: file:line:col"
like "$out" "lat\\.txt:8:1: edge fra listed twice for this network \\(first at line 2\\)" \
    "the same network and edge twice: both lines"
like "$out" "6 errors" "every error is reported"

done_testing
