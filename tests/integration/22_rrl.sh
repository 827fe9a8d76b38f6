#!/bin/sh
# 22_rrl: response rate limiting over UDP (dnsd/rrl.h; zones/README.md,
# rrl:), end to end: a real dnsd, floods of real queries from
# tests/tools/rrlflood, each from its own 127.x.y.z (on loopback any can
# be bound) or ::1, sorted by what came back: answered in full, truncated
# (TC, no records: a slip), BADCOOKIE, an error, nothing.  Covered, with
# rate 20, burst 20, slip 2 (22_rrl/dnsd.yaml):
#   1. a flood for one name from one /24 is answered in full about
#      burst + rate x seconds times (both bounds checked), the rest is
#      limited: one in two sent truncated, the rest dropped; the counters
#      (dnsdctl stats rrl.*) match what the clients saw; another address
#      of that /24 shares the bucket, another type or another /24 does not;
#   2. random names under one zone (NXDOMAIN, wildcard answers,
#      referrals) and errors from any zone share one bucket: limited
#      like one name; an exempt network, TCP and IPv6 (::1, ipv6_prefix);
#   3. cookies (RFC 7873): a valid server cookie is never limited, a
#      cookie made for another address is, and its slips are BADCOOKIE
#      with a fresh server cookie; the slips of a client cookie alone are
#      TC (a BADCOOKIE would be longer than the query);
#   4. a limited network is logged once, not per packet;
#   5. reloads (SIGHUP): adding rrl: to a configuration turns it on,
#      a new rate and slip 0 take effect, log_only limits nothing but
#      counts, removing rrl: turns it off.
# The figures (answered, limited, rates) are printed as diagnostics.
# shellcheck disable=SC1091 # lib.sh: see tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
FLOOD=$T_TOOLS/rrlflood
need "$FLOOD"

FR=500  # flood rate, queries a second
FS=2    # seconds of the first flood
PS=1.5  # seconds of the later ones
SLOW=10 # queries a second of the clients that stay under the rate
Z=example.net

fix=$(t_fixture)
CONF=$fix/dnsd.yaml
RATE=$(sed -n 's/^  rate: *\([0-9]*\) *$/\1/p' "$CONF")
BURST=$(sed -n 's/^  burst: *\([0-9]*\) *$/\1/p' "$CONF")
if [ -z "$RATE" ] || [ -z "$BURST" ]; then
	bail "fixture lacks rrl rate and burst"
fi

# flood NAME SRC QNAME QTYPE [OPTION...]: rrlflood from SRC (to dnsd's ::1
# if SRC is IPv6) at $FR q/s for $FS s unless an OPTION says otherwise;
# its summary in $T_TMP/NAME.out, its complaints in NAME.err
flood()
{
	_fn=$1
	_fsrc=$2
	_fq=$3
	_ft=$4
	shift 4
	_fdst=$LOOP4
	case $_fsrc in
	*:*) _fdst=$LOOP6 ;;
	esac
	"$FLOOD" -b "$_fsrc" -r $FR -d $FS "$@" "$_fdst" "$DNSD_PORT" \
	    "$_fq" "$_ft" >"$T_TMP/$_fn.out" 2>"$T_TMP/$_fn.err"
}

# bg CMD [ARG...]: run in the background, remembered for the cleanup and
# for waitall (bounded: every flood ends by itself)
BG=""
bg()
{
	"$@" &
	BG="$BG $!"
	T_PIDS="$T_PIDS $!"
}
waitall()
{
	for _p in $BG; do
		wait "$_p"
	done
	BG=""
}

# kv NAME KEY: a field of flood NAME's summary (sum: several names)
kv()
{
	_k=$1
	shift
	_s=0
	for _n in "$@"; do
		_v=$(tr ' ' '\n' <"$T_TMP/$_n.out" | sed -n "s/^$_k=//p")
		[ -n "$_v" ] || {
			diag "flood $_n printed no $_k:" "$(cat "$T_TMP/$_n.out" \
			    "$T_TMP/$_n.err")"
			_v=0
		}
		_s=$((_s + ${_v%.*}))
	done
	echo $_s
}

