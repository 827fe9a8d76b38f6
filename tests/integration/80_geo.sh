#!/bin/sh
# 80_geo: geo names (zones/README.md "Edge inventory", "Geo names") answered
# per client from EDNS Client Subnet (RFC 7871) or the packet's source:
# nearest edge on every continent over IPv4 and IPv6, AAAA falling through
# to an edge with IPv6, ECS scopes (merged networks, embedded IPv4 forms,
# source 0, host prefixes, invalid options), overrides, the region map,
# ties and bias, several answers, CNAME to a geo name, TTL/AA/NODATA over
# UDP and TCP, a property test of the scope, and geoq.  The database is
# built at run time from 80_geo/networks.txt; expected edges are
# recomputed here from the coordinates in networks.txt and edges.yaml
# (geoq is only a secondary check).
. "$(dirname "$0")/lib.sh"
GEOQ=$T_O/bin/geoq
need perl kdig "$GEOQ"

fix=$(t_fixture)
CONF=$fix/dnsd.yaml
Z=example.net
POOL=lon,fra,nyc,lax,gru,scl,sin,tyo,syd,jnb # the pool of cdn and region

# ---- the database: built now, a failure fails the test ----------------------
t_mkmmdb "$fix/networks.txt" "$fix/geo.mmdb"
start_dnsd "$CONF" || bail "dnsd does not start"

