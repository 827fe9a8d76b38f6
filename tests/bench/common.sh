# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# tests/bench/common.sh: what tests/bench/run.sh and tests/bench/callgrind.sh
# share, sourced by both: the synthetic database, the query files and
# dnsd's configuration for them.  The sourcing script sets ROOT (the source
# tree), B (the bench directory), MMDB (the database) and EDGES
# (edges.tsv).

# bench_database: the database, 1 M IPv4 + 100 k IPv6 networks, ~200
# countries, seed 1; built (about 2 minutes) unless it is there and newer
# than mksynth.pl.
bench_database()
{
	if [ ! -s "$MMDB" ] || [ "$ROOT/tests/tools/mksynth.pl" -nt "$MMDB" ]; then
		echo "bench: building the synthetic database (about 2 minutes, once) ..."
		perl "$ROOT/tests/tools/mksynth.pl" -4 1000000 -6 100000 -c 50000 -r 8 \
		    -s 1 "$MMDB"
	fi
}

# bench_queries: static.bin, geo.bin, ecs.bin, ecs+do.bin and
# nxdomain+do.bin in $B (mkqueries.pl, the same files every time).
bench_queries()
{
	perl "$ROOT/tests/bench/mkqueries.pl" "$MMDB" "$B"
}

# bench_dnssec_key: the signing key of dnsd's bench zone, made once (like
# make's demo key: one ECDSAP256SHA256 key with the SEP flag, which then
# signs everything) and kept in $B/dnssec; sets BENCH_KEY to its stem, an
# absolute path, as the zone's `dnssec: keys:` names it.
bench_dnssec_key()
{
	BENCH_KEY=$B/dnssec/example.net
	[ -s "$BENCH_KEY.key" ] && [ -s "$BENCH_KEY.private" ] && return 0
	command -v ldns-keygen >/dev/null 2>&1 ||
	    { echo "bench: needs ldns-keygen (ldnsutils)" >&2; return 1; }
	mkdir -p "$B/dnssec"
	(
		cd "$B/dnssec" && umask 077 &&
		    k=$(ldns-keygen -a ECDSAP256SHA256 -k example.net) &&
		    mv "$k.key" example.net.key &&
		    mv "$k.private" example.net.private && rm -f "$k.ds"
	)
}

# bench_dnsd_files DIR [DNSSEC]: dnsd's zone and edges in DIR, the same
# zone and edges as the peers'.  Unless BENCH_STEERING=0 (for a dnsd
# built before steering, as BENCH_DNSD_B may be), dnsd's answers also go
# through the spreading path: lhr has a twin, lhr2, in the same place, and
# the two share London's clients 3:1 by weight; and fra is half way
# through a 1000-hour timed drain (dnsd.state), so it takes half of its
# clients and sends the rest on.  The peers have no such thing: their work
# is the plain nearest answer.  With DNSSEC 1 (default 0, so that
# callgrind.sh's zone, whose DNSD may predate DNSSEC, stays unsigned) the
# zone is signed with bench_dnssec_key's key: every load pays for signing
# being on, though queries without DO get the unsigned zone's answers
# (run.sh signs dnsd's zone, and dnsd_b's unless BENCH_DNSSEC_B=0).
bench_dnsd_files()
{
	mkdir -p "$1"
	steer=${BENCH_STEERING:-1}
	{
		echo "edges:"
		grep -v '^#' "$EDGES" | while read -r name lat lon v4 v6 cc cont; do
			w=""
			[ "$steer" = 0 ] || [ "$name" != lhr ] || w=", weight: 3"
			echo "  $name: { location: [$lat, $lon], country: $cc," \
			    "continent: $cont, addresses: [$v4, \"$v6\"]$w }"
		done
		[ "$steer" = 0 ] || echo "  lhr2: { location: [51.47, -0.45]," \
		    "addresses: [198.51.100.11, \"2001:db8:100::11\"] }"
	} >"$1/edges.yaml"
	rm -f "$1/dnsd.state"
	if [ "$steer" != 0 ]; then
		hour=3600000
		since=$(($(date +%s) * 1000 - 500 * hour))
		echo "fra drain $since $((1000 * hour)) 1" >"$1/dnsd.state"
	fi
	cat >"$1/example.net.yaml" <<'EOF'
zone: example.net
ttl: 1h
records:
  "@":
    SOA: ns1 hostmaster 1 1h 10m 1w 5m
    NS: ns1
  ns1: { A: 127.0.0.1 }
  www: { ttl: 5m, A: 192.0.2.80 }
geo:
  cdn:
    ttl: 30s
    answers: 1
EOF
	if [ "${2:-0}" != 0 ]; then
		bench_dnssec_key
		echo "dnssec: { keys: [\"$BENCH_KEY\"] }" >>"$1/example.net.yaml"
	fi
}

# write_dnsd_conf DIR PORT WORKERS [RRL]: DIR/dnsd.yaml, serving DIR's zone
# and edges (bench_dnsd_files) on 127.0.0.1:PORT with WORKERS workers.
# Unless RRL is 0 (for a dnsd built before rate limiting), with rate
# limiting on at a rate no load here reaches: every response pays for its
# bucket, none is limited, so the figures are the cost of having it on.
# Cookies are on (the default): the queries carry none, as most do.
write_dnsd_conf()
{
	rrl=""
	[ "${4:-1}" = 0 ] || rrl="rrl: {rate: 1000000, slip: 2}"
	cat >"$1/dnsd.yaml" <<EOF
server:
  listen: [127.0.0.1:$2]
  workers: $3
zones: [example.net.yaml]
edges: edges.yaml
geo_database: $MMDB
state_file: dnsd.state
allow_root: true
$rrl
EOF
}