# secs NAME: the seconds flood NAME took, as sent (fractional)
secs()
{
	tr ' ' '\n' <"$T_TMP/$1.out" | sed -n 's/^seconds=//p'
}

# snap NAME: dnsd's counters now, kept as NAME; delta A B KEY: growth
snap()
{
	ctl stats >"$T_TMP/$1.stats"
}
delta()
{
	echo $(($(awk -v k="$3" '$1 == k { print $2 }' "$T_TMP/$2.stats") - \
	    $(awk -v k="$3" '$1 == k { print $2 }' "$T_TMP/$1.stats")))
}

# bounds SECONDS RATE BURST: "LO HI", what one bucket lets through in a
# flood of SECONDS: BURST + RATE x SECONDS, give or take 15 % and 2
bounds()
{
	awk -v t="$1" -v r="$2" -v b="$3" 'BEGIN { e = b + r * t;
	    printf "%d %d\n", e * 0.85 - 2, e * 1.15 + 2.999 }'
}

# within N BOUNDS: LO <= N <= HI
# shellcheck disable=SC2317 # within and half are run by check
within()
{
	[ "$1" -ge "${2% *}" ] && [ "$1" -le "${2#* }" ]
}

# half TC LIMITED: one in two of LIMITED sent truncated (slip 2), give or
# take 1 per bucket (the turn is the bucket's, as in BIND): at most 6
# buckets are summed
# shellcheck disable=SC2317
half()
{
	_hd=$((2 * $1 - $2))
	[ "$_hd" -ge -6 ] && [ "$_hd" -le 6 ]
}

# show NAME...: the summaries, as diagnostics
show()
{
	for _n in "$@"; do
		diag "$_n: $(cat "$T_TMP/$_n.out")"
		[ -s "$T_TMP/$_n.err" ] && diag "$(head -n 5 "$T_TMP/$_n.err")"
	done
	return 0
}

start_dnsd "$CONF" || bail "dnsd does not start"

# ---- 1. one name from one /24 -----------------------------------------------
snap s0
bg flood a1 127.0.9.1 www.$Z A
bg flood a2 127.0.9.200 www.$Z A -r $SLOW
bg flood a3 127.0.9.201 www.$Z AAAA -r $SLOW
bg flood b1 127.0.1.1 www.$Z A -r $SLOW
waitall
snap s1
show a1 a2 a3 b1
is "$(kv sent a1)" $((FR * FS)) "the flood sent $((FR * FS)) queries in $(secs a1) s"
full=$(kv full a1 a2)
b=$(bounds "$(secs a1)" "$RATE" "$BURST")
check "127.0.9.0/24 (.1 and .200), www A: one bucket, $full answered in full (expected ${b% *} to ${b#* })" \
    within "$full" "$b"
# In a bucket of its own 127.0.9.200 would add all its queries to that
# total, past the bound.  Which of the shared tokens its queries win
# depends on when the flood's packets arrive (a flood starved of CPU sends
# in bursts, and a slow client can then find every token): not checked.
diag "127.0.9.200, the same /24 and name: $(kv full a2) of $(kv sent a2) in full"
is "$(kv full a3)" "$(kv sent a3)" \
    "127.0.9.201, www AAAA: a bucket of its own, all $(kv sent a3) in full"
is "$(kv full b1)" "$(kv sent b1)" \
    "127.0.1.1, another /24 under the rate: all $(kv sent b1) in full meanwhile"
lim=$(($(kv sent a1 a2) - full))
tc=$(kv tc a1 a2)
check "slip 2: $tc of the $lim limited sent truncated (TC, no records)" \
    half "$tc" "$lim"
