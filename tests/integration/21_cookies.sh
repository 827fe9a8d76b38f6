#!/bin/sh
# 21_cookies: DNS cookies (RFC 7873) with interoperable server cookies (RFC
# 9018), against real dnsd processes and real clients: dig, kdig, and BIND's
# named as a resolver in front of dnsd.  Server cookies are checked
# byte for byte against SipHash-2-4 computed by `openssl mac` (version 1,
# timestamp, hash over client cookie | version | reserved | time | client
# address), and cookies made that way with chosen timestamps probe the age
# rules (RFC 9018 §4.3).  Then: FORMERR for malformed options (RFC 7873
# §5.2.2), a fleet sharing a secret (fixture a.yaml, b.yaml) against another
# operator's dnsd (x.yaml), a rotation (rot.yaml, and b.yaml's secret file
# rotated with SIGHUP), max_nocookie_response (big UDP answers only with a
# valid cookie), named learning and returning dnsd's cookie, cookies turned
# off (off.yaml) and broken secret files (bad.yaml).  Counters are read with
# `dnsdctl stats` before and after, as exact growths.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HTTPGET=$T_TOOLS/httpget
need kdig named openssl perl "$HTTPGET"

fix=$(t_fixture)
Z=example.net
WWW=192.0.2.10
WWW_RE='^www\.example\.net\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.10$'
MPORT=$(free_port)
sed "s/@MPORT@/$MPORT/" "$fix/a.yaml" >"$fix/a.yaml.new" ||
	bail "cannot write a.yaml"
mv "$fix/a.yaml.new" "$fix/a.yaml" || bail "cannot write a.yaml"
cp "$fix/fleet.secret" "$fix/b.secret" || bail "cannot write b.secret"

# secret FILE [N]: the Nth secret (default 1st) of a secret file, lower case
secret()
{
	sed -n 's/^[[:space:]]*\([0-9A-Fa-f]\{32\}\)[[:space:]]*$/\1/p' "$1" |
	    sed -n "${2:-1}p" | tr 'A-F' 'a-f'
}
FLEET=$(secret "$fix/fleet.secret")
NEW=$(secret "$fix/rotated.secret" 1)
[ "$(secret "$fix/rotated.secret" 2)" = "$FLEET" ] ||
	bail "fixture: rotated.secret's second secret is not fleet.secret's"
OTHER=$(secret "$fix/other.secret")
if [ -z "$FLEET" ] || [ -z "$NEW" ] || [ -z "$OTHER" ]; then
	bail "fixture: a secret file without a secret"
fi

# ---- clients and parsers ------------------------------------------------------
# dg PORT ARG...: dig at dnsd on PORT of $QADDR (default 127.0.0.1), no
# recursion, one try; kd PORT ARG...: the same with kdig
dg()
{
	_p=$1
	shift
	dig +norec +tries=1 +time="$T_DIG_TIME" @"${QADDR:-$LOOP4}" -p "$_p" \
	    "$@" 2>&1
}
kd()
{
	_p=$1
	shift
	kdig +norec +retry=0 +time="$T_DIG_TIME" @"${QADDR:-$LOOP4}" -p "$_p" \
	    "$@" 2>&1
}

# cookie OUT: the COOKIE option of the last message in dig or kdig output
# (the reply), as lower-case hex; cookie_q OUT: the first (with +qr, the
# query's); cookies_in OUT: how many COOKIE options OUT shows
cookie()
{
	printf '%s\n' "$1" | sed -n 's/^;;* COOKIE: \([0-9A-Fa-f]*\).*/\1/p' |
	    tail -n 1 | tr 'A-F' 'a-f'
}
cookie_q()
{
	printf '%s\n' "$1" | sed -n 's/^;;* COOKIE: \([0-9A-Fa-f]*\).*/\1/p' |
	    head -n 1 | tr 'A-F' 'a-f'
}
cookies_in()
{
	printf '%s\n' "$1" | grep -c '^;;* COOKIE:'
}

# rcode OUT, answers OUT, flags OUT, size OUT: of the last message shown
rcode()
{
	printf '%s\n' "$1" | sed -n 's/.*status: \([A-Z]*\).*/\1/p' | tail -n 1
}
answers()
{
	printf '%s\n' "$1" | sed -n 's/.*ANSWER: \([0-9]*\).*/\1/p' | tail -n 1
}
flags()
{
	printf '%s\n' "$1" | sed -n 's/^;; [Ff]lags: \([^;]*\);.*/ \1 /p' |
	    tail -n 1
}
size()
{
	printf '%s\n' "$1" |
	    sed -n 's/.*MSG SIZE  *rcvd: \([0-9]*\).*/\1/p; s/^;; Received \([0-9]*\) B.*/\1/p' |
	    tail -n 1
}

# tc OUT: yes if the last message has TC set, else no
tc()
{
	case $(flags "$1") in
	*" tc "*) echo yes ;;
	*) echo no ;;
	esac
}

