#!/bin/sh
# 92_explain: dnsdctl explain and geoq: why a client gets its edges —
# location, rule, ranked edges with health, answer, TTL and scope — as
# text and JSON, under live operator overrides.
. "$(dirname "$0")/lib.sh"
CTL=$T_O/bin/dnsdctl
GEOQ=$T_O/bin/geoq
need "$CTL" "$GEOQ"

# The bundled example, in a temp copy (the demo database is built by make).
check "the demo database exists" test -s "$T_ROOT/zones/geo/demo.mmdb"
mkdir -p "$T_TMP/ex/geo" "$T_TMP/ex/keys"
cp "$T_ROOT"/zones/*.yaml "$T_TMP/ex/" &&
    cp "$T_ROOT/zones/geo/demo.mmdb" "$T_TMP/ex/geo/" &&
    cp "$T_ROOT"/zones/keys/example.net.* "$T_TMP/ex/keys/" ||
    bail "cannot copy the example"
CONF=$T_TMP/ex/dnsd.yaml
grep -q '^allow_root:' "$CONF" || echo "allow_root: true" >>"$CONF"
start_dnsd "$CONF" || bail "dnsd does not start"

out=$("$CTL" -c "$CONF" explain 81.2.69.0/24 cdn.example.net)
is "$?" 0 "explain: exit 0"
like "$out" "^location +81\\.2\\.69\\.0/24: EU GB ENG London" \
    "explain: the location the database gives"
like "$out" "^  rule +nearest" "explain: the rule"
like "$out" "^  scope +/24" "explain: the ECS scope"
like "$out" "^  ttl +30" "explain: the TTL"
like "$out" "ranked +1\\. lhr +25 km .*effective up" \
    "explain: lhr first, 25 km, up"
like "$out" "^ +2\\. fra +631 km" "explain: then fra"
like "$out" "^  A +192\\.0\\.2\\.11 \\(lhr\\)" "explain: the A answer"

# An operator takes lhr out: explain shows it and the answer moves.
"$CTL" -c "$CONF" force-down lhr >/dev/null
is "$?" 0 "force-down lhr"
out=$("$CTL" -c "$CONF" explain 81.2.69.0/24 cdn.example.net A)
like "$out" "1\\. lhr .*override force-down +effective down" \
    "explain: lhr forced down"
like "$out" "^  A +192\\.0\\.2\\.12 \\(fra\\)" "explain: the answer is fra"
unlike "$out" "^  AAAA" "explain A: no AAAA line"
is "$(q -s 81.2.69.0/24 cdn.example.net A | sed -n 's/^an .* IN A //p')" \
    192.0.2.12 "the server answers fra too"

out=$("$CTL" -c "$CONF" --json explain 81.2.69.0/24 cdn.example.net)
is "$?" 0 "--json explain: exit 0"
like "$out" '^\{"client": "81\.2\.69\.0/24", "location": \{"network": "81\.2\.69\.0/24"' \
    "--json: one object, starting with the client and location"
like "$out" '"edge": "lhr", "km": 25, "tier": 1, "weight": 1, "share": 0\.0000, "in_share": true, "probed": "unknown", "override": "force-down", "effective": "down"' \
    "--json: lhr's state"
like "$out" '"A": \{"rcode": "NOERROR", "all_down": false, "edges": \["fra"\]\}' \
    "--json: the A answer"
unlike "$out" "^ok$" "--json: no trailing ok line"
"$CTL" -c "$CONF" auto lhr >/dev/null

out=$("$CTL" -c "$CONF" explain 81.2.69.0/24 nope.example.net 2>&1)
is "$?" 1 "explain an unknown name: exit 1"
like "$out" "error: nope.example.net: no such geo name" "... and why"
out=$("$CTL" -c "$CONF" explain 999.1.1.1 cdn.example.net 2>&1)
is "$?" 1 "explain a bad client: exit 1"
like "$out" "expected ADDRESS or ADDRESS/PREFIX" "... and why"
out=$("$CTL" -c "$CONF" explain 81.2.69.0/24 2>&1)
is "$?" 1 "explain without a name: exit 1"
like "$out" "usage: explain CLIENT NAME" "... with the usage"

# every rule, as explain names it
rule_of()
{
	"$CTL" -c "$CONF" explain "$1" cdn.example.net A |
	    sed -n 's/^  rule  *//p'
}
is "$(rule_of 198.18.0.0/24)" override "explain: the operator override"
is "$(rule_of 121.98.1.0/24)" map "explain: the region map (NZ: syd)"
is "$(rule_of 10.1.2.0/24)" default "explain: not located: the default"
is "$(rule_of 216.160.83.0/24)" nearest "explain: nearest"
# every edge down: the all_down policy (fail_open) answers
for e in lhr fra iad sjc gru sin nrt syd; do
	"$CTL" -c "$CONF" force-down $e >/dev/null
