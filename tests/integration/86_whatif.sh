#!/bin/sh
# 86_whatif: what-if against a real dnsd (zones/README.md, "What if").
# dnsd samples every geo answer (sample: 1) while a few hundred distinct
# client subnets (EDNS Client Subnet /24s in London, Manchester, Paris,
# Amsterdam and Frankfurt) ask cdn.example.net, some over TCP.  Then:
#   1. `dnsdctl simulate drain lhr` counts exactly the subnets lhr
#      answered, and says where they would go, per edge and per country;
#      json and share variants, usage errors;
#   2. `dnsdctl drain lhr`, the same subnets ask again: the ones lhr had
#      move exactly as simulated (same count per destination, per
#      country); nobody else moves;
#   3. the samples follow what is served: after the drain lhr has no
#      clients to lose; after a reload (a new generation) none are left;
#   4. `geoq --simulate-down lhr` tallies the database's IPv4 networks,
#      with destinations that are edges of the configuration.
. "$(dirname "$0")/lib.sh"
CTL=$T_O/bin/dnsdctl
GEOQ=$T_O/bin/geoq
need perl "$CTL" "$GEOQ"

fix=$(t_fixture)
CONF=$fix/dnsd.yaml
t_mkmmdb "$fix/networks.txt" "$fix/geo.mmdb"
start_dnsd "$CONF" || bail "dnsd does not start"

# edge_of ADDR: the edge an address of edges.yaml belongs to
edge_of()
{
	case $1 in
	192.0.2.1) echo lhr ;;
	192.0.2.2) echo ams ;;
	192.0.2.3) echo fra ;;
	192.0.2.4) echo iad ;;
	*) echo "?$1" ;;
	esac
}

# country_of SUBNET: the country of networks.txt it is in
country_of()
{
	case $1 in
	81.2.* | 2.24.*) echo GB ;;
	45.10.*) echo FR ;;
	145.0.*) echo NL ;;
	80.81.*) echo DE ;;
	esac
}

# The client subnets: London 128, Manchester 64, Paris 96, Amsterdam and
# Frankfurt 32 each.
subnets()
{
	i=0
	while [ $i -lt 128 ]; do echo "81.2.$i.0/24"; i=$((i + 1)); done
	i=0
	while [ $i -lt 64 ]; do echo "2.24.$i.0/24"; i=$((i + 1)); done
	i=0
	while [ $i -lt 96 ]; do echo "45.10.$i.0/24"; i=$((i + 1)); done
	i=0
	while [ $i -lt 32 ]; do echo "145.0.$i.0/24"; i=$((i + 1)); done
	i=0
	while [ $i -lt 32 ]; do echo "80.81.$i.0/24"; i=$((i + 1)); done
}
subnets >"$T_TMP/subnets"
NSUB=$(wc -l <"$T_TMP/subnets")

# ask FILE OUT: every subnet of FILE asks cdn A (every 4th over TCP);
# OUT gets "SUBNET EDGE COUNTRY" lines ("timeout" for no reply).  Each
# query is bounded by T_QUERY_MS.
ask()
{
	: >"$2"
	_k=0
	while read -r _s; do
		_k=$((_k + 1))
		_t=""
		[ $((_k % 4)) -eq 0 ] && _t=-t
		_r=$(q $_t -s "$_s" cdn.example.net A 2>/dev/null) || {
			echo "$_s timeout $(country_of "$_s")" >>"$2"
			continue
		}
		_a=$(sect "$_r" an | awk '$4 == "A" { print $5; exit }')
		echo "$_s $(edge_of "$_a") $(country_of "$_s")" >>"$2"
	done <"$1"
}

# dests TEXT: the destination lines of a simulate text, as "EDGE COUNT"
# sorted by edge
dests()
{
	printf '%s\n' "$1" | awk '/^by country:/ { exit } /^  / { print $1, $3 }' |
	    sort
}

