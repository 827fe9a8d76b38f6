#!/bin/sh
# 98_unbound: a real recursive resolver in front of dnsd (README.md "See it
# work end to end").  Debian's unbound, with its subnetcache module, serves
# example.net from dnsd through a stub-zone and sends dnsd an EDNS Client
# Subnet (RFC 7871) derived from each client's address, truncated to /24.
# Clients on 127.0.1.10 and 127.0.2.10 (both on loopback; the database puts
# 127.0.1.0/24 near London and 127.0.2.0/24 near Tokyo) must get different
# edges through the same resolver; a second round must come from unbound's
# cache, kept per the scope dnsd answered (/24), without reaching dnsd; and
# 127.0.1.20 (the first client's /24) must get London from that cache too.
# "Reaching dnsd" is measured on dnsd's metrics endpoint
# (dnsd_queries_total, dnsd_geo_answers_total) before and after.
. "$(dirname "$0")/lib.sh"
HTTPGET=$T_TOOLS/httpget
need perl unbound "$HTTPGET"

fix=$(t_fixture)
CONF=$fix/dnsd.yaml
Z=example.net
C1=127.0.1.10	# London's /24
C2=127.0.2.10	# Tokyo's /24
C3=127.0.1.20	# London's /24 again
LON=192.0.2.1
TYO=192.0.2.8

# ---- dnsd: database, metrics port ---------------------------------------
perl "$T_ROOT/tests/tools/mkmmdb.pl" "$fix/networks.txt" "$fix/geo.mmdb" \
    >"$T_TMP/mkmmdb.out" 2>&1 ||
	bail "mkmmdb.pl failed: $(cat "$T_TMP/mkmmdb.out")"
MPORT=$(free_port)
sed "s/@MPORT@/$MPORT/" "$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF"
start_dnsd "$CONF" || bail "dnsd does not start"

# the fixture itself: dnsd answers the two /24s differently, scope 24
for c in "127.0.1.0/24 $LON" "127.0.2.0/24 $TYO"; do
	r=$(t_dig +subnet="${c% *}" +short cdn.$Z A)
	is "$r" "${c#* }" "fixture: dnsd answers ${c% *} with ${c#* } directly"
done
like "$(t_dig +subnet=127.0.1.0/24 cdn.$Z A)" \
    'CLIENT-SUBNET: 127\.0\.1\.0/24/24' "fixture: scope /24"

# ---- unbound: foreground, private config, never port 53 ------------------
UDIR=$T_TMP/unbound
mkdir -p "$UDIR" || bail "cannot create $UDIR"
# start_unbound: on a free port of 127.0.0.1; waits until it answers
# version.server CH TXT (answered by unbound itself, never sent to dnsd).
# Sets UB_PID, UB_PORT, UB_LOG.  Returns 1 on failure.
start_unbound()
{
	_try=0
	while [ $_try -lt 3 ]; do
		_try=$((_try + 1))
		UB_PORT=$(free_port)
		[ "$UB_PORT" != 53 ] || continue
		UB_LOG=$UDIR/unbound.log
		cat >"$UDIR/unbound.conf" <<CONF
server:
	interface: $LOOP4@$UB_PORT
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	username: ""
	chroot: ""
	directory: "$UDIR"
	pidfile: "$UDIR/unbound.pid"
	use-syslog: no
	logfile: ""
	verbosity: 1
	num-threads: 1
	qname-minimisation: no
	module-config: "subnetcache iterator"
	send-client-subnet: $LOOP4
	client-subnet-always-forward: yes
	max-client-subnet-ipv4: 24
remote-control:
	control-enable: no
stub-zone:
	name: "$Z"
	stub-addr: $LOOP4@$DNSD_PORT
CONF
		unbound -d -c "$UDIR/unbound.conf" >"$UB_LOG" 2>&1 &
		UB_PID=$!
		T_PIDS="$T_PIDS $UB_PID"
		_i=0
		while [ $_i -lt $T_READY_TRIES ]; do
			t_alive "$UB_PID" || break
			if dig +tries=1 +time=1 @$LOOP4 -p "$UB_PORT" \
			    version.server CH TXT >/dev/null 2>&1; then
				return 0
			fi
			sleep $T_POLL
			_i=$((_i + 1))
		done
		_inuse=no
		grep -qi 'in use' "$UB_LOG" && _inuse=yes
		t_reap "$UB_PID"
		[ $_inuse = yes ] || break
	done
	diag "unbound did not come up; its log:" "$(cat "$UB_LOG")"
	return 1
}
start_unbound || bail "unbound does not start"
ok 0 "unbound runs in the foreground on 127.0.0.1:$UB_PORT (subnetcache)"