done
out=$("$CTL" -c "$CONF" explain 81.2.69.0/24 cdn.example.net A)
like "$out" "^  A +192\\.0\\.2\\.11 \\(lhr\\)  \\[all down: the all_down policy answered\\]" \
    "explain: all down, fail_open answers lhr and says so"
like "$("$CTL" -c "$CONF" --json explain 81.2.69.0/24 cdn.example.net A)" \
    '"A": \{"rcode": "NOERROR", "all_down": true, "edges": \["lhr"\]\}' \
    "--json: all_down true"
for e in lhr fra iad sjc gru sin nrt syd; do
	"$CTL" -c "$CONF" auto $e >/dev/null
done

# status and stats
out=$("$CTL" -c "$CONF" status)
is "$?" 0 "status: exit 0"
like "$out" "^loaded: [0-9]{4}-[0-9]{2}-[0-9]{2}T" "status: when loaded"
like "$out" "^geo database: .*demo\.mmdb \(GeoIP2-City, IPv6, built" \
    "status: the database, its type and build date"
like "$out" "^edges: 8, 8 usable" "status: edges"
q nope.example.net A >/dev/null
out=$("$CTL" -c "$CONF" stats)
is "$?" 0 "stats: exit 0"
like "$out" "^queries\.udp [1-9][0-9]*$" "stats: UDP queries counted"
like "$out" "^rcode\.nxdomain [1-9][0-9]*$" "stats: the NXDOMAIN counted"
like "$out" "^qtype\.A [1-9][0-9]*$" "stats: by qtype"

# reload through the control socket: success, then a broken zone whose
# errors come back with file:line:col while the old data keeps serving
out=$("$CTL" -c "$CONF" reload)
is "$?" 0 "reload: exit 0"
like "$("$CTL" -c "$CONF" status)" "^generation: 2" \
    "reload: generation 2"
cp "$T_TMP/ex/example.net.yaml" "$T_TMP/ex/example.net.yaml.good"
printf 'records:\n  oops: {A: 300.1.2.3}\n' >>"$T_TMP/ex/example.net.yaml"
out=$("$CTL" -c "$CONF" reload 2>&1)
is "$?" 1 "a broken reload: exit 1"
like "$out" "example\.net\.yaml:[0-9]+:[0-9]+: " \
    "a broken reload: the errors, with file:line:col"
like "$out" "^error: reload failed" "a broken reload: error line"
is "$(q www.example.net A | sed -n 's/^an .* IN A //p' | sort | head -1)" \
    192.0.2.10 "a broken reload: the old data keeps serving"
like "$("$CTL" -c "$CONF" status)" "^generation: 2" \
    "a broken reload: still generation 2"
mv "$T_TMP/ex/example.net.yaml.good" "$T_TMP/ex/example.net.yaml"

# explain answers from what is served, not from the files as they are now:
# a database that puts London in Sydney, renamed over the served one (as
# geoipupdate replaces it), changes nothing until a reload.
sed 's|^81\.2\.69\.0/24.*|81.2.69.0/24 -33.8688 151.2093 OC AU NSW Sydney|' \
    "$T_ROOT/zones/geo/demo-networks.txt" >"$T_TMP/moved.txt"
perl "$T_ROOT/tests/tools/mkmmdb.pl" "$T_TMP/moved.txt" \
    "$T_TMP/ex/geo/moved.mmdb" >/dev/null 2>&1 ||
    bail "cannot build the moved database"
mv "$T_TMP/ex/geo/moved.mmdb" "$T_TMP/ex/geo/demo.mmdb"
out=$("$CTL" -c "$CONF" explain 81.2.69.0/24 cdn.example.net A)
like "$out" "^location +81\\.2\\.69\\.0/24: EU GB ENG London" \
    "new database on disk: explain still locates as served (London)"
like "$out" "^  A +192\\.0\\.2\\.11 \\(lhr\\)" \
    "new database on disk: explain still answers as served (lhr)"
"$CTL" -c "$CONF" reload >/dev/null
out=$("$CTL" -c "$CONF" explain 81.2.69.0/24 cdn.example.net A)
like "$out" "^location +81\\.2\\.69\\.0/24: OC AU NSW Sydney" \
    "after the reload: explain locates in the new database"
like "$out" "^  A +203\\.0\\.113\\.43 \\(syd\\)" \
    "after the reload: explain answers syd"
is "$(q -s 81.2.69.0/24 cdn.example.net A | sed -n 's/^an .* IN A //p')" \
    203.0.113.43 "after the reload: the server answers syd too"

# geoq: the same explanation offline, as JSON with -j
out=$("$GEOQ" -c "$CONF" -j 2001:218::/32 cdn.example.net)
is "$?" 0 "geoq -j: exit 0"
like "$out" '"rule": "nearest", "network": "2001:218::/32", "scope": 32' \
    "geoq -j: rule, the map's network and scope"
like "$out" '"AAAA": \{"rcode": "NOERROR", "all_down": false, "edges": \["nrt"\]\}' \
    "geoq -j: Tokyo gets nrt"
stop_dnsd
done_testing
