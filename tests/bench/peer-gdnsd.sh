#!/bin/sh
# tests/bench/peer-gdnsd.sh: run gdnsd 3 (plugin_geoip) as a bench peer.
#
# usage: sh peer-gdnsd.sh WORKDIR MMDB EDGES_TSV PORT [THREADS]
#
# Writes a gdnsd config and zone for example.net into WORKDIR (wiped
# first), then execs gdnsd in the foreground on 127.0.0.1:PORT (UDP and
# TCP), logging to stderr.  cdn.example.net A/AAAA come from geoip in city
# auto mode: the edges of EDGES_TSV are the datacenters, ranked by distance
# from the client's (or its EDNS Client Subnet's) location in MMDB.
# THREADS (default 1) is the number of UDP threads; TCP gets one.
set -eu

if [ $# -lt 4 ] || [ $# -gt 5 ]; then
	echo "usage: $0 WORKDIR MMDB EDGES_TSV PORT [THREADS]" >&2
	exit 2
fi
work=$1 mmdb=$2 edges=$3 port=$4 threads=${5:-1}

[ -r "$mmdb" ] || { echo "$0: $mmdb: not readable" >&2; exit 1; }
[ -r "$edges" ] || { echo "$0: $edges: not readable" >&2; exit 1; }
mkdir -p "$work"
work=$(cd "$work" && pwd)
mmdb=$(cd "$(dirname "$mmdb")" && pwd)/$(basename "$mmdb")
rm -rf "$work/etc" "$work/run" "$work/state"
mkdir -p "$work/etc/zones"

# The edges, without comments and blank lines:
# name lat lon ipv4 ipv6 country continent.
grep -v -e '^#' -e '^[[:space:]]*$' "$edges" >"$work/edges"

# run_dir and state_dir default to /run/gdnsd and /var/lib/gdnsd.
# auto_dc_limit 1: nothing is monitored (all DCs stay "up"), so only the
# nearest DC is ever answered; a limit of 1 also lets the plugin merge
# networks into the widest ECS scopes.  service_types up: no probes.
awk -F '\t' -v port="$port" -v threads="$threads" -v mmdb="$mmdb" \
    -v work="$work" '
{ n[NR] = $1; lat[NR] = $2; lon[NR] = $3; v4[NR] = $4; v6[NR] = $5 }
END {
	print "options => {"
	print "\tlisten => [ 127.0.0.1:" port " ]"
	print "\tudp_threads => " threads
	print "\ttcp_threads => 1"
	print "\tzones_rfc1035_threads => 1"
	print "\tedns_client_subnet => true"
	print "\trun_dir => " work "/run"
	print "\tstate_dir => " work "/state"
	print "}"
	print "plugins => { geoip => {"
	print "\tmaps => { edges => {"
	print "\t\tgeoip2_db => " mmdb
	printf "\t\tdatacenters => ["
	for (i = 1; i <= NR; i++) printf " %s", n[i]
	print " ]"
	print "\t\tauto_dc_limit => 1"
	print "\t\tauto_dc_coords => {"
	for (i = 1; i <= NR; i++)
		print "\t\t\t" n[i] " => [ " lat[i] ", " lon[i] " ]"
	print "\t\t}"
	print "\t} }"
	print "\tresources => { cdn => {"
	print "\t\tmap => edges"
	print "\t\tservice_types => up"
	print "\t\tdcmap => {"
	for (i = 1; i <= NR; i++)
		print "\t\t\t" n[i] " => { addrs_v4 => " v4[i] \
		    ", addrs_v6 => " v6[i] " }"
	print "\t\t}"
	print "\t} }"
	print "} }"
}' "$work/edges" >"$work/etc/config"

cat >"$work/etc/zones/example.net" <<'EOF'
$TTL 3600
@	300	SOA	ns1.example.net. hostmaster.example.net. 1 3600 600 604800 300
@	NS	ns1.example.net.
ns1	A	127.0.0.1
www	300	A	192.0.2.80
cdn	30	DYNA	geoip!cdn
EOF

exec gdnsd -c "$work/etc" start
