#!/bin/sh
# 23_reflection: the reflection attack that response rate limiting is for
# (dnsd/rrl.h), against the bundled example (zones/dnsd.yaml: rrl rate 20,
# slip 2, cookies on) run from a copy with its ports and paths moved.
# An attacker sends, with the victim's address as source, the query
# whose UDP answer is the biggest the example zone gives (found by asking
# dig for a list of candidates); on loopback the victim's address
# 127.0.9.9 can be bound, so tests/tools/qblast -b both sends the flood
# and receives, as the victim, all that dnsd sends back.  Covered:
#   1. at the highest rate qblast reaches, the victim receives no more
#      bytes than the attacker sent (no amplification), gets at most
#      about burst + rate x seconds full answers, the rest limited: one in
#      two slipped (no bigger than the query), the others dropped;
#   2. a client in another network (127.0.5.5) asking below the rate,
#      20 names and types at 10 q/s each, is never limited (no TC);
#      at full speed the kernel may drop some of its queries with the
#      attacker's (dnsd's socket overflows: two CPUs are shared by the
#      attacker, dnsd and the client), so the >= 99.9 % answered is
#      asserted in a second round at a quarter of the rate dnsd kept
#      up with;
#   3. the same with a client cookie in the forged queries: the slips
#      are TC without a cookie, never BADCOOKIE (ours would make them 16
#      octets longer than the query): no slip is longer than its query;
#   4. dnsdctl stats and Prometheus agree; the victim's network is
#      logged once.
# The figures (rates, bytes, ratio, answered) are printed as diagnostics.
# shellcheck disable=SC1091 # lib.sh: see tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
QBLAST=$T_TOOLS/qblast
FLOOD=$T_TOOLS/rrlflood
HTTPGET=$T_TOOLS/httpget
need "$QBLAST" "$FLOOD" "$HTTPGET" perl

ATTACK_S=4           # seconds of each round of the attack
MAX_RATE=10000000    # asked of qblast in round 1: more than it can send
VICTIM=127.0.9.9
LEGIT=127.0.5.5
SURVEY=127.0.3.3     # the address the candidates are asked from
LEGIT_PER_NAME=10    # q/s for each name of the legitimate client
Z=example.net

# ---- the example, moved -------------------------------------------------------
ex=$T_TMP/example
copy_example "$ex"
CONF=$ex/dnsd.yaml
MPORT=$(free_port)
if ! sed "s/^metrics: .*/metrics: $LOOP4:$MPORT/" "$CONF" >"$CONF.new" ||
    ! mv "$CONF.new" "$CONF"; then
	bail "cannot write $CONF"
fi
RATE=$(sed -n '/^rrl:/,/^[a-z]/s/^  rate: *\([0-9]*\).*/\1/p' "$CONF")
SLIP=$(sed -n '/^rrl:/,/^[a-z]/s/^  slip: *\([0-9]*\).*/\1/p' "$CONF")
BURST=$(sed -n '/^rrl:/,/^[a-z]/s/^  burst: *\([0-9]*\).*/\1/p' "$CONF")
: "${BURST:=$RATE}"
is "$RATE/$SLIP" 20/2 "the example limits at rate 20, slip 2"
# control, state and health are relative to the file: in the copy
for k in control state_file; do
	like "$(sed -n "s/^$k: *//p" "$CONF")" '^[^/]' \
	    "the example's $k is a relative path (in the copy)"
done
start_dnsd "$CONF" || bail "the example does not start"
like "$(cat "$DNSD_LOG")" "metrics: http://$LOOP4:$MPORT/" \
    "metrics moved to a free port"

# ---- the biggest answer -------------------------------------------------------
# The attacker's query: EDNS with a 4096 buffer, asking for the NSID (it
# makes answers bigger), no cookie, no recursion.
CANDIDATES="$Z:ANY $Z:NS $Z:MX $Z:TXT $Z:SOA $Z:CAA www.$Z:ANY www.$Z:A
www.$Z:AAAA mail.$Z:ANY ns1.$Z:ANY ftp.$Z:A legacy.$Z:A video.$Z:A
cdn.$Z:A cdn.$Z:AAAA status.$Z:TXT _sip._udp.$Z:SRV lab.$Z:NS lab.$Z:DS
lab.$Z:ANY host.lab.$Z:A x.shop.$Z:ANY x.shop.$Z:TXT nothere.$Z:TXT"