# ---- helpers ----------------------------------------------------------------
# address -> edge name, from edges.yaml (its layout is ours: one
# "  NAME:" line per edge, then its "addresses:" line)
awk '/^  [a-z0-9]+:$/ { e = $1; sub(/:$/, "", e) }
/addresses:/ { s = $0; sub(/.*addresses:/, "", s); gsub(/[][",]/, " ", s)
	n = split(s, a, " "); for (i = 1; i <= n; i++) print a[i], e }' \
    "$fix/edges.yaml" >"$T_TMP/edgemap"

# edges_of OUT TYPE: the edges whose addresses the answer's TYPE records
# carry, sorted, on one line ("?ADDR" for an address of no edge)
edges_of()
{
	sect "$1" an | awk -v t="$2" 'FNR == NR { e[$1] = $2; next }
	    $4 == t { print (($5 in e) ? e[$5] : "?" $5) }' \
	    "$T_TMP/edgemap" - | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# ecs_of OUT: the reply's Client Subnet line (without "ecs "); scope_of OUT:
# its scope
ecs_of()
{
	printf '%s\n' "$1" | sed -n 's/^ecs //p'
}
scope_of()
{
	ecs_of "$1" | sed -n 's/.* scope=\([0-9]*\) .*/\1/p'
}

# gq [DNSQ-OPTION...] ECS NAME TYPE: query with ECS ("-": none)
gq()
{
	_n=$#
	_ecs=$(eval "printf '%s' \"\${$((_n - 2))}\"")
	_gn=$(eval "printf '%s' \"\${$((_n - 1))}\"")
	_gt=$(eval "printf '%s' \"\${$_n}\"")
	_k=0
	for _a in "$@"; do
		_k=$((_k + 1))
		[ $_k -le $((_n - 3)) ] || break
		set -- "$@" "$_a"
	done
	shift $_n
	if [ "$_ecs" = - ]; then
		q "$@" "$_gn" "$_gt"
	else
		q "$@" -s "$_ecs" "$_gn" "$_gt"
	fi
}

# geo_is DESC ECS NAME TYPE EDGES SCOPE: NAME TYPE for client ECS is
# answered by EDGES with that ECS scope ("-": not checked)
geo_is()
{
	_r=$(gq "$2" "$3" "$4")
	is "$(edges_of "$_r" "$4")" "$5" "$1: $4 from $5"
	[ "$6" = - ] || is "$(scope_of "$_r")" "$6" "$1: $4 ECS scope $6"
}

# rank NETWORK POOL: the edges of POOL ranked for the networks.txt line
# NETWORK, from the coordinates: "edge km biased-km has-ipv6" lines,
# nearest first (haversine, the same Earth radius as dnsd; bias scales the
# distance as zones/README.md says)
rank()
{
	awk -v net="$1" -v pool="$2" '
	function rad(d) { return d * 3.14159265358979 / 180 }
	function dist(la1, lo1, la2, lo2,   h) {
		h = sin(rad(la2 - la1) / 2) ^ 2 + cos(rad(la1)) * \
		    cos(rad(la2)) * sin(rad(lo2 - lo1) / 2) ^ 2
		return 2 * 6371.0088 * atan2(sqrt(h), sqrt(1 - h))
	}
	FNR == 1 { file++ }
	file == 1 && /^  [a-z0-9]+:$/ { e = $1; sub(/:$/, "", e) }
	file == 1 && /location:/ {
		s = $0; sub(/.*location:/, "", s); gsub(/[^-0-9.]+/, " ", s)
		split(s, c, " "); lat[e] = c[1]; lon[e] = c[2]
	}
	file == 1 && /bias:/ { bias[e] = $2 }
	file == 1 && /addresses:/ { v6[e] = ($0 ~ /"[0-9a-f:]+"/) }
	file == 2 && $1 == net { clat = $2; clon = $3 }
	END {
		if (clat == "") exit 1
		n = split(pool, p, ",")
		for (i = 1; i <= n; i++) {
			if (!(p[i] in lat)) exit 1
			d = dist(clat, clon, lat[p[i]], lon[p[i]])
			printf "%s %.0f %.3f %d\n", p[i], d, \
			    d * (1 - bias[p[i]] / 100), v6[p[i]]
		}
	}' "$fix/edges.yaml" "$fix/networks.txt" | sort -s -k3,3n
}

# nearest NETWORK POOL FAMILY [N]: the first N (default 1) edges of the
# ranking that have an address of FAMILY (4 or 6), sorted, on one line
nearest()
{
	rank "$1" "$2" | awk -v f="$3" -v n="${4:-1}" \
	    'f == 4 || $4 { print $1; if (++k == n) exit }' |
	    sort | tr '\n' ' ' | sed 's/ $//'
}

# ---- nearest, on every continent, IPv4 and IPv6 -----------------------------
# ECS  FIXTURE-NETWORK  A-EDGE  AAAA-EDGE  SCOPE
# The scope is the fixture network's length where its neighbours go
# elsewhere (or nowhere: the default), the merged length where not.
while read -r ecs net a4 a6 scope _; do
	case $ecs in '#'* | '') continue ;; esac
	city=$(awk -v n="$net" '$1 == n { for (i = 7; i <= NF; i++)
	    printf "%s%s", $i, i < NF ? " " : "" }' "$fix/networks.txt")
	is "$(nearest "$net" $POOL 4)/$(nearest "$net" $POOL 6)" "$a4/$a6" \
	    "fixture: $net ($city) is nearest to $a4, with IPv6 $a6"
	case $ecs in *:*) fam=2 ;; *) fam=1 ;; esac
	r=$(q -s "$ecs" cdn.$Z A)
	is_rcode "$r" NOERROR "$ecs: NOERROR"
	is "$(edges_of "$r" A)" "$a4" "$ecs: A from $a4"
	is "$(ecs_of "$r")" \
	    "family=$fam source=${ecs#*/} scope=$scope addr=${ecs%/*}" \
	    "$ecs: ECS echoed (family, source, address) with scope $scope"
	geo_is "$ecs" "$ecs" cdn.$Z AAAA "$a6" "$scope"
