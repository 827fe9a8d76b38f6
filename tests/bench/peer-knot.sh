#!/bin/sh
# tests/bench/peer-knot.sh: run Knot DNS 3 (mod-geoip) as a bench peer.
#
# usage: sh peer-knot.sh WORKDIR MMDB EDGES_TSV PORT [THREADS]
#
# Writes a knotd config, zone and geoip view file for example.net into
# WORKDIR (wiped first), then execs knotd in the foreground on
# 127.0.0.1:PORT (UDP and TCP), logging to stderr.  mod-geoip cannot rank
# by distance, so cdn.example.net A/AAAA map each country code of
# tests/tools/mksynth.pl (the synthetic MMDB's generator) to the edge of
# EDGES_TSV nearest the centre of the country's continent box there; the
# zone's own cdn records (the first edge) answer clients not in MMDB.
# THREADS (default 1) is the number of UDP workers; TCP and background
# work get one each.
set -eu

if [ $# -lt 4 ] || [ $# -gt 5 ]; then
	echo "usage: $0 WORKDIR MMDB EDGES_TSV PORT [THREADS]" >&2
	exit 2
fi
work=$1 mmdb=$2 edges=$3 port=$4 threads=${5:-1}
synth=$(dirname "$0")/../tools/mksynth.pl

for f in "$mmdb" "$edges" "$synth"; do
	[ -r "$f" ] || { echo "$0: $f: not readable" >&2; exit 1; }
done
mkdir -p "$work"
work=$(cd "$work" && pwd)
mmdb=$(cd "$(dirname "$mmdb")" && pwd)/$(basename "$mmdb")
rm -rf "$work/run" "$work/db" "$work/confdb" "$work/zones" "$work/knot.conf" \
    "$work/geo.conf"
mkdir -p "$work/run" "$work/db" "$work/zones"

# The view file: every country of mksynth.pl's %continents table (taken
# from the source, so the two cannot drift apart) to its nearest edge.
perl -e '
	use strict; use warnings;
	my ($synth, $edges) = @ARGV;
	open(my $fh, "<", $synth) or die "$synth: $!\n";
	my ($table) = do { local $/; <$fh> } =~ /^my %continents = (\(.*?^\));/ms
	    or die "$synth: no %continents table\n";
	my %cont = eval $table or die "$synth: %continents: $@\n";
	open($fh, "<", $edges) or die "$edges: $!\n";
	my @e = map { [ split /\t/ ] } grep { !/^#/ && /\S/ } <$fh>;
	chomp @$_ for @e;
	my $rad = atan2(1, 1) / 45;
	sub dist {    # great-circle angle (haversine)
		my ($la1, $lo1, $la2, $lo2) = map { $_ * $rad } @_;
		my $h = sin(($la2 - $la1) / 2)**2
		    + cos($la1) * cos($la2) * sin(($lo2 - $lo1) / 2)**2;
		return atan2(sqrt($h), sqrt(1 - $h));
	}
	print "cdn.example.net:\n";
	for my $c (sort keys %cont) {
		my ($la0, $la1, $lo0, $lo1, undef, $codes) = @{ $cont{$c} };
		my @mid = (($la0 + $la1) / 2, ($lo0 + $lo1) / 2);
		my ($best) = sort {
			dist(@mid, @$a[1, 2]) <=> dist(@mid, @$b[1, 2])
		} @e;
		print "  - geo: \"$_\"\n    A: $best->[3]\n    AAAA: $best->[4]\n"
		    for split " ", $codes;
	}
' "$synth" "$edges" >"$work/geo.conf"

# The default answer: the first edge, as gdnsd's fallback.
def4=$(awk -F '\t' '!/^#/ && NF { print $4; exit }' "$edges")
def6=$(awk -F '\t' '!/^#/ && NF { print $5; exit }' "$edges")
cat >"$work/zones/example.net.zone" <<EOF
\$TTL 3600
@	300	SOA	ns1.example.net. hostmaster.example.net. 1 3600 600 604800 300
@	NS	ns1.example.net.
ns1	A	127.0.0.1
www	300	A	192.0.2.80
cdn	30	A	$def4
cdn	30	AAAA	$def6
EOF

# rundir, pidfile, control socket and storage all default to /run/knot
# and /var/lib/knot; the zone file is never written back nor journaled.
cat >"$work/knot.conf" <<EOF
server:
    rundir: $work/run
    pidfile: $work/run/knot.pid
    user: root:root
    listen: 127.0.0.1@$port
    udp-workers: $threads
    tcp-workers: 1
    background-workers: 1
    edns-client-subnet: on

control:
    listen: $work/run/knot.sock

database:
    storage: $work/db

log:
  - target: stderr
    any: info

mod-geoip:
  - id: cdn
    config-file: $work/geo.conf
    ttl: 30
    mode: geodb
    geodb-file: $mmdb
    geodb-key: country/iso_code

template:
  - id: default
    storage: $work/zones
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none

zone:
  - domain: example.net
    file: example.net.zone
    module: mod-geoip/cdn
EOF

# knotd -c would build a scratch confdb in /tmp: import it here instead.
knotc -C "$work/confdb" conf-import "$work/knot.conf" >&2
exec knotd -C "$work/confdb" -s "$work/run/knot.sock"