is "$(kv none a1 a2)" $((lim - tc)) "the other $((lim - tc)) limited: dropped"
is "$(kv other a1 a2 a3 b1)/$(kv error a1 a2 a3 b1)/$(kv badcookie a1 a2 a3 b1)" \
    0/0/0 "nothing else came back (no errors, no BADCOOKIE)"
is "$(delta s0 s1 rrl.slipped)/$(delta s0 s1 rrl.dropped)" "$tc/$((lim - tc))" \
    "rrl.slipped and rrl.dropped grew by what the clients saw"
is "$(delta s0 s1 rrl.badcookie)/$(delta s0 s1 rrl.exempt)/$(delta s0 s1 rrl.log_only)" \
    0/0/0 "rrl.badcookie, rrl.exempt, rrl.log_only did not grow"
wait_log "$DNSD_LOG" "rrl: 127\.0\.9\.0/24: over $RATE answers a second"
ok $? "logged: rrl: 127.0.9.0/24: over $RATE answers a second"
diag "$(grep 'rrl: ' "$DNSD_LOG")"

# ---- 2. kinds per zone, errors, exempt, TCP, IPv6 -------------------------------
# Each from its own network: buckets apart (the slip turns are shared, so
# slips are counted over all of them).
snap s2
bg flood n1 127.0.10.1 $Z A -R -d $PS
bg flood n2 127.0.12.1 shop.$Z A -R -d $PS
bg flood n3 127.0.13.1 lab.$Z A -R -d $PS
bg "$FLOOD" -b 127.0.15.1 -r $FR -d $PS -R "$LOOP4" "$DNSD_PORT" \
    example.org A example.com TXT >"$T_TMP/n4.out" 2>"$T_TMP/n4.err"
bg flood ex 127.0.8.1 www.$Z A -d $PS
bg flood tu 127.0.11.2 www.$Z A -d $PS
bg flood tt 127.0.11.1 www.$Z A -d $PS -T -r 300
bg flood v6 ::1 www.$Z A -d $PS
waitall
snap s3
show n1 n2 n3 n4 ex tu tt v6
b=$(bounds "$(secs n1)" "$RATE" "$BURST")
check "random names under $Z (NXDOMAIN): one bucket, $(kv full n1) in full (expected ${b% *} to ${b#* })" \
    within "$(kv full n1)" "$b"
check "random names under the wildcard *.shop: one bucket, $(kv full n2) in full" \
    within "$(kv full n2)" "$b"
check "random names under the delegation lab: one bucket, $(kv full n3) referrals" \
    within "$(kv full n3)" "$b"
check "REFUSED for random names of two other zones: one bucket, $(kv error n4) errors sent" \
    within "$(kv error n4)" "$b"
is "$(kv full ex)" "$(kv sent ex)" "exempt 127.0.8.0/24: all $(kv sent ex) in full"
check "rrl.exempt counts what would have been limited: $(delta s2 s3 rrl.exempt)" \
    within "$(delta s2 s3 rrl.exempt)" "$(($(kv sent ex) - ${b#* })) $(($(kv sent ex) - ${b% *}))"
check "127.0.11.2 over UDP: limited, $(kv full tu) in full" within "$(kv full tu)" "$b"
is "$(kv full tt)/$(kv sent tt)" "$(kv sent tt)/$(kv sent tt)" \
    "127.0.11.1 over TCP meanwhile (the same /24 and name): never limited"
check "::1 (ipv6_prefix 56): $(kv full v6) in full" within "$(kv full v6)" "$b"
# kvl KEY: the sum over the limited floods of this part
kvl()
{
	kv "$1" n1 n2 n3 n4 tu v6
}
lim=$(($(kvl sent) - $(kvl full) - $(kvl error)))
is "$(delta s2 s3 rrl.slipped)/$(delta s2 s3 rrl.dropped)" \
    "$(kvl tc)/$(kvl none)" \
    "rrl.slipped and rrl.dropped grew by the TC and missing replies"