done <<'EOF'
81.2.69.0/24		81.2.69.0/24	lon lon 24	# tyo, syd around
81.2.72.0/24		81.2.72.0/24	lon lon 23	# 2 /24s, 1 ranking
81.2.73.77/32		81.2.73.0/24	lon lon 23
81.2.68.0/24		81.2.68.0/24	tyo tyo 24
81.2.70.0/24		81.2.70.0/23	syd syd 23
5.10.22.0/24		5.10.22.0/23	sin sin 23
80.81.193.0/24		80.81.192.0/22	fra fra 22
52.1.2.0/24		52.0.0.0/15	nyc nyc 15
104.16.5.0/24		104.16.0.0/16	lax lax 16
200.147.3.0/24		200.147.0.0/16	gru jnb 16	# gru: no v6
200.45.9.0/24		200.45.0.0/16	scl jnb 16	# scl, gru
203.116.10.0/24		203.116.0.0/16	sin sin 16
203.2.218.0/24		203.2.218.0/24	syd syd 24
196.25.1.0/24		196.25.0.0/16	jnb jnb 16
2a00:1000:1234::/48	2a00:1000::/32	lon lon 32	# Paris
2a00:1001::/32		2a00:1001::/32	tyo tyo 32
2600:1f18:ab00::/40	2600:1f18::/32	nyc nyc 32
2606:4700:10::/48	2606:4700::/32	lax lax 32
2804:14c:8000::/33	2804:14c::/32	gru jnb 32
2406:3000::/32		2406:3000::/32	sin sin 32
2403:5800:1:2::/64	2403:5800::/32	syd syd 32
2c0f:f8f0:ff00::/40	2c0f:f8f0::/32	jnb jnb 32
EOF

# Two adjacent /24s with different cities, both answered by lon for A and
# AAAA, but with other edges further down their rankings: the answer
# cannot change over the /23, so zones/README.md wants scope 23.
is "$(nearest 5.10.20.0/24 $POOL 4)/$(nearest 5.10.21.0/24 $POOL 6)" \
    lon/lon "fixture: Manchester and Birmingham both nearest to lon"
isnt_same=$(rank 5.10.20.0/24 $POOL | cut -d' ' -f1 | tr '\n' ' ')
check "fixture: but their full rankings differ" \
    test "$isnt_same" != "$(rank 5.10.21.0/24 $POOL | cut -d' ' -f1 |
    tr '\n' ' ')"
r=$(q -s 5.10.20.0/24 cdn.$Z AAAA)
r2=$(q -s 5.10.21.0/24 cdn.$Z A)
is "$(edges_of "$r" AAAA)/$(edges_of "$r2" A)" lon/lon \
    "Manchester AAAA, Birmingham A: from lon"
# Rankings agree on the answer and the backups (answers + 3): they merge.
is "$(scope_of "$r")" 23 "Manchester (5.10.20.0/24): ECS scope 23"
is "$(scope_of "$r2")" 23 "Birmingham (5.10.21.0/24): ECS scope 23"

# ---- ECS forms --------------------------------------------------------------
r=$(q -s 0.0.0.0/0 cdn.$Z A)
is "$(edges_of "$r" A)/$(ecs_of "$r")" \
    "nyc/family=1 source=0 scope=0 addr=0.0.0.0" \
    "ECS source 0 (v4): the default (nyc), scope 0"
r=$(q -s ::/0 cdn.$Z AAAA)
is "$(edges_of "$r" AAAA)/$(ecs_of "$r")" \
    "nyc/family=2 source=0 scope=0 addr=::" \
    "ECS source 0 (v6): the default (nyc), scope 0"
geo_is "ECS source 0, region (map default is not the default)" 0.0.0.0/0 \
    region.$Z A gru 0
geo_is "host /32" 81.2.69.200/32 cdn.$Z A lon 24
geo_is "host /128" 2a00:1000:dead:beef::1/128 cdn.$Z AAAA lon 32
geo_is "v6 /56" 2a00:1000:abcd:ef00::/56 cdn.$Z A lon 32
geo_is "v6 /56 elsewhere" 2406:3000:77:100::/56 cdn.$Z AAAA sin 32
# shorter than the network that decides: 81.2.64.0/21 holds London, Tokyo
# and nothing; its first address is in 81.2.64.0/22 (nothing: the
# default), so the scope (22) is longer than the source (RFC 7871 §7.2.1)
geo_is "source /21, decided by a /22" 81.2.64.0/21 cdn.$Z A nyc 22