# cc COOKIE, sc COOKIE, sc_time COOKIE: the client cookie, the server
# cookie, the server cookie's timestamp (seconds since the epoch)
cc()
{
	printf '%s\n' "$1" | cut -c1-16
}
sc()
{
	printf '%s\n' "$1" | cut -c17-
}
sc_time()
{
	_t=$(printf '%s\n' "$1" | cut -c25-32)
	case $_t in
	[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f])
		echo $((0x$_t)) ;;
	*) echo 0 ;;
	esac
}

# mkcookie CLIENT TIME [SECRET [ADDRHEX [VERSION]]]: the cookie a server
# with SECRET (default the fleet's) gives CLIENT (16 hex digits) at address
# ADDRHEX (default 127.0.0.1) at TIME, made by openssl's SipHash-2-4 as RFC
# 9018 §4.4 says; client cookie and server cookie, hex
mkcookie()
{
	_head=$(printf '%02x000000%08x' "${5:-1}" "$2")
	_h=$(printf '%s%s%s\n' "$1" "$_head" "${4:-7f000001}" |
	    perl -ne 'chomp; print pack("H*", $_)' |
	    openssl mac -macopt "hexkey:${3:-$FLEET}" -macopt size:8 SIPHASH |
	    tr -dc '0-9A-Fa-f' | tr 'A-F' 'a-f')
	printf '%s%s%s\n' "$1" "$_head" "$_h"
}

# counts CONF: "CLIENT_ONLY VALID BAD TRUNCATED", the cookie counters of the
# dnsd of CONF (dnsdctl stats), or "no stats"
counts()
{
	"$T_O/bin/dnsdctl" -t 10 -c "$1" stats 2>&1 | awk '
	    $1 == "cookies.client_only" { c = $2 }
	    $1 == "cookies.valid" { v = $2 }
	    $1 == "cookies.bad" { b = $2 }
	    $1 == "cookies.nocookie_truncated" { t = $2 }
	    END { if (c == "" || v == "" || b == "" || t == "")
	            print "no stats"
	          else
	            print c, v, b, t }'
}

# grew BEFORE AFTER: how much each counter of counts grew
grew()
{
	printf '%s %s\n' "$1" "$2" | awk 'NF != 8 { print "no stats"; exit }
	    { printf "client_only+%d valid+%d bad+%d truncated+%d\n",
	      $5 - $1, $6 - $2, $7 - $3, $8 - $4 }'
}

# counter CONF KEY: one line of dnsdctl stats
counter()
{
	"$T_O/bin/dnsdctl" -t 10 -c "$1" stats 2>&1 |
	    awk -v k="$2" '$1 == k { print $2 }'
}

# is_now TIME DESC: one test point: TIME is within 10 s of this machine's
# clock
is_now()
{
	_d=$(($1 - $(date +%s)))
	[ "$_d" -ge -10 ] && [ "$_d" -le 10 ]
	ok $? "$2" || diag "$1 is $_d s from now"
}

# zeros N: N octets of zeros, as hex (nothing for 0)
zeros()
{
	awk -v n="$1" 'BEGIN { while (n-- > 0) printf "00"; print "" }'
}

# is_www OUT DESC: one test point: the reply answers www A $WWW
is_www()
{
	printf '%s\n' "$1" | grep -Eq "$WWW_RE"
	ok $? "$2" || diag "reply:" "$1"
}

# ---- fleet member A -------------------------------------------------------------
CA=$fix/a.yaml
start_dnsd "$CA" || bail "dnsd A does not start"
A_PID=$DNSD_PID A_PORT=$DNSD_PORT A_LOG=$DNSD_LOG

# ---- (1) round trips: dig, kdig, IPv4 and IPv6 ----------------------------------
s0=$(counts "$CA")
r=$(dg "$A_PORT" +qr +cookie www.$Z A)
c=$(cookie "$r")
is "$(rcode "$r")" NOERROR "dig +cookie: NOERROR"
is_www "$r" "dig +cookie: answered www A $WWW"
is "${#c}" 48 "dig +cookie: the reply's COOKIE is 8 + 16 octets ($c)"
is "$(cc "$c")" "$(cc "$(cookie_q "$r")")" \
    "dig +cookie: the client cookie is echoed"
is "$(sc "$c" | cut -c1-8)" 01000000 \
    "server cookie: version 1, reserved octets 0 (RFC 9018 §4.2)"
t=$(sc_time "$c")
is_now "$t" "server cookie: timestamp $t is now ($(date +%s))"
is "$c" "$(mkcookie "$(cc "$c")" "$t")" \
    "server cookie: hash = openssl SipHash-2-4 over cookie, time and 127.0.0.1 under the fleet's secret (RFC 9018 §4.4)"
s1=$(counts "$CA")
is "$(grew "$s0" "$s1")" "client_only+1 valid+0 bad+0 truncated+0" \
    "counted as a client cookie alone"
