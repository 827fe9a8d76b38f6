#!/bin/sh
# 82_geo_overrides_file: geo overrides from a text file (overrides_file):
# they place clients like inline overrides, and every mistake in the file
# is reported at its file:line:col by dnsd -n.
. "$(dirname "$0")/lib.sh"
GEOQ=$T_O/bin/geoq
need "$GEOQ"

fix=$(t_fixture)
# the demo database is built by `make`; the fixture points at it
check "the demo database exists" test -s "$T_ROOT/zones/geo/demo.mmdb"
sed "s|../../../zones/geo/demo.mmdb|$T_ROOT/zones/geo/demo.mmdb|" \
    "$fix/d.yaml" >"$fix/d.yaml.new" && mv "$fix/d.yaml.new" "$fix/d.yaml"

# ---- a good file ------------------------------------------------------------
cp "$fix/ov-good.txt" "$fix/ov.txt"
out=$("$DNSD" -c "$fix/d.yaml" -n 2>&1)
is "$?" 0 "dnsd -n accepts a valid overrides file"
diag "$out"

start_dnsd "$fix/d.yaml" || bail "dnsd does not start"
# edge_for ECS TYPE: the addresses answered for cdn with that ECS
edge_for()
{
	q -s "$1" cdn.example.net "$2" | sed -n "s/^an .* IN $2 //p" |
	    sort | tr '\n' ' ' | sed 's/ $//'
}
is "$(edge_for 100.64.1.0/24 A)" "203.0.113.43" \
    "100.64.0.0/10 from the file: syd"
is "$(edge_for 172.20.0.0/16 A)" "198.51.100.31" "172.16.0.0/12: gru"
is "$(edge_for 2001:db8:ff:1::/64 AAAA)" "2001:db8:12::1" \
    "2001:db8:ff::/48: fra"
is "$(edge_for 10.9.0.0/16 A)" "192.0.2.11" "the inline override: lhr"
stop_dnsd

out=$("$GEOQ" -c "$fix/d.yaml" 100.64.1.0/24)
like "$out" "rule +override" "geoq: the rule is override"
like "$out" "scope +/10" "geoq: scope /10, the file's network"
like "$out" "ranked +1\\. syd" "geoq: syd first, as the file lists it"
like "$out" "^ +2\\. nrt" "geoq: then nrt"

# ---- a bad file -------------------------------------------------------------
cp "$fix/ov-bad.txt" "$fix/ov.txt"
out=$("$DNSD" -c "$fix/d.yaml" -n 2>&1)
is "$?" 1 "dnsd -n rejects a bad overrides file"
like "$out" "ov.txt:4:1: \"192.0.2.1/24\" is not a network" \
    "host bits past the length: file:line:col"
like "$out" "ov.txt:5:15: no edge called \"nope\"" \
    "an unknown edge: file:line:col"
like "$out" "ov.txt:3:1: cdn.example.net: overrides: network listed twice \\(first at .*z.yaml:7:" \
    "a network inline and in the file: both places"
like "$out" "3 errors" "every error is reported"

done_testing