# CANON: awk code that prints "CC TOTAL DEST PCT DEST PCT..." from cc,
# total and the n pairs dn[i], pc[i], the destinations in name order
CANON='
function canon(cc, total, n,    i, j, t, line) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && dn[j - 1] > dn[j]; j--) {
			t = dn[j]; dn[j] = dn[j - 1]; dn[j - 1] = t
			t = pc[j]; pc[j] = pc[j - 1]; pc[j - 1] = t
		}
	line = cc " " total
	for (i = 1; i <= n; i++)
		line = line " " dn[i] " " pc[i]
	print line
}'

# countries TEXT: the per-country lines of a simulate text, canonical
countries()
{
	printf '%s\n' "$1" | awk "$CANON"'
		/^by country:/ { on = 1; next }
		on && /^  / {
			total = $NF; gsub(/[()]/, "", total)
			n = 0
			for (i = 2; i < NF; i += 2) {
				n++; dn[n] = $i; pc[n] = $(i + 1)
				sub(/%$/, "", pc[n])
			}
			canon($1, total, n)
		}' | sort
}

# moved_countries FILE: the same from "SUBNET BEFORE COUNTRY AFTER COUNTRY"
# lines, for the subnets lhr had
moved_countries()
{
	awk "$CANON"'
		$2 == "lhr" { tot[$3]++; c[$3 SUBSEP $4]++ }
		END {
			for (cc in tot) {
				n = 0
				for (k in c) {
					split(k, p, SUBSEP)
					if (p[1] != cc)
						continue
					n++; dn[n] = p[2]
					pc[n] = sprintf("%.1f", 100 * c[k] / tot[cc])
				}
				canon(cc, tot[cc], n)
			}
		}' "$1" | sort
}

# ---- 1. sample, then simulate --------------------------------------------------
ask "$T_TMP/subnets" "$T_TMP/before"
is "$(grep -c ' timeout ' "$T_TMP/before")" 0 "every subnet got an answer"
NLHR=$(awk '$2 == "lhr"' "$T_TMP/before" | wc -l)
check "lhr answers some of the subnets, not all ($NLHR of $NSUB)" \
    test "$NLHR" -gt 100 -a "$NLHR" -lt "$NSUB"
is "$(awk '$2 == "lhr" && $3 != "GB" && $3 != "FR"' "$T_TMP/before" | wc -l)" 0 \
    "lhr's clients are in GB and FR only"

sim=$(ctl simulate drain lhr)
st=$?
is "$st" 0 "dnsdctl simulate drain lhr: exit 0"
like "$sim" "^simulate drain lhr: $NLHR of $NSUB sampled clients get lhr now\$" \
    "simulate: the header counts lhr's subnets among every sampled one"
is "$(printf '%s\n' "$sim" | tail -n 1)" ok "simulate: ends in ok"
unlike "$sim" '^  \((same|none)\) ' "simulate drain: nobody stays, nobody is left without"
unlike "$(dests "$sim")" '^(lhr|iad) ' "simulate drain: lhr's clients go to ams and fra only"
like "$(countries "$sim")" '^GB [0-9]+  ?ams' "simulate: a GB line"
like "$(countries "$sim")" '^FR [0-9]+ ' "simulate: an FR line"
unlike "$(countries "$sim")" '^(NL|DE|\?\?) ' "simulate: no NL, DE or unknown line"

out=$(ctl --json simulate drain lhr)
is "$?" 0 "dnsdctl --json simulate: exit 0"
like "$out" "^\\{\"change\": \"drain\", \"edge\": \"lhr\", \"share\": 0, \"unit\": \"sampled clients\", \"clients\": $NSUB, \"affected\": $NLHR, \"destinations\": \\[" \
    "dnsdctl --json simulate: one JSON object"

out=$(ctl simulate share lhr 0.5)
like "$out" "^simulate share lhr 0.5: $NLHR of $NSUB sampled clients get lhr now\$" \
    "simulate share lhr 0.5: the same clients"
same=$(printf '%s\n' "$out" | awk '$1 == "(same)" { print $3 }')
sum=$(dests "$out" | awk '{ s += $2 } END { print s + 0 }')
is "$sum" "$NLHR" "simulate share: every client of lhr goes somewhere (or stays)"
check "simulate share 0.5: some stay, some go (${same:-0} of $NLHR stay)" \
    test "${same:-0}" -gt 0 -a "${same:-0}" -lt "$NLHR"