SC0=$c

r=$(dg "$A_PORT" +cookie="$c" www.$Z A)
is "$(cookie "$r")" "$c" "dig +cookie=CLIENTSERVER: the same server cookie echoed"
is_www "$r" "dig +cookie=CLIENTSERVER: answered"
r=$(kd "$A_PORT" +cookie="$c" www.$Z A)
is "$(cookie "$r")" "$c" "kdig +cookie=CLIENTSERVER: the same server cookie echoed"
is_www "$r" "kdig +cookie=CLIENTSERVER: answered"
s2=$(counts "$CA")
is "$(grew "$s1" "$s2")" "client_only+0 valid+2 bad+0 truncated+0" \
    "dig's and kdig's returned cookies counted valid"

r=$(kd "$A_PORT" +qr +cookie www.$Z A)
k=$(cookie "$r")
is "${#k}" 48 "kdig +cookie: a server cookie in the reply"
is "$(cc "$k")" "$(cc "$(cookie_q "$r")")" "kdig +cookie: its client cookie echoed"
is_now "$(sc_time "$k")" "kdig +cookie: timestamp now"
r=$(kd "$A_PORT" +cookie="$k" www.$Z A)
is "$(cookie "$r")" "$k" "kdig's cookie returned: echoed unchanged"
is "$(grew "$s2" "$(counts "$CA")")" "client_only+1 valid+1 bad+0 truncated+0" \
    "kdig: one client cookie alone, then one valid"

# IPv6: the hash covers the 16 octets of ::1
s0=$(counts "$CA")
r=$(QADDR=$LOOP6 dg "$A_PORT" +cookie www.$Z A)
c6=$(cookie "$r")
is "$c6" "$(mkcookie "$(cc "$c6")" "$(sc_time "$c6")" "$FLEET" \
    00000000000000000000000000000001)" \
    "over ::1: the server cookie hashes the IPv6 address"
r=$(QADDR=$LOOP6 dg "$A_PORT" +cookie="$c6" www.$Z A)
is "$(cookie "$r")" "$c6" "over ::1: the cookie returned is echoed"
# A cookie is bound to the address it was given to (RFC 9018 §4.4).
r=$(QADDR=$LOOP6 dg "$A_PORT" +cookie="$SC0" www.$Z A)
check "127.0.0.1's cookie sent from ::1: another server cookie" \
    test "$(sc "$(cookie "$r")")" != "$(sc "$SC0")"
r=$(dg "$A_PORT" -b 127.0.0.2 +cookie="$SC0" www.$Z A)
is_www "$r" "127.0.0.1's cookie sent from 127.0.0.2: answered"
c2=$(cookie "$r")
check "127.0.0.1's cookie sent from 127.0.0.2: another server cookie" \
    test "$(sc "$c2")" != "$(sc "$SC0")"
is "$c2" "$(mkcookie "$(cc "$c2")" "$(sc_time "$c2")" "$FLEET" 7f000002)" \
    "the new one is 127.0.0.2's"
is "$(grew "$s0" "$(counts "$CA")")" "client_only+1 valid+1 bad+2 truncated+0" \
    "IPv6 and other-address cookies counted: 1 client only, 1 valid, 2 bad"
r=$(dg "$A_PORT" +cookie="$SC0" www.$Z A)
is "$(cookie "$r")" "$SC0" "from 127.0.0.1 again: still valid, echoed"
s0=$(counts "$CA")
r=$(dg "$A_PORT" +tcp +cookie="$SC0" www.$Z A)
is "$(cookie "$r")" "$SC0" "over TCP: the UDP-learned cookie is echoed"
r=$(kd "$A_PORT" +tcp +cookie="$SC0" www.$Z A)
is "$(cookie "$r")" "$SC0" "over TCP (kdig): echoed"
is "$(grew "$s0" "$(counts "$CA")")" "client_only+0 valid+2 bad+0 truncated+0" \
    "over TCP: counted valid"

# ---- (2) forged, garbled, stale, future server cookies ---------------------------
s0=$(counts "$CA")
g="$(printf '%s\n' "$SC0" | cut -c1-32)deadbeef00c0ffee"
r=$(dg "$A_PORT" +cookie="$g" www.$Z A)
f=$(cookie "$r")
is "$(rcode "$r")" NOERROR "garbled hash: NOERROR (RFC 7873 §5.2.4: answered normally)"
is_www "$r" "garbled hash: the answer"
is "$(cc "$f")/${#f}" "$(cc "$g")/48" "garbled hash: client cookie echoed, a 16-octet server cookie"
check "garbled hash: a different server cookie" test "$(sc "$f")" != "$(sc "$g")"
is "$f" "$(mkcookie "$(cc "$f")" "$(sc_time "$f")")" "garbled hash: the new one is ours"
is "$(grew "$s0" "$(counts "$CA")")" "client_only+0 valid+0 bad+1 truncated+0" \
    "garbled hash: counted bad"