check "slip 2 over these floods: $(kvl tc) of $lim limited truncated" \
    half "$(kvl tc)" "$lim"
is "$(($(kvl other) + $(kv other ex tt)))" 0 "no other replies"
wait_log "$DNSD_LOG" "rrl: ::/56: over $RATE answers a second"
ok $? "logged: rrl: ::/56: over $RATE answers a second"

# ---- 3. cookies ---------------------------------------------------------------
# A valid cookie for 127.0.7.7: dig's client cookie and dnsd's server one
ck=$(dig +cookie +norec +tries=1 +time="$T_DIG_TIME" -b 127.0.7.7 "@$LOOP4" \
    -p "$DNSD_PORT" www.$Z A 2>&1 | sed -n 's/^; COOKIE: \([0-9a-f]*\).*/\1/p')
check "dig +cookie from 127.0.7.7: a server cookie ($ck)" \
    test "${#ck}" -ge 32
snap s4
bg flood c1 127.0.7.7 www.$Z A -d $PS -c "$ck"
bg flood c2 127.0.7.8 www.$Z A -d $PS -c "$ck" -r 370
bg flood c3 127.0.6.1 www.$Z A -d $PS -c 0102030405060708
waitall
snap s5
show c1 c2 c3
is "$(kv full c1)" "$(kv sent c1)" \
    "a valid server cookie: never limited, all $(kv sent c1) in full"
b=$(bounds "$(secs c3)" "$RATE" "$BURST")
check "a client cookie alone: limited, $(kv full c3) in full" \
    within "$(kv full c3)" "$b"
check "127.0.7.7's cookie sent from 127.0.7.8: limited, $(kv full c2) in full" \
    within "$(kv full c2)" "$(bounds "$(secs c2)" "$RATE" "$BURST")"
lim2=$(($(kv sent c2) - $(kv full c2)))
lim3=$(($(kv sent c3) - $(kv full c3)))
bc=$(kv badcookie c2)
check "the stolen cookie's slips: $bc BADCOOKIE of $lim2 limited" \
    half "$bc" "$lim2"
is "$(kv badcookie_fresh c2)/$(kv tc c2)" "$bc/0" \
    "each BADCOOKIE with a fresh server cookie, none TC"
check "a client cookie alone: its slips are TC, $(kv tc c3) of $lim3 limited" \
    half "$(kv tc c3)" "$lim3"
is "$(kv badcookie c3)" 0 \
    "... never BADCOOKIE: it would be longer than the query"
is "$(delta s4 s5 rrl.badcookie)/$(delta s4 s5 rrl.slipped)/$(delta s4 s5 rrl.dropped)" \
    "$bc/$(kv tc c3)/$(kv none c2 c3)" \
    "rrl.badcookie, rrl.slipped and rrl.dropped match what the clients saw"

# ---- 4. the log ---------------------------------------------------------------
n=$(grep -c 'rrl: 127\.0\.9\.0/24: ' "$DNSD_LOG")
check "127.0.9.0/24 logged $n time(s) for its $(($(kv sent a1 a2) - $(kv full a1 a2))) limited" \
    test "$n" -ge 1 -a "$n" -le 2
snap s6
n=$(grep -c 'rrl: ' "$DNSD_LOG")
lim=$(($(delta s0 s6 rrl.dropped) + $(delta s0 s6 rrl.slipped) + \
    $(delta s0 s6 rrl.badcookie)))
check "$n rrl lines in the log for $lim limited responses: not one per packet" \
    test "$n" -ge 1 -a "$n" -le 15 -a "$lim" -ge 3000
stop_dnsd

# ---- 5. reloads -----------------------------------------------------------------
CONF=$fix/cur.yaml
cp "$fix/norrl.yaml" "$CONF" || bail "cannot write $CONF"