out=$(ctl simulate up lhr)
is "$?" 1 "simulate up: exit 1"
like "$out" '^error: usage: simulate ' "simulate up: a usage error"
out=$(ctl simulate share lhr 2)
is "$?" 1 "simulate share 2: exit 1"
out=$(ctl simulate drain nosuch)
like "$out" '^error: no such edge "nosuch"$' "simulate an unknown edge: error"

# ---- 2. drain for real: the same subnets move as simulated ------------------------
out=$(ctl drain lhr)
like "$out" '^lhr: override drain, effective down' "dnsdctl drain lhr"
ask "$T_TMP/subnets" "$T_TMP/after"
is "$(grep -c ' timeout ' "$T_TMP/after")" 0 "drained: every subnet got an answer"
is "$(grep -c ' lhr ' "$T_TMP/after")" 0 "drained: nobody gets lhr"
# where lhr's subnets went, against the simulation
sort "$T_TMP/before" >"$T_TMP/before.s"
sort "$T_TMP/after" >"$T_TMP/after.s"
join "$T_TMP/before.s" "$T_TMP/after.s" >"$T_TMP/joined"
is "$(wc -l <"$T_TMP/joined")" "$NSUB" "every subnet asked before and after"
moved=$(awk '$2 == "lhr" { print $4 }' "$T_TMP/joined" | sort | uniq -c |
    awk '{ print $2, $1 }')
is "$moved" "$(dests "$sim")" \
    "lhr's subnets moved exactly as simulated (per destination)"
is "$(moved_countries "$T_TMP/joined")" "$(countries "$sim")" \
    "... and per country (clients, destinations, percentages)"
is "$(awk '$2 != "lhr" && $2 != $4' "$T_TMP/joined" | wc -l)" 0 \
    "the subnets lhr did not answer kept their edge"

# ---- 3. the samples follow what is served ------------------------------------------
out=$(ctl simulate down lhr)
like "$out" "^simulate down lhr: 0 of $NSUB sampled clients get lhr now\$" \
    "after the drain: lhr has no clients left to lose (the same $NSUB clients)"
out=$(ctl simulate down ams)
n_ams=$(awk '$4 == "ams"' "$T_TMP/joined" | wc -l)
like "$out" "^simulate down ams: $n_ams of $NSUB sampled clients get ams now\$" \
    "simulate down ams: the clients ams has now ($n_ams)"
out=$(ctl reload)
is "$(printf '%s\n' "$out" | tail -n 1)" ok "dnsdctl reload"
out=$(ctl simulate down ams)
like "$out" '^simulate down ams: 0 of 0 sampled clients get ams now$' \
    "after a reload: the older generation's samples are dropped"
r=$(q -s 145.0.1.0/24 cdn.example.net A)
out=$(ctl simulate down ams)
like "$out" '^simulate down ams: 1 of 1 sampled clients get ams now$' \
    "... and new answers are sampled under the new generation"

# ---- 4. geoq --simulate-down -------------------------------------------------------
out=$("$GEOQ" -c "$CONF" --simulate-down lhr 2>&1)
is "$?" 0 "geoq --simulate-down lhr: exit 0"
like "$out" '^simulate down lhr: [0-9]+ of [0-9]+ IPv4 /24s get lhr now$' \
    "geoq: the header counts IPv4 /24s"
bad=$(dests "$out" | awk '$1 != "ams" && $1 != "fra" && $1 != "iad" && $1 != "(none)" && $1 != "(same)"')
is "$bad" "" "geoq: every destination is an edge of the configuration"
check "geoq: lhr's networks go somewhere" test -n "$(dests "$out")"
like "$(countries "$out")" '^GB ' "geoq: a GB line"
out=$("$GEOQ" -c "$CONF" --simulate-down lhr cdn.example.net 2>&1)
is "$?" 0 "geoq --simulate-down lhr NAME: exit 0"
out=$("$GEOQ" -c "$CONF" --simulate-down nosuch 2>&1)
is "$?" 1 "geoq --simulate-down an unknown edge: exit 1"
like "$out" 'no such edge "nosuch"' "... saying why"

stop_dnsd
done_testing