r=$(dg "$A_PORT" +cookie="$f" www.$Z A)
is "$(cookie "$r")" "$f" "the fresh cookie returned: valid, echoed"

# A forged cookie for a client cookie never seen, and server cookies of
# other sizes (8 and 32 octets: well formed, not ours).
CL=0123456789abcdef
now=$(date +%s)
s0=$(counts "$CA")
for forged in "${CL}01000000$(printf '%08x' "$now")0011223344556677:forged, time now" \
    "${CL}0011223344556677:8-octet server cookie" \
    "${CL}$(printf '%064d' 7):32-octet server cookie"; do
	r=$(dg "$A_PORT" +cookie="${forged%%:*}" www.$Z A)
	f=$(cookie "$r")
	check "${forged#*:}: answered NOERROR" test "$(rcode "$r")" = NOERROR
	is_www "$r" "${forged#*:}: the answer"
	is "$f" "$(mkcookie $CL "$(sc_time "$f")")" \
	    "${forged#*:}: a fresh server cookie of ours"
done
is "$(grew "$s0" "$(counts "$CA")")" "client_only+0 valid+0 bad+3 truncated+0" \
    "forged and other-size cookies: 3 bad"

# Made with the fleet's secret at chosen times (RFC 9018 §4.3: valid up to
# an hour old and up to five minutes ahead; replaced after half an hour).
now=$(date +%s)
# age SECONDS-AGO VERDICT DESC: VERDICT valid-echoed, valid-renewed or bad
age()
{
	_c=$(mkcookie $CL $((now - $1)))
	_s0=$(counts "$CA")
	_r=$(dg "$A_PORT" +cookie="$_c" www.$Z A)
	_f=$(cookie "$_r")
	case $2 in
	bad) _want="client_only+0 valid+0 bad+1 truncated+0" ;;
	*) _want="client_only+0 valid+1 bad+0 truncated+0" ;;
	esac
	case $2 in
	valid-echoed) is "$_f" "$_c" "$3: valid, echoed unchanged" ;;
	*)	check "$3: replaced" test -n "$_f" -a "$_f" != "$_c"
		is "$_f" "$(mkcookie $CL "$(sc_time "$_f")")" \
		    "$3: by a fresh cookie of ours"
		is_now "$(sc_time "$_f")" "$3: made now" ;;
	esac
	is "$(grew "$_s0" "$(counts "$CA")")" "$_want" "$3: counted ${2%-*}"
}
age 60 valid-echoed "made 1 min ago"
age -120 valid-echoed "made 2 min ahead"
age 1500 valid-echoed "made 25 min ago"
age 2400 valid-renewed "made 40 min ago"
age 3000 valid-renewed "made 50 min ago"
age 3900 bad "made 65 min ago (stale)"
age 86400 bad "made a day ago"
age -600 bad "made 10 min ahead (future)"
c=$(mkcookie $CL "$now" "$FLEET" 7f000001 2)
r=$(dg "$A_PORT" +cookie="$c" www.$Z A)
check "version 2, hash right for it: replaced by a version 1 cookie" \
    test "$(sc "$(cookie "$r")" | cut -c1-2)" = 01 -a "$(cookie "$r")" != "$c"

# ---- (3) malformed COOKIE options: FORMERR (RFC 7873 §5.2.2) ----------------------
s0=$(counts "$CA")
for n in 0 1 5 7 9 12 15 41 48; do
	r=$(dg "$A_PORT" +nocookie +ednsopt=10:"$(zeros $n)" www.$Z A)
	is "$(rcode "$r")/$(answers "$r")" FORMERR/0 "COOKIE option of $n octets: FORMERR"
done
r=$(dg "$A_PORT" +nocookie +ednsopt=10:$CL +ednsopt=10:$CL www.$Z A)
is "$(rcode "$r")/$(answers "$r")" FORMERR/0 "two COOKIE options: FORMERR"
r=$(dg "$A_PORT" +nocookie +ednsopt=10:$CL +ednsopt=10:"$SC0" www.$Z A)
is "$(rcode "$r")" FORMERR "two COOKIE options, the second valid: FORMERR"
r=$(dg "$A_PORT" +cookie +ednsopt=10:$CL www.$Z A)
is "$(rcode "$r")" FORMERR "dig's own cookie and another, both well formed: FORMERR"
is "$(grew "$s0" "$(counts "$CA")")" "client_only+0 valid+0 bad+0 truncated+0" \
    "malformed options counted as no cookie state"
for n in 8 16 24 40; do
	r=$(dg "$A_PORT" +nocookie +ednsopt=10:$CL"$(zeros $((n - 8)))" www.$Z A)
	is "$(rcode "$r")/$(cc "$(cookie "$r")")" NOERROR/$CL \
	    "COOKIE option of $n octets (well formed): NOERROR, a cookie back"