# ask CLIENT: ask unbound for cdn.example.net A from source CLIENT (+short)
ask()
{
	dig -b "$1" +tries=1 +time=$T_DIG_TIME @$LOOP4 -p "$UB_PORT" \
	    +short cdn.$Z A 2>&1
}

# scrape FILE: dnsd's /metrics into FILE
scrape()
{
	"$HTTPGET" -w $T_QUERY_MS "$LOOP4:$MPORT" /metrics >"$1" 2>/dev/null
}

# reached FILE: DNS messages dnsd received (UDP + TCP) and geo answers it
# gave, in one word
reached()
{
	awk '$1 ~ /^dnsd_queries_total\{/ { q += $2 }
	    $1 ~ /^dnsd_geo_answers_total\{/ { g += $2 }
	    END { printf "queries=%d,geo=%d\n", q, g }' "$1"
}

# settle: wait (bounded) until dnsd's counts stop moving (unbound may still
# be fetching after it answered), then keep them in $T_TMP/base
settle()
{
	scrape "$T_TMP/base" || return 1
	_i=0
	while [ $_i -lt 10 ]; do
		sleep 0.3
		scrape "$T_TMP/now" || return 1
		[ "$(reached "$T_TMP/now")" = "$(reached "$T_TMP/base")" ] &&
			return 0
		mv "$T_TMP/now" "$T_TMP/base"
		_i=$((_i + 1))
	done
	return 1
}

# ---- (1) two clients, one resolver, two edges -----------------------------
check "metrics: scrape before the first round" scrape "$T_TMP/r0"
r1=$(ask $C1)
r2=$(ask $C2)
is "$r1" $LON "round 1: $C1 (ECS 127.0.1.0/24, London) gets lon via unbound"
is "$r2" $TYO "round 1: $C2 (ECS 127.0.2.0/24, Tokyo) gets tyo via unbound"
check "round 1: the two clients get different edges" test -n "$r1" -a \
    "$r1" != "$r2"
check "dnsd's counts settle after round 1" settle
is "$(reached "$T_TMP/base" | sed 's/.*geo=//')" \
    $(($(reached "$T_TMP/r0" | sed 's/.*geo=//') + 2)) \
    "round 1 reached dnsd: two geo answers (one per /24)"
if [ "$r1" != $LON ] || [ "$r2" != $TYO ]; then
	diag "dnsd log:" "$(tail -n 20 "$DNSD_LOG")" \
	    "unbound log:" "$(tail -n 40 "$UB_LOG")"
fi

# ---- (2) again: from unbound's cache, still per /24 -------------------------
is "$(ask $C1)" $LON "round 2: $C1 still gets lon"
is "$(ask $C2)" $TYO "round 2: $C2 still gets tyo"
# ---- (3) a new client in the first client's /24 ------------------------------
is "$(ask $C3)" $LON "$C3 (the /24 of $C1) gets lon"
check "metrics: scrape after rounds 2 and 3" scrape "$T_TMP/r2"
is "$(reached "$T_TMP/r2")" "$(reached "$T_TMP/base")" \
    "rounds 2 and 3 came from unbound's cache: dnsd received nothing"

# ---- the cache is per scope, not one answer for all ---------------------------
# A client in a third /24 (not in the database) is a cache miss for unbound:
# dnsd is asked and answers the default.
is "$(ask 127.0.3.10)" 192.0.2.3 \
    "127.0.3.10 (a /24 not yet cached) gets the default, nyc"
check "metrics: scrape after the third /24" scrape "$T_TMP/r3"
is "$(reached "$T_TMP/r3" | sed 's/.*geo=//')" \
    $(($(reached "$T_TMP/r2" | sed 's/.*geo=//') + 1)) \
    "the third /24 reached dnsd: one more geo answer"

# ---- stop: only what this test started, by PID ---------------------------------
check "unbound still running" t_alive "$UB_PID"
t_reap "$UB_PID"
ok $? "unbound stops on SIGTERM"
check "dnsd still running" t_alive "$DNSD_PID"
stop_dnsd
done_testing