# embedded IPv4: answered as 81.2.69.0/24 (London), scope in their form
geo_is "v4-mapped ::ffff:81.2.69.0/120" ::ffff:81.2.69.0/120 cdn.$Z A lon 120
geo_is "v4-mapped host" ::ffff:81.2.69.7/128 cdn.$Z AAAA lon 120
geo_is "6to4 2002:5102:4500::/40" 2002:5102:4500::/40 cdn.$Z A lon 40
geo_is "6to4 of Tokyo (81.2.68.0)" 2002:5102:4400::/40 cdn.$Z A tyo 40
geo_is "6to4 /48 (whole IPv4 address)" 2002:5102:4507::/48 cdn.$Z AAAA lon 40
geo_is "NAT64 64:ff9b::5102:4500/120" 64:ff9b::5102:4500/120 cdn.$Z A lon 120
geo_is "NAT64 of Sydney (81.2.70.0)" 64:ff9b::5102:4600/120 cdn.$Z AAAA syd 119
# Teredo: client address 81.2.69.0 inverted in the last 32 bits
geo_is "Teredo 2001:0:...:aefd:baff" 2001:0:4136:e378:8000:63bf:aefd:baff/128 \
    cdn.$Z A lon 120

# invalid options (RFC 7871 §7.1): FORMERR, for the geo name too
for bad in "00012100510245ff00:v4 source prefix 33" \
    "00028100$(printf '%034d' 0):v6 source prefix 129" \
    "00011700510245:bits set beyond the source prefix (81.2.69/23)" \
    "00021f0020010db9:bits set beyond a v6 /31"; do
	r=$(q -o "8:${bad%%:*}" cdn.$Z A)
	is_rcode "$r" FORMERR "ECS ${bad#*:}: FORMERR"
	is "$(hdr "$r" an)" 0 "ECS ${bad#*:}: no answer"
done

# ---- no ECS: the packet's source --------------------------------------------
r=$(q cdn.$Z A)
is "$(edges_of "$r" A)" nyc "no ECS, from 127.0.0.1 (not located): the default"
unlike "$r" '^ecs ' "no ECS asked: none in the reply"
r=$(QADDR=$LOOP6 q cdn.$Z AAAA)
is "$(edges_of "$r" AAAA)" nyc "no ECS, from ::1 (not located): the default"
unlike "$r" '^ecs ' "no ECS asked over IPv6: none in the reply"
r=$(q -N cdn.$Z A)
is "$(edges_of "$r" A)/$(edns "$r" "version")" nyc/ \
    "no EDNS at all: the default, no OPT"
# src.example.net overrides the loopback addresses: the source is what
# places the client
geo_is "no ECS, from 127.0.0.1, src (127.0.0.0/8 override)" - src.$Z A sin -
r=$(QADDR=$LOOP6 q src.$Z A)
is "$(edges_of "$r" A)" syd "no ECS, from ::1, src (::1/128 override)"
geo_is "src with ECS: the ECS wins over the source" 81.2.69.0/24 src.$Z A \
    lon 24

# ---- overrides, nearest, default --------------------------------------------
geo_is "override /24 inside override /15 (db: Sydney)" 198.18.7.0/24 \
    cdn.$Z A tyo 24
# 198.18.8.0/21 is all /15 override; its sibling holds the /24
geo_is "override /15 over the database (Sydney)" 198.18.8.0/24 cdn.$Z A fra 21
geo_is "override /15, outside the /24" 198.19.200.0/24 cdn.$Z AAAA fra 16
geo_is "v6 override /48" 2001:db8:f00:1::/64 cdn.$Z AAAA sin 48
geo_is "override [gru, lon]" 192.0.2.0/25 cdn.$Z A gru 25
geo_is "override [gru, lon]: gru has no IPv6" 192.0.2.0/25 cdn.$Z AAAA lon 25
geo_is "override [gru, scl]" 192.0.2.200/32 cdn.$Z A gru 25
r=$(q -s 192.0.2.200/32 cdn.$Z AAAA)
is_rcode "$r" NOERROR "override [gru, scl], AAAA: NOERROR"
is "$(hdr "$r" an)" 0 "override [gru, scl], AAAA: no IPv6 edge, NODATA"
like "$(sect "$r" ns)" "^$Z\\. [0-9]+ IN SOA " \
    "override [gru, scl], AAAA: SOA in the authority section"