done
r=$(dg "$A_PORT" +cookie="$SC0" www.example.com A)
is "$(rcode "$r")/$(cookie "$r")" "REFUSED/$SC0" \
    "a name we are not authoritative for: REFUSED, the cookie still echoed"

# ---- (4) a fleet: B shares A's secret, X has its own ------------------------------
CB=$fix/b.yaml
CX=$fix/x.yaml
start_dnsd "$CB" || bail "dnsd B does not start"
B_PID=$DNSD_PID B_PORT=$DNSD_PORT B_LOG=$DNSD_LOG
start_dnsd "$CX" || bail "dnsd X does not start"
X_PID=$DNSD_PID X_PORT=$DNSD_PORT X_LOG=$DNSD_LOG

sb0=$(counts "$CB")
r=$(dg "$B_PORT" +cookie="$SC0" www.$Z A)
is "$(cookie "$r")" "$SC0" "A's cookie on B: echoed unchanged"
r=$(kd "$B_PORT" +cookie="$SC0" www.$Z A)
is "$(cookie "$r")" "$SC0" "A's cookie on B (kdig): echoed unchanged"
is "$(grew "$sb0" "$(counts "$CB")")" "client_only+0 valid+2 bad+0 truncated+0" \
    "A's cookie counted valid on B"
r=$(dg "$B_PORT" +cookie www.$Z A)
cb=$(cookie "$r")
sa0=$(counts "$CA")
r=$(dg "$A_PORT" +cookie="$cb" www.$Z A)
is "$(cookie "$r")" "$cb" "B's cookie on A: echoed unchanged"
is "$(grew "$sa0" "$(counts "$CA")")" "client_only+0 valid+1 bad+0 truncated+0" \
    "B's cookie counted valid on A"

sx0=$(counts "$CX")
r=$(dg "$X_PORT" +cookie="$SC0" www.$Z A)
cx=$(cookie "$r")
is_www "$r" "A's cookie on X: answered"
check "A's cookie on X: replaced" test "$(sc "$cx")" != "$(sc "$SC0")"
is "$cx" "$(mkcookie "$(cc "$cx")" "$(sc_time "$cx")" "$OTHER")" \
    "X's cookie is made with X's secret"
is "$(grew "$sx0" "$(counts "$CX")")" "client_only+0 valid+0 bad+1 truncated+0" \
    "A's cookie counted bad on X"
sa0=$(counts "$CA")
r=$(dg "$A_PORT" +cookie="$cx" www.$Z A)
check "X's cookie on A: replaced" test "$(cookie "$r")" != "$cx"
is "$(grew "$sa0" "$(counts "$CA")")" "client_only+0 valid+0 bad+1 truncated+0" \
    "X's cookie counted bad on A"
DNSD_PID=$X_PID DNSD_LOG=$X_LOG
stop_dnsd

# ---- (5) rotation ---------------------------------------------------------------
# rot.yaml: [NEW, fleet's].  A cookie of the fleet's (A's, made with only
# the old secret) is valid, and replaced by one made with NEW.
CR=$fix/rot.yaml
start_dnsd "$CR" || bail "dnsd ROT does not start"
R_PID=$DNSD_PID R_PORT=$DNSD_PORT R_LOG=$DNSD_LOG
sr0=$(counts "$CR")
r=$(dg "$R_PORT" +cookie="$SC0" www.$Z A)
cr=$(cookie "$r")
is_www "$r" "A's (old-secret) cookie on ROT: answered"
check "A's cookie on ROT: replaced" test -n "$cr" -a "$(sc "$cr")" != "$(sc "$SC0")"
is "$cr" "$(mkcookie "$(cc "$cr")" "$(sc_time "$cr")" "$NEW")" \
    "A's cookie on ROT: replaced by one made with the new secret"
is "$(grew "$sr0" "$(counts "$CR")")" "client_only+0 valid+1 bad+0 truncated+0" \
    "A's cookie counted valid on ROT"
r=$(dg "$R_PORT" +cookie="$cr" www.$Z A)
is "$(cookie "$r")" "$cr" "ROT's new cookie returned: echoed unchanged"
sa0=$(counts "$CA")
r=$(dg "$A_PORT" +cookie="$cr" www.$Z A)
check "ROT's new cookie on A (old secret only): replaced" \
    test "$(cookie "$r")" != "$cr"
is "$(grew "$sa0" "$(counts "$CA")")" "client_only+0 valid+0 bad+1 truncated+0" \
    "ROT's new cookie counted bad on A"
DNSD_PID=$R_PID DNSD_LOG=$R_LOG
stop_dnsd