# typenum TYPE: its number
typenum()
{
	case $1 in
	A) echo 1 ;; NS) echo 2 ;; SOA) echo 6 ;; MX) echo 15 ;;
	TXT) echo 16 ;; AAAA) echo 28 ;; SRV) echo 33 ;; DS) echo 43 ;;
	ANY) echo 255 ;; CAA) echo 257 ;;
	*) bail "typenum: $1?" ;;
	esac
}

best=""
best_size=0
sizes=""
for c in $CANDIDATES; do
	r=$(dig +norec +notcp +ignore +tries=1 +time="$T_DIG_TIME" +bufsize=4096 \
	    +nocookie +nsid -b $SURVEY "@$LOOP4" -p "$DNSD_PORT" "${c%:*}" \
	    "${c#*:}" 2>&1)
	s=$(printf '%s\n' "$r" | sed -n 's/^;; MSG SIZE  rcvd: //p')
	# a truncated answer is not what an attacker gets
	printf '%s\n' "$r" | grep -q '^;; flags:[a-z ]* tc[ ;]' && s=0
	sizes="$sizes $c=${s:-none}"
	if [ -n "$s" ] && [ "$s" -gt "$best_size" ]; then
		best=$c
		best_size=$s
	fi
done
diag "UDP answer sizes:$sizes"
check "the biggest UDP answer: $best, $best_size octets" test "$best_size" -gt 0
QNAME=${best%:*}
QTYPE=${best#*:}
# header (ID 0, no flags, one question, one additional), question, OPT:
# root, type 41, payload 4096, TTL 0, RDLENGTH 4, NSID with no data
question=$(printf '%s%s%04x0001' "$(hexhdr 0 0 1 0 0 1)" "$(hexname "$QNAME")" \
    "$(typenum "$QTYPE")")
qhex=${question}00002910000000000000040003""0000
# the same with a COOKIE option: a client cookie alone (RDLENGTH 16)
chex=${question}00002910000000000000100003""0000000a00080102030405060708
QLEN=$((${#qhex} / 2))
# qfile FILE HEX: a query file for qblast (dnsperf -B: length, message)
qfile()
{
	perl -e 'print pack("H*", $ARGV[0])' \
	    "$(printf '%04x' $((${#2} / 2)))$2" >"$1" ||
		bail "cannot write the query file $1"
}
qfile "$T_TMP/attack.bin" "$qhex"
qfile "$T_TMP/cookie.bin" "$chex"
r=$(rawq -f "$qhex")
is "$(field "$r" len)" "$best_size" \
    "the attack's query ($QLEN octets) gets that answer (amplification x$(awk \
    "BEGIN { printf \"%.1f\", $best_size / $QLEN }") unlimited)"

# ---- the attack -------------------------------------------------------------------
# The legitimate client's names and types: each asked LEGIT_PER_NAME times
# a second, under the rate; the attacked one first.
LEGIT_Q="$QNAME $QTYPE www.$Z A www.$Z AAAA mail.$Z A mail.$Z AAAA ns1.$Z A
ns1.$Z AAAA ns2.$Z A ns2.$Z AAAA $Z MX $Z TXT $Z SOA $Z CAA ftp.$Z A
_sip._udp.$Z SRV status.$Z TXT legacy.$Z A video.$Z A cdn.$Z A lab.$Z DS"
# shellcheck disable=SC2086 # the names and types are words
set -- $LEGIT_Q
LEGIT_RATE=$(($# * LEGIT_PER_NAME / 2))

# kv FILE KEY: a key=value field of a tool's summary line
kv()
{
	tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"
}

# stat FILE KEY: a counter of a dnsdctl stats dump
stat()
{
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

# attack ROUND RATE [SECONDS [FILE]]: qblast from the victim's address at
# RATE q/s for SECONDS (ATTACK_S), the queries of FILE (attack.bin),
# while the legitimate client asks from its network; the summaries in
# ROUND.qblast and ROUND.legit, dnsd's counters before and after in
# ROUND.s0 and ROUND.s1
attack()
{
	_as=${3:-$ATTACK_S}
	ctl stats >"$T_TMP/$1.s0"
	# shellcheck disable=SC2086
	"$FLOOD" -b $LEGIT -r $LEGIT_RATE -d $((_as + 1)) -w 1000 \
	    "$LOOP4" "$DNSD_PORT" $LEGIT_Q >"$T_TMP/$1.legit" \
	    2>"$T_TMP/$1.legit.err" &
	_lp=$!
	T_PIDS="$T_PIDS $_lp"
	sleep 0.5
	"$QBLAST" -s "$LOOP4" -p "$DNSD_PORT" -f "${4:-$T_TMP/attack.bin}" \
	    -b $VICTIM -Q "$2" -l "$_as" >"$T_TMP/$1.qblast" \
	    2>"$T_TMP/$1.qblast.err" ||
		bail "qblast failed: $(cat "$T_TMP/$1.qblast.err")"
	wait "$_lp"
	ctl stats >"$T_TMP/$1.s1"
}

# judge ROUND: the test points on the victim's side, the figures
judge()
{
	_q=$T_TMP/$1.qblast
	_sent=$(kv "$_q" sent)
	_secs=$(kv "$_q" seconds)
	_bs=$(kv "$_q" bytes_sent)
	_br=$(kv "$_q" bytes_received)
	_got=$(($(kv "$_q" answered) + $(kv "$_q" unexpected)))
	_drop=$(($(stat "$T_TMP/$1.s1" rrl.dropped) - $(stat "$T_TMP/$1.s0" rrl.dropped)))
	_tc=$(($(stat "$T_TMP/$1.s1" rrl.slipped) - $(stat "$T_TMP/$1.s0" rrl.slipped)))
	_bc=$(($(stat "$T_TMP/$1.s1" rrl.badcookie) - $(stat "$T_TMP/$1.s0" rrl.badcookie)))
	_slip=$((_tc + _bc))
	_udp=$(($(stat "$T_TMP/$1.s1" queries.udp) - $(stat "$T_TMP/$1.s0" queries.udp)))
	# the victim's queries that reached dnsd: the client's are answered
	_vq=$((_udp - $(kv "$T_TMP/$1.legit" sent) + $(kv "$T_TMP/$1.legit" none)))
	_full=$((_got - _slip))
	_max=$(awk -v t="$_secs" -v r="$RATE" -v b="$BURST" \
	    'BEGIN { printf "%d", (b + r * t) * 1.15 + 3 }')
	diag "$1: attack $_sent queries in $_secs s: $(awk -v n="$_sent" \
	    -v t="$_secs" 'BEGIN { printf "%.0f", n / t }') q/s sent" \
	    "$1: dnsd got $_vq of them ($(awk -v n="$_vq" -v t="$_secs" \
	    'BEGIN { printf "%.0f", n / t }') q/s), the kernel dropped $((_sent - _vq))" \
	    "$1: victim: $_br bytes received for $_bs sent: ratio $(awk \
	    -v a="$_br" -v b="$_bs" 'BEGIN { printf "%.3f", a / b }')" \
	    "$1: victim: $_got replies: $_full full answers, $_slip slipped" \
	    "$1: dnsd rrl: $_drop dropped, $_tc slipped (TC), $_bc BADCOOKIE" \
	    "$1: qblast: $(cat "$_q")"
	[ -s "$T_TMP/$1.qblast.err" ] && diag "$(cat "$T_TMP/$1.qblast.err")"
	check "$1: the victim received $_br bytes, the attacker sent $_bs: no amplification" \
	    test "$_br" -le "$_bs" -a "$_bs" -gt 0
	check "$1: $_full full answers reached the victim (rate $RATE, burst $BURST: at most $_max)" \
	    test "$_full" -ge 0 -a "$_full" -le "$_max"
	check "$1: dnsd limited $((_drop + _slip)) of the victim's $_vq queries" \
	    test $((_drop + _slip)) -ge $((_vq - _max)) -a $((_drop + _slip)) -le "$_vq"
	_hd=$((_slip - _drop))
	check "$1: slip $SLIP: $_slip slipped, $_drop dropped" \
	    test "$_hd" -ge -1 -a "$_hd" -le 1
}

# legit ROUND: the legitimate client's figures; sets LEGIT_FULL, LEGIT_SENT
legit()
{
	_l=$T_TMP/$1.legit
	LEGIT_SENT=$(kv "$_l" sent)
	LEGIT_FULL=$(kv "$_l" full)
	diag "$1: legitimate client: $LEGIT_FULL of $LEGIT_SENT answered in full ($(awk \
	    -v a="$LEGIT_FULL" -v s="$LEGIT_SENT" 'BEGIN { printf "%.2f", 100 * a / s }') %)" \
	    "$1: legit: $(cat "$_l")"
	[ -s "$_l.err" ] && diag "$(head -n 5 "$_l.err")"
	is "$(kv "$_l" tc)/$(kv "$_l" badcookie)/$(kv "$_l" error)/$(kv "$_l" other)" \
	    0/0/0/0 "$1: the legitimate client was never limited (no TC), no errors"
}

# Round 1: as fast as qblast goes.
attack full $MAX_RATE
judge full
legit full
# Round 2: a quarter of the rate dnsd kept up with in round 1 (at most
# what qblast reached), so that the kernel drops none of the client's
# queries even when dnsd loses its CPU for a while.
q1=$T_TMP/full.qblast
got1=$(($(stat "$T_TMP/full.s1" queries.udp) - $(stat "$T_TMP/full.s0" queries.udp)))
RATE2=$(awk -v n="$got1" -v t="$(kv "$q1" seconds)" -v s="$(kv "$q1" sent)" \
    'BEGIN { r = n / t / 4; if (r > s / t) r = s / t; printf "%d", r }')
attack kept "$RATE2"
judge kept
legit kept
check "kept: the legitimate client got $LEGIT_FULL of $LEGIT_SENT answered (>= 99.9 %)" \
    test $((LEGIT_FULL * 1000)) -ge $((LEGIT_SENT * 999)) -a "$LEGIT_SENT" -gt 0

# Round 3: the forged queries carry a client cookie.
attack cookie "$RATE2" 2 "$T_TMP/cookie.bin"
judge cookie
is "$(($(stat "$T_TMP/cookie.s1" rrl.badcookie) - $(stat "$T_TMP/cookie.s0" rrl.badcookie)))" 0 \
    "cookie: the slips are TC, none BADCOOKIE (it would be longer than the query)"
r=$(rawq -f "$chex")
diag "cookie: the query: $((${#chex} / 2)) octets, its answer: $(field "$r" len)"

# ---- counters and the log ---------------------------------------------------------
ctl stats >"$T_TMP/end.stats"
"$HTTPGET" -w "$T_QUERY_MS" "$LOOP4:$MPORT" /metrics >"$T_TMP/metrics" 2>&1
m=""
c=""
for a in dropped slipped badcookie exempt log_only; do
	m="$m $(awk -v s="dnsd_rrl_limited_total{action=\"$a\"}" \
	    '$1 == s { print $2 }' "$T_TMP/metrics")"
	c="$c $(stat "$T_TMP/end.stats" "rrl.$a")"
done
is "$m" "$c" "Prometheus dnsd_rrl_limited_total = dnsdctl stats rrl.* ($c)"
n=$(grep -c "rrl: 127\.0\.9\.0/24: " "$DNSD_LOG")
check "the victim's network logged $n time(s), not per packet" \
    test "$n" -ge 1 -a "$n" -le 2
diag "$(grep 'rrl: ' "$DNSD_LOG")"
stop_dnsd
done_testing