is "$(scope_of "$r")" 25 "override [gru, scl], AAAA: scope of the decision"
is "$(edges_of "$(q -s 10.1.2.3/32 cdn.$Z A)" A)" nyc \
    "not in the database (10.1.2.3): the default"
r=$(q -s 1.1.1.0/24 cdn.$Z A)
is "$(edges_of "$r" A)" nyc "a record without a location (anycast): the default"

# ---- the region map ---------------------------------------------------------
while read -r ecs edge why; do
	geo_is "region $ecs, $why" "$ecs" region.$Z A "$edge" 24
done <<'EOF'
45.10.1.0/24 tyo EU/DE/BY: subdivision
45.10.2.0/24 fra EU/DE/BE: country default
45.10.3.0/24 sin EU/FR: country list
45.10.4.0/24 lon EU/ES: continent default
45.10.5.0/24 lax NA/US/CA: subdivision
45.10.6.0/24 syd NA/US/NY: no US or NA default, map default
45.10.7.0/24 sin AS/JP: continent default
45.10.8.0/24 jnb AF/NA (Namibia)
45.10.9.0/24 syd NA/CA/ON (Canada, not California): map default
EOF
geo_is "region, not located (10.1.2.3): the name's default" 10.1.2.3/32 \
    region.$Z A gru -
# A country listed under the wrong continent never matches.
geo_is "map EU: {US: ...} and a client in NA/US" 45.10.6.0/24 misplaced.$Z A \
    "$(nearest 45.10.6.0/24 lon,fra,nyc 4)" -
r=$(q -s 45.10.1.0/24 region.$Z A)
is "$(sect "$r" an)" "region.$Z. 60 IN A 192.0.2.8" "region: ttl 1m"

# ---- several answers, ties, bias --------------------------------------------
for c in 81.2.69.0/24 200.147.0.0/16 2406:3000::/32; do
	geo_is "answers 2, $c" "$c" two.$Z A "$(nearest "$c" $POOL 4 2)" -
	geo_is "answers 2, $c" "$c" two.$Z AAAA "$(nearest "$c" $POOL 6 2)" -
done
r=$(q -s 81.2.69.0/24 two.$Z A)
is "$(hdr "$r" an)" 2 "answers 2: one address per edge here, two records"
geo_is "no default given: the pool's first edge" 10.1.2.3/32 two.$Z A lon -
geo_is "tie, pool [par2, par1]" 2a00:1000::/32 tie.$Z A par2 -
geo_is "tie, pool [par1, par2]" 2a00:1000::/32 tie2.$Z AAAA par1 -
geo_is "tie without a pool: edges.yaml order (par1 first)" 2a00:1000::/32 \
    src.$Z A par1 -
is "$(nearest 2a00:1000::/32 lon,madb 4)/$(nearest 2a00:1000::/32 lon,mad0 4)" \
    madb/lon "fixture: Paris is nearer to London, but madb's bias wins"
geo_is "bias 70 draws Paris to Madrid" 2a00:1000::/32 bias.$Z A madb -
geo_is "without bias Paris goes to London" 2a00:1000::/32 nobias.$Z A lon -
geo_is "bias 70 is not enough for Manchester" 5.10.20.0/24 bias.$Z A lon -

# ---- CNAME to a geo name ----------------------------------------------------
r=$(q -s 81.2.69.0/24 video.$Z A)
is "$(sect "$r" an)" "cdn.$Z. 20 IN A 192.0.2.1
video.$Z. 3600 IN CNAME cdn.$Z." "CNAME to the geo name: CNAME + London's A"
is "$(scope_of "$r")" 24 "CNAME to the geo name: the geo answer's scope"
is_flag "$r" aa yes "CNAME to the geo name: AA"
r=$(q -s 2403:5800::/32 video.$Z AAAA)
is "$(sect "$r" an)" "cdn.$Z. 20 IN AAAA 2001:db8:9::1
video.$Z. 3600 IN CNAME cdn.$Z." "CNAME to the geo name: per client (Sydney)"
is "$(scope_of "$r")" 32 "CNAME, Sydney: scope 32"