# reconf GEN [LINE...]: norrl.yaml with version GEN and, given LINEs, an
# rrl: section of them; SIGHUP, then wait (bounded) until UDP answers
# come from it: version.bind says GEN
reconf()
{
	_g=$1
	shift
	{
		sed "s/version: gen1/version: $_g/" "$fix/norrl.yaml"
		[ $# -eq 0 ] || echo "rrl:"
		for _l in "$@"; do
			echo "  $_l"
		done
	} >"$CONF.tmp" && mv "$CONF.tmp" "$CONF" || return 1
	kill -HUP "$DNSD_PID"
	_i=0
	while [ $_i -lt "$T_RELOAD_TRIES" ]; do
		[ "$(q -c CH version.bind TXT | sed -n 's/^an .* TXT //p')" = \
		    "\"$_g\"" ] && return 0
		sleep "$T_POLL"
		_i=$((_i + 1))
	done
	diag "no $_g after SIGHUP; log:" "$(tail -n 5 "$DNSD_LOG")"
	return 1
}

start_dnsd "$CONF" || bail "dnsd does not start without rrl"
snap r0
flood r0 127.0.20.1 www.$Z A -d 1
show r0
is "$(kv full r0)" "$(kv sent r0)" "no rrl section: nothing limited ($(kv sent r0) in full)"
reconf gen2 "rate: 20" "burst: 20"
ok $? "SIGHUP adding rrl: rate 20"
flood r1 127.0.21.1 www.$Z A -d $PS
show r1
check "rrl turned on by the reload: $(kv full r1) in full" \
    within "$(kv full r1)" "$(bounds "$(secs r1)" 20 20)"
reconf gen3 "rate: 50" "burst: 10" "slip: 0"
ok $? "SIGHUP with rate 50, burst 10, slip 0"
snap r2
flood r2 127.0.22.1 www.$Z A -d $PS
snap r3
show r2
b=$(bounds "$(secs r2)" 50 10)
check "the new rate holds: $(kv full r2) in full (expected ${b% *} to ${b#* })" \
    within "$(kv full r2)" "$b"
is "$(kv tc r2)/$(kv none r2)" "0/$(($(kv sent r2) - $(kv full r2)))" \
    "slip 0: every limited response dropped, none truncated"
is "$(delta r2 r3 rrl.dropped)/$(delta r2 r3 rrl.slipped)" "$(kv none r2)/0" \
    "rrl.dropped counts them"
reconf gen4 "rate: 20" "log_only: true"
ok $? "SIGHUP with log_only"
flood r4 127.0.23.1 www.$Z A -d $PS
snap r4
show r4
b=$(bounds "$(secs r4)" 20 20)
is "$(kv full r4)" "$(kv sent r4)" "log_only: all $(kv sent r4) in full"
check "log_only: rrl.log_only counts the $(delta r3 r4 rrl.log_only) over the rate" \
    within "$(delta r3 r4 rrl.log_only)" \
    "$(($(kv sent r4) - ${b#* })) $(($(kv sent r4) - ${b% *}))"
is "$(delta r3 r4 rrl.dropped)/$(delta r3 r4 rrl.slipped)" 0/0 \
    "log_only: nothing dropped or slipped"
wait_log "$DNSD_LOG" "rrl: 127\.0\.23\.0/24: .*log_only"
ok $? "log_only: the network is logged, saying log_only"
reconf gen5
ok $? "SIGHUP without the rrl section"
flood r5 127.0.24.1 www.$Z A -d 1
snap r5
show r5
is "$(kv full r5)" "$(kv sent r5)" "rrl turned off: all $(kv sent r5) in full"
is "$(delta r4 r5 rrl.dropped)/$(delta r4 r5 rrl.slipped)/$(delta r4 r5 rrl.log_only)" \
    0/0/0 "rrl turned off: no counter grew"
stop_dnsd
done_testing