# The same on B, live: its secret file rotated, SIGHUP.
# reload_b GENERATION valid|bad COOKIE: SIGHUP B, wait for its log to show
# the new generation, then (bounded) until B's workers, on the new
# snapshot, echo COOKIE unchanged (valid, made with the first secret) or
# count it bad
reload_b()
{
	kill -HUP "$B_PID"
	wait_log "$B_LOG" "reload: generation $1:" || return 1
	_i=0
	while [ $_i -lt "$T_RELOAD_TRIES" ]; do
		_s0=$(counts "$CB")
		_g=$(cookie "$(dg "$B_PORT" +cookie="$3" www.$Z A)")
		_d=$(grew "$_s0" "$(counts "$CB")")
		case $2/$_d in
		valid/*) [ "$_g" = "$3" ] && return 0 ;;
		bad/*" bad+1 "*) return 0 ;;
		esac
		sleep "$T_POLL"
		_i=$((_i + 1))
	done
	return 1
}
{
	echo "# rotated by 21_cookies.sh: new first, the fleet's second"
	echo "$NEW"
	echo "$FLEET"
} >"$fix/b.secret.new" && mv "$fix/b.secret.new" "$fix/b.secret"
reload_b 2 valid "$cr"
ok $? "SIGHUP B with [new, old]: ROT's cookie becomes valid on B"
sb0=$(counts "$CB")
r=$(dg "$B_PORT" +cookie="$SC0" www.$Z A)
cb=$(cookie "$r")
is "$cb" "$(mkcookie "$(cc "$cb")" "$(sc_time "$cb")" "$NEW")" \
    "after the rotation, A's cookie on B: replaced by a new-secret cookie"
is "$(grew "$sb0" "$(counts "$CB")")" "client_only+0 valid+1 bad+0 truncated+0" \
    "after the rotation, A's cookie still counted valid on B"
echo "$NEW" >"$fix/b.secret.new" && mv "$fix/b.secret.new" "$fix/b.secret"
reload_b 3 bad "$SC0"
ok $? "SIGHUP B with [new] only: A's (old) cookie becomes bad on B"
sb0=$(counts "$CB")
r=$(dg "$B_PORT" +cookie="$cb" www.$Z A)
is "$(cookie "$r")" "$cb" "after retiring the old secret: new-secret cookie echoed"
r=$(dg "$B_PORT" +cookie="$SC0" www.$Z A)
check "after retiring the old secret: old cookie replaced" \
    test "$(cookie "$r")" != "$SC0"
is "$(grew "$sb0" "$(counts "$CB")")" "client_only+0 valid+1 bad+1 truncated+0" \
    "after retiring the old secret: counted 1 valid, 1 bad"
unlike "$(cat "$B_LOG")" 'reload: failed' "dnsd B logged no reload failure"
DNSD_PID=$B_PID DNSD_LOG=$B_LOG
stop_dnsd

# ---- (6) max_nocookie_response: 512 on A (udp_payload 4096) -----------------------
s0=$(counts "$CA")
r=$(dg "$A_PORT" +ignore +nocookie +bufsize=4096 big.$Z TXT)
is "$(rcode "$r")/$(tc "$r")/$(answers "$r")" NOERROR/yes/0 \
    "big TXT over UDP, bufsize 4096, no cookie: TC, no answer"
check "no cookie: reply <= 512 octets (got $(size "$r"))" test "$(size "$r")" -le 512
s1=$(counts "$CA")
is "$(grew "$s0" "$s1")" "client_only+0 valid+0 bad+0 truncated+1" \
    "no cookie: counted as nocookie_truncated"
r=$(dg "$A_PORT" +ignore +cookie +bufsize=4096 big.$Z TXT)
is "$(tc "$r")/$(answers "$r")" yes/0 "client cookie alone: still TC"
cbig=$(cookie "$r")
is "${#cbig}" 48 "client cookie alone: the truncated reply carries our cookie"
r=$(dg "$A_PORT" +ignore +cookie="$g" +bufsize=4096 big.$Z TXT)
is "$(tc "$r")/$(answers "$r")" yes/0 "garbled server cookie: still TC"
s2=$(counts "$CA")
is "$(grew "$s1" "$s2")" "client_only+1 valid+0 bad+1 truncated+2" \
    "client-only and bad cookies: both truncated, counted"
r=$(dg "$A_PORT" +ignore +cookie="$cbig" +bufsize=4096 big.$Z TXT)
is "$(rcode "$r")/$(tc "$r")/$(answers "$r")" NOERROR/no/10 \
    "with the cookie of the truncated reply: all 10 TXT over UDP"
check "valid cookie: a reply over 2000 octets (got $(size "$r"))" \
    test "$(size "$r")" -gt 2000
r=$(kd "$A_PORT" +ignore +cookie="$cbig" +bufsize=4096 big.$Z TXT)
is "$(tc "$r")/$(answers "$r")" no/10 "kdig with the cookie: all 10 TXT over UDP"
like "$r" 'From 127\.0\.0\.1@[0-9]+\(UDP\)' "kdig: that answer came over UDP"
s3=$(counts "$CA")
is "$(grew "$s2" "$s3")" "client_only+0 valid+2 bad+0 truncated+0" \
    "valid cookies: not truncated, not counted"
r=$(dg "$A_PORT" +tcp +nocookie big.$Z TXT)
is "$(tc "$r")/$(answers "$r")" no/10 "over TCP without cookie: all 10 TXT"
r=$(dg "$A_PORT" +nocookie +bufsize=4096 big.$Z TXT)
is "$(tc "$r")/$(answers "$r")" no/10 "dig without +ignore: retries over TCP, all 10 TXT"
like "$r" 'SERVER: .*\(TCP\)' "dig: that answer came over TCP"
r=$(dg "$A_PORT" +ignore +noedns big.$Z TXT)
is "$(tc "$r")" yes "no EDNS: TC (512 octets anyway)"
r=$(dg "$A_PORT" +nocookie +bufsize=4096 www.$Z A)
is "$(tc "$r")/$(answers "$r")" no/1 "small answer without cookie: not truncated"
is "$(grew "$s3" "$(counts "$CA")")" "client_only+0 valid+0 bad+0 truncated+1" \
    "nocookie_truncated: dig's UDP try before TCP counted; TCP, no-EDNS and small answers not"

# Prometheus: the same counts as dnsdctl stats
m=$("$HTTPGET" -w "$T_QUERY_MS" "$LOOP4:$MPORT" /metrics 2>/dev/null)
st=$(counts "$CA")
mc=$(printf '%s\n' "$m" | awk '
    $1 == "dnsd_cookies_total{cookie=\"client_only\"}" { c = $2 }
    $1 == "dnsd_cookies_total{cookie=\"valid\"}" { v = $2 }
    $1 == "dnsd_cookies_total{cookie=\"bad\"}" { b = $2 }
    $1 == "dnsd_nocookie_truncated_total" { t = $2 }
    END { print c, v, b, t }')
is "$mc" "$st" "metrics: dnsd_cookies_total and dnsd_nocookie_truncated_total = dnsdctl stats"

# ---- (7) a real resolver: BIND's named, forwarding to A -------------------------------
NDIR=$T_TMP/named
mkdir -p "$NDIR" || bail "cannot create $NDIR"
# start_named: named on a free port of 127.0.0.1, forwarding everything to
# A; waits (bounded) until it answers version.bind CH TXT itself.  Sets
# N_PID, N_PORT, N_LOG.  Returns 1 on failure.
start_named()
{
	_try=0
	while [ $_try -lt 3 ]; do
		_try=$((_try + 1))
		N_PORT=$(free_port)
		N_LOG=$NDIR/named.log
		cat >"$NDIR/named.conf" <<CONF
options {
	directory "$NDIR";
	pid-file "$NDIR/named.pid";
	session-keyfile "$NDIR/session.key";
	managed-keys-directory "$NDIR";
	listen-on port $N_PORT { $LOOP4; };
	listen-on-v6 { none; };
	recursion yes;
	allow-query { 127.0.0.0/8; };
	allow-recursion { 127.0.0.0/8; };
	dnssec-validation no;
	max-cache-size 32m;
	edns-udp-size 4096;
	forwarders { $LOOP4 port $A_PORT; };
	forward only;
};
controls { };
CONF
		named -g -n 1 -c "$NDIR/named.conf" >"$N_LOG" 2>&1 &
		N_PID=$!
		T_PIDS="$T_PIDS $N_PID"
		_i=0
		while [ $_i -lt $((T_READY_TRIES * 2)) ]; do
			t_alive "$N_PID" || break
			if dig +tries=1 +time=1 @"$LOOP4" -p "$N_PORT" \
			    version.bind CH TXT >/dev/null 2>&1; then
				return 0
			fi
			sleep "$T_POLL"
			_i=$((_i + 1))
		done
		_inuse=no
		grep -qi 'in use' "$N_LOG" && _inuse=yes
		t_reap "$N_PID"
		[ $_inuse = yes ] || break
	done
	diag "named did not come up; its log:" "$(tail -n 30 "$N_LOG")"
	return 1
}
start_named || bail "named does not start"
ok 0 "named runs in the foreground on 127.0.0.1:$N_PORT, forwarding to dnsd A"

# ask NAME TYPE [DIG-OPTION...]: ask named (recursion desired)
ask()
{
	_n=$1 _t=$2
	shift 2
	dig +tries=1 +time="$T_DIG_TIME" @"$LOOP4" -p "$N_PORT" "$@" "$_n" "$_t" 2>&1
}
sa0=$(counts "$CA")
got=""
for i in 1 2 3 4 5 6 7 8; do
	got="$got $(ask n$i.w.$Z A +short)"
done
is "$got" " 192.0.2.99 192.0.2.99 192.0.2.99 192.0.2.99 192.0.2.99 192.0.2.99 192.0.2.99 192.0.2.99" \
    "named answers 8 new names through dnsd"
sa1=$(counts "$CA")
nv=$(printf '%s %s\n' "$sa0" "$sa1" | awk '{ print $6 - $2 }')
nc=$(printf '%s %s\n' "$sa0" "$sa1" | awk '{ print $5 - $1 }')
nb=$(printf '%s %s\n' "$sa0" "$sa1" | awk '{ print $7 - $3 }')
check "named sent dnsd a cookie (client_only+$nc valid+$nv bad+$nb)" \
    test $((nc + nv + nb)) -ge 8
check "named returned dnsd's server cookie: valid+$nv >= 6 of 8" test "$nv" -ge 6
is "$nb" 0 "named never sent a bad cookie"
t0=$(counter "$CA" queries.tcp)
r=$(ask big.$Z TXT +tcp)
is "$(rcode "$r")/$(answers "$r")" NOERROR/10 "big TXT through named: all 10 records"
is "$(counter "$CA" queries.tcp)" "$t0" \
    "named got the big answer over UDP (valid cookie): no TCP to dnsd"
sa2=$(counts "$CA")
bv=$(printf '%s %s\n' "$sa1" "$sa2" | awk '{ print $6 - $2 }')
check "the big query came with a valid cookie (valid+$bv)" test "$bv" -ge 1
is "$(printf '%s %s\n' "$sa1" "$sa2" | awk '{ print $8 - $4 }')" 0 \
    "the big query through named: not truncated by max_nocookie_response"
if [ "$nv" -lt 6 ] || [ "$nb" -ne 0 ]; then
	diag "named log:" "$(tail -n 20 "$N_LOG")"
fi
check "named still running" t_alive "$N_PID"
t_reap "$N_PID"
ok $? "named stops on SIGTERM"

check "dnsd A still running" t_alive "$A_PID"
DNSD_PID=$A_PID DNSD_LOG=$A_LOG
stop_dnsd

# ---- (8) cookies off; broken secret files -------------------------------------------
CO=$fix/off.yaml
start_dnsd "$CO" || bail "dnsd OFF does not start"
so0=$(counts "$CO")
r=$(dg "$DNSD_PORT" +cookie www.$Z A)
is "$(rcode "$r")/$(cookies_in "$r")" NOERROR/0 "cookies off, dig +cookie: no COOKIE in the reply"
is_www "$r" "cookies off: answered"
r=$(dg "$DNSD_PORT" +cookie="$SC0" www.$Z A)
is "$(rcode "$r")/$(cookies_in "$r")" NOERROR/0 "cookies off, a server cookie sent: no COOKIE in the reply"
r=$(kd "$DNSD_PORT" +cookie www.$Z A)
is "$(rcode "$r")/$(cookies_in "$r")" NOERROR/0 "cookies off, kdig +cookie: no COOKIE in the reply"
r=$(dg "$DNSD_PORT" +ignore +cookie +bufsize=4096 big.$Z TXT)
is "$(tc "$r")/$(answers "$r")" no/10 "cookies off: no cap on big UDP answers"
is "$(grew "$so0" "$(counts "$CO")")" "client_only+0 valid+0 bad+0 truncated+0" \
    "cookies off: nothing counted"
stop_dnsd

r=$("$DNSD" -n -c "$fix/bad.yaml" 2>&1)
is "$?" 1 "dnsd -n with a broken secret file: exit 1"
like "$r" 'bad\.secret:3:3: .*32 hex digits' "31 hex digits: bad.secret:3:3"
like "$r" 'bad\.secret:4:1: .*32 hex digits' "a non-hex digit: bad.secret:4:1"
unlike "$r" 'bad\.secret:2:' "the good secret on line 2: no error"
timeout 20 "$DNSD" -c "$fix/bad.yaml" -l "$LOOP4:$(free_port)" >"$T_TMP/bad.out" 2>&1
is "$?" 1 "dnsd with a broken secret file does not start: exit 1"
sed 's/^  enabled: false$/  enabled: false\n  max_nocookie_response: 1024/' "$CO" \
    >"$fix/offcap.yaml"
r=$("$DNSD" -n -c "$fix/offcap.yaml" 2>&1)
like "$r" 'offcap\.yaml:[0-9]+:[0-9]+: cookies: max_nocookie_response needs cookies enabled' \
    "max_nocookie_response with cookies off: a configuration error"
for v in 511 4097; do
	sed "s/max_nocookie_response: 512/max_nocookie_response: $v/" "$CX" \
	    >"$fix/range.yaml"
	r=$("$DNSD" -n -c "$fix/range.yaml" 2>&1)
	like "$r" 'range\.yaml:[0-9]+:[0-9]+: .*max_nocookie_response' \
	    "max_nocookie_response $v: out of range, file:line:col"
done
sed '/^cookies:$/,$d' "$CX" >"$fix/missing.yaml"
printf 'cookies:\n  secret_file: missing.secret\nallow_root: true\n' >>"$fix/missing.yaml"
r=$("$DNSD" -n -c "$fix/missing.yaml" 2>&1)
like "$r" 'missing\.secret: .*secret_file' "a missing secret file: named in the error"
done_testing