# ---- TTL, AA, other types, TCP ----------------------------------------------
for t in "" -t; do
	via=${t:+TCP}
	via=${via:-UDP}
	r=$(q $t -s 81.2.69.0/24 cdn.$Z A)
	is "$(sect "$r" an)" "cdn.$Z. 20 IN A 192.0.2.1" \
	    "$via: London's A with the geo name's ttl (20s)"
	is_flag "$r" aa yes "$via: geo answer has AA"
	is "$(scope_of "$r")" 24 "$via: ECS scope 24"
	r=$(q $t -s 2a00:1000::/32 cdn.$Z AAAA)
	is "$(sect "$r" an)" "cdn.$Z. 20 IN AAAA 2001:db8:1::1" \
	    "$via: Paris's AAAA from lon, ttl 20"
	for ty in TXT MX; do
		r=$(q $t -s 81.2.69.0/24 cdn.$Z $ty)
		is "$(hdr "$r" rcode)/$(hdr "$r" an)" NOERROR/0 \
		    "$via: $ty at the geo name: NODATA"
		like "$(sect "$r" ns)" "^$Z\\. [0-9]+ IN SOA " \
		    "$via: $ty at the geo name: SOA in the authority section"
		is_flag "$r" aa yes "$via: $ty at the geo name: AA"
		is "$(scope_of "$r")" 0 \
		    "$via: $ty at the geo name: scope 0 (not per client)"
	done
done
r=$(q -s 81.2.69.0/24 www.$Z A)
is "$(sect "$r" an)/$(scope_of "$r")" "www.$Z. 3600 IN A 192.0.2.80/0" \
    "a static name: scope 0"
# ANY (RFC 8482 §4.1): one RRset over UDP, all of them over TCP
r=$(q -s 81.2.69.0/24 cdn.$Z ANY)
like "$(hdr "$r" an)/$(sect "$r" an)" \
    "^1/cdn\\.$Z\\. 20 IN (A 192\\.0\\.2\\.1|AAAA 2001:db8:1::1)\$" \
    "UDP ANY at the geo name: one of London's RRsets"
r=$(q -t -s 81.2.69.0/24 cdn.$Z ANY)
is "$(sect "$r" an)" "cdn.$Z. 20 IN A 192.0.2.1
cdn.$Z. 20 IN AAAA 2001:db8:1::1" "TCP ANY at the geo name: London's A and AAAA"
is "$(scope_of "$r")" 24 "TCP ANY at the geo name: scope 24"

# ---- independent clients ----------------------------------------------------
r=$(t_dig +subnet=81.2.69.0/24 cdn.$Z A)
like "$r" 'CLIENT-SUBNET: 81\.2\.69\.0/24/24' "dig: ECS echoed, scope 24"
like "$(printf '%s\n' "$r" | tr -s ' \t' '  ')" \
    "^cdn\\.$Z\\. 20 IN A 192\\.0\\.2\\.1$" "dig: London's A"
r=$(t_kdig +subnet=2a00:1001::/32 cdn.$Z AAAA)
like "$r" 'CLIENT-SUBNET: 2a00:1001::/32/32' "kdig: ECS echoed, scope 32"
like "$r" "2001:db8:8::1" "kdig: Tokyo's AAAA"

# ---- property: the scope is exact -------------------------------------------
# netpick MODE ADDRESS LENGTH: addresses around ADDRESS/LENGTH (v4 or v6),
# by 16-bit groups so one awk serves both families:
#   inside: $PICKS random addresses in it (seed 42: the same every run)
#   below:  the address just before it; above: the one just after it
PICKS=20
netpick()
{
	awk -v mode="$1" -v addr="$2" -v len="$3" -v picks=$PICKS '
	function hex(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef",
			    tolower(substr(s, i, 1))) - 1
		return v
	}
	function parse(a,   i, h, t, hn, tn, k) {
		if (a !~ /:/) {
			v6 = 0; ng = 2
			split(a, o, ".")
			g[0] = o[1] * 256 + o[2]; g[1] = o[3] * 256 + o[4]
			return
		}
		v6 = 1; ng = 8
		if (a ~ /\./) {	# an IPv4 tail (::ffff:81.2.69.0)
			i = match(a, /[0-9.]+$/)
			split(substr(a, i), o, ".")
			a = substr(a, 1, i - 1) sprintf("%x:%x", \
			    o[1] * 256 + o[2], o[3] * 256 + o[4])
		}
		if (!index(a, "::")) {
			split(a, hg, ":")
			for (i = 0; i < 8; i++) g[i] = hex(hg[i + 1])
			return
		}
		h = substr(a, 1, index(a, "::") - 1)
		t = substr(a, index(a, "::") + 2)
		hn = h == "" ? 0 : split(h, hg, ":")
		tn = t == "" ? 0 : split(t, tg, ":")
		k = 0
		for (i = 1; i <= hn; i++) g[k++] = hex(hg[i])
		for (i = 0; i < 8 - hn - tn; i++) g[k++] = 0
		for (i = 1; i <= tn; i++) g[k++] = hex(tg[i])
	}
	function show(x,   i, s) {
		if (!v6)
			return sprintf("%d.%d.%d.%d", int(x[0] / 256),
			    x[0] % 256, int(x[1] / 256), x[1] % 256)
		s = sprintf("%x", x[0])
		for (i = 1; i < 8; i++) s = s sprintf(":%x", x[i])
		return s
	}
	BEGIN {
		parse(addr)
		srand(42)
		for (i = 0; i < ng; i++) {
			f = 16 * (i + 1) - len	# host bits in group i
			m = 2 ^ (f < 0 ? 0 : f > 16 ? 16 : f)
			lo[i] = int(g[i] / m) * m
			hi[i] = lo[i] + m - 1
		}
		if (mode == "inside") {
			for (p = 0; p < picks; p++) {
				for (i = 0; i < ng; i++)
					x[i] = lo[i] + \
					    int(rand() * (hi[i] - lo[i] + 1))
				print show(x)
			}
			exit
		}
		for (i = 0; i < ng; i++) x[i] = mode == "below" ? lo[i] : hi[i]
		if (mode == "below") {
			for (i = ng - 1; i >= 0 && x[i] == 0; i--) x[i] = 65535
			if (i >= 0) { x[i]--; print show(x) }
		} else {
			for (i = ng - 1; i >= 0 && x[i] == 65535; i--) x[i] = 0
			if (i >= 0) { x[i]++; print show(x) }
		}
	}'
}
is "$(PICKS=2; netpick inside 10.20.30.0 23 | sed 's/\.[0-9]*\.[0-9]*$//' |
    sort -u)/$(netpick below 10.20.30.0 23)/$(netpick above 10.20.30.0 23)" \
    10.20/10.20.29.255/10.20.32.0 "netpick: v4 network bounds"
is "$(netpick below 2a00:1000:: 32)/$(netpick above 2a00:1000:8000:: 33)" \
    "2a00:fff:ffff:ffff:ffff:ffff:ffff:ffff/2a00:1001:0:0:0:0:0:0" \
    "netpick: v6 network bounds"
is "$(netpick above ::ffff:81.2.69.0 120)" 0:0:0:0:0:ffff:5102:4600 \
    "netpick: an IPv4 tail"

# ECS  SIDES: the sides of the answered network just past which the
# fixture puts another edge
while read -r ecs sides; do
	case $ecs in '#'* | '') continue ;; esac
	case $ecs in *:*) host=128 ;; *) host=32 ;; esac
	r=$(q -s "$ecs" cdn.$Z A)
	edge=$(edges_of "$r" A)
	s=$(scope_of "$r")
	addr=$(ecs_of "$r" | sed -n 's/.* addr=//p')
	if [ -z "$s" ] || [ -z "$edge" ]; then
		ok 1 "property, $ecs: an answer with a scope"
		diag "reply:" "$r"
		continue
	fi
	bad=""
	for a in $(netpick inside "$addr" "$s"); do
		r=$(q -s "$a/$host" cdn.$Z A)
		g="$(edges_of "$r" A) $(scope_of "$r")"
		[ "$g" = "$edge $s" ] || bad="$bad $a:$g"
	done
	is "$bad" "" \
	    "property, $ecs: $PICKS addresses in $addr/$s all get $edge/$s"
	for side in $sides; do
		a=$(netpick "$side" "$addr" "$s")
		g=$(edges_of "$(q -s "$a/$host" cdn.$Z A)" A)
		check "property, $ecs: $a, just $side $addr/$s: not $edge ($g)" \
		    test -n "$g" -a "$g" != "$edge"
	done
done <<'EOF'
81.2.69.0/24		below above
81.2.72.0/24		below above
203.2.218.0/24		below above
198.18.7.0/24		below above
198.18.8.0/24		below
2a00:1000::/32		below above
2001:db8:f00::/48	below above
::ffff:81.2.69.0/120	below above
EOF

# ---- secondary: geoq agrees with dnsd ---------------------------------------
diff=""
for c in 81.2.69.0/24 81.2.72.0/23 200.147.0.0/16 2804:14c::/32 \
    2a00:1000::/32 ::ffff:81.2.69.0/120 2002:5102:4400::/40 198.18.7.0/24 \
    192.0.2.128/25 10.0.0.1/32; do
	for t in A AAAA; do
		want=$("$GEOQ" -c "$CONF" "$c" cdn.$Z 2>/dev/null |
		    sed -n "s/^  $t  *[^ ]* (\\(.*\\))\$/\\1/p" |
		    sed 's/^none.*//')
		got=$(edges_of "$(q -s "$c" cdn.$Z $t)" $t)
		[ "$want" = "$got" ] || diff="$diff $c/$t:geoq=$want,dnsd=$got"
	done
done
is "$diff" "" "geoq and dnsd give the same edges (10 clients, A and AAAA)"

# ---- geoq -------------------------------------------------------------------
out=$("$GEOQ" -c "$CONF" 81.2.69.0/24 2>&1)
is $? 0 "geoq, a located client: exit 0"
like "$out" '^location .*81\.2\.69\.0/24.* EU GB ENG London' \
    "geoq: shows the location"
like "$out" '^ *rule +nearest' "geoq: shows the rule"
like "$out" '^ *scope +/24' "geoq: shows the scope"
like "$out" '^ *ranked +1\. lon ' "geoq: lon ranked first"
like "$out" '^ +2\. fra ' "geoq: fra ranked second"
like "$out" '^ *AAAA +2001:db8:1::1 \(lon\)' "geoq: shows the AAAA answer"
out=$("$GEOQ" -c "$CONF" 10.0.0.1 cdn.$Z 2>&1)
is $? 0 "geoq 10.0.0.1: exit 0"
like "$out" '^ *rule +default' "geoq 10.0.0.1: the default rule"
like "$out" '^ *A +192\.0\.2\.3 \(nyc\)' "geoq 10.0.0.1: the default edge"
out=$("$GEOQ" -c "$CONF" 192.0.2.200 cdn.$Z 2>&1)
like "$out" '^ *rule +override' "geoq 192.0.2.200: the override rule"
out=$("$GEOQ" -c "$CONF" 45.10.1.1 region.$Z 2>&1)
like "$out" '^ *rule +map' "geoq 45.10.1.1 region: the map rule"
out=$("$GEOQ" -c "$CONF" 81.2.69.0/24 nosuch.$Z 2>&1)
is $? 1 "geoq, unknown NAME: exit 1"
like "$out" "nosuch\\.$Z" "geoq, unknown NAME: names it"
"$GEOQ" -c "$CONF" not-an-address >/dev/null 2>&1
is $? 1 "geoq, not an address: exit 1"

check "dnsd still running" t_alive "$DNSD_PID"
stop_dnsd
done_testing
