#!/bin/sh
# 83_reload_health: a reload never forgets the edge health.  dnsd, edge-
# health probing three stand-in edges (tests/tools/fake_edge on
# 127.0.0.21..23) and feeding dnsd, and a London client (EDNS Client
# Subnet 81.2.69.0/24) whose edges rank lhr < fra < iad.  With lhr out of
# service, SIGHUP reloads under a continuous stream of ECS queries
# (tests/tools/qcount, which reads every answer) must never hand out lhr,
# not even for the moment a new configuration takes over:
#   A. lhr drained with `dnsdctl drain lhr` (probed up);
#   B. lhr reported down by edge-health (its stand-in stopped), no
#      override.
# In each case: RELOADS reloads (each one's "reload: generation N" line
# awaited before the next, the generation in `dnsdctl status` checked
# after) while qcount runs, at least MIN_ANSWERS answers, no failure or
# timeout, zero answers naming lhr, and the others all naming fra, the
# next nearest edge.
. "$(dirname "$0")/lib.sh"
EH=$T_O/bin/edge-health
CTL=$T_O/bin/dnsdctl
QCOUNT=$T_TOOLS/qcount
need perl "$EH" "$CTL" "$T_TOOLS/fake_edge" "$QCOUNT"

LONDON=81.2.69.0/24
LHR_A=192.0.2.11	# edges.yaml: lhr's IPv4 address
FRA_A=192.0.2.12	# fra's
RELOADS=15		# per case (at least 10)
MIN_ANSWERS=100000	# per case
LOAD_S=5		# seconds of queries per case (qcount -d)
WINDOW=32		# queries in flight (qcount -q)
RELOAD_GAP=0.1		# seconds between a reload done and the next SIGHUP
RELOAD_TRIES=150	# polls of 0.02 s for a reload's log line (3 s)
# edge-health.yaml: interval 200 ms, fall 2, rise 2; a change shows in
# dnsd's answers within a second, bounded here with slack for slow builds
MOVE_MS=5000

fix=$(t_fixture)
CONF=$fix/dnsd.yaml

# ---- ports, configurations, the database ------------------------------------
# four distinct ports: the stand-ins of lhr, fra, iad and dnsd's metrics
ports=$("$T_TOOLS/freeport" -n 4) || bail "no free ports"
P_LHR=$(echo "$ports" | sed -n 1p)
P_FRA=$(echo "$ports" | sed -n 2p)
P_IAD=$(echo "$ports" | sed -n 3p)
P_METRICS=$(echo "$ports" | sed -n 4p)
sed -e "s/@P_LHR@/$P_LHR/" -e "s/@P_FRA@/$P_FRA/" -e "s/@P_IAD@/$P_IAD/" \
    "$T_FIX/edge-health.yaml" >"$fix/edge-health.yaml" ||
	bail "cannot write edge-health.yaml"
sed "s/@P_METRICS@/$P_METRICS/" "$T_FIX/dnsd.yaml" >"$CONF" ||
	bail "cannot write dnsd.yaml"
"$EH" -n -c "$fix/edge-health.yaml" >"$T_TMP/eh-n.out" 2>&1 ||
	bail "edge-health -n: $(cat "$T_TMP/eh-n.out")"
t_mkmmdb "$fix/networks.txt" "$fix/geo.mmdb"

# ans: the edge(s) answering cdn.example.net A for London, on one line;
# "timeout" without a reply, "RCODE:" for an error rcode
ans()
{
	geo_addrs "$LONDON" cdn.example.net |
	    sed -e 's/^192\.0\.2\.11$/lhr/' -e 's/^192\.0\.2\.12$/fra/' \
	    -e 's/^198\.51\.100\.21$/iad/' | tr '\n' ' ' | sed 's/ $//'
}

# wait_ans EDGE MAX_MS: poll (bounded in count and time) until London is
# answered by EDGE; LAST_ANS is the last answer
wait_ans()
{
	_t0=$(now_ms)
	_i=0
	while [ $_i -lt $(($2 / 50 + 10)) ]; do
		LAST_ANS=$(ans)
		[ "$LAST_ANS" = "$1" ] && return 0
		[ $(($(now_ms) - _t0)) -le "$2" ] || break
		sleep 0.05
		_i=$((_i + 1))
	done
	diag "waited $(($(now_ms) - _t0)) ms for $1, last answer: $LAST_ANS"
	return 1
}

# row EDGE: "PROBED OVERRIDE EFFECTIVE" of EDGE in `dnsdctl edges`
row()
{
	ctl edges | awk -v e="$1" '$1 == e { print $2, $3, $4 }'
}

# wait_row EDGE ROW MAX_MS: poll (bounded) until row EDGE is ROW
wait_row()
{
	_t0=$(now_ms)
	_i=0
	while [ $_i -lt $(($3 / 50 + 10)) ]; do
		LAST_ROW=$(row "$1")
		[ "$LAST_ROW" = "$2" ] && return 0
		[ $(($(now_ms) - _t0)) -le "$3" ] || break
		sleep 0.05
		_i=$((_i + 1))
	done
	diag "edge $1: last row \"$LAST_ROW\", expected \"$2\""
	return 1
}

# generation: the configuration generation in `dnsdctl status`
generation()
{
	ctl status | sed -n 's/^generation: \([0-9][0-9]*\)$/\1/p'
}

# wait_reload GEN: poll (bounded) until dnsd logs generation GEN
wait_reload()
{
	_i=0
	while [ $_i -lt $RELOAD_TRIES ]; do
		grep -q "reload: generation $1: " "$DNSD_LOG" && return 0
		t_alive "$DNSD_PID" || return 1
		sleep 0.02
		_i=$((_i + 1))
	done
	return 1
}

# reload_under_load CASE: qcount for LOAD_S seconds (London, A, lhr's
# address forbidden) and meanwhile RELOADS SIGHUPs, each awaited; then
# the test points of the case
reload_under_load()
{
	_c=$1
	_gen0=$(generation)
	[ -n "$_gen0" ] ||
		bail "$_c. no generation in dnsdctl status: $(ctl status)"
	"$QCOUNT" -d $LOAD_S -q $WINDOW -w 1000 -s "$LONDON" -x "$LHR_A" \
	    "$LOOP4" "$DNSD_PORT" cdn.example.net A \
	    >"$T_TMP/qcount.$_c.out" 2>"$T_TMP/qcount.$_c.err" &
	_qc=$!
	T_PIDS="$T_PIDS $_qc"
	sleep 0.3 # the stream is flowing before the first reload
	_t0=$(now_ms)
	_done=0
	while [ $_done -lt $RELOADS ]; do
		kill -HUP "$DNSD_PID" || break
		wait_reload $((_gen0 + _done + 1)) || break
		_done=$((_done + 1))
		sleep $RELOAD_GAP
	done
	_ms=$(($(now_ms) - _t0))
	# the last reload done while the stream still ran
	if t_alive "$_qc"; then
		_under=yes
	else
		_under=no
	fi
	_i=0
	while t_alive "$_qc" && [ $_i -lt $(((LOAD_S + 5) * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	t_reap "$_qc"
	_out=$(cat "$T_TMP/qcount.$_c.out")
	_sum=$(printf '%s\n' "$_out" | sed -n 1p)
	_answered=$(printf '%s\n' "$_sum" |
	    sed -n 's/.* answered \([0-9]*\) .*/\1/p')
	_forbidden=$(printf '%s\n' "$_sum" |
	    sed -n 's/.* forbidden \([0-9]*\)$/\1/p')
	# replies per address: fra's, and those of any edge but fra and lhr
	_fra=$(printf '%s\n' "$_out" | awk -v a="$FRA_A" \
	    '$1 == "answer" && $2 == a { n = $3 } END { print n + 0 }')
	_others=$(printf '%s\n' "$_out" | awk -v f="$FRA_A" -v l="$LHR_A" \
	    '$1 == "answer" && $2 != f && $2 != l { printf "%s ", $2 }')
	diag "$_c. qcount: $(printf '%s\n' "$_out" | tr '\n' ';')" \
	    "$_c. $_done reloads in $_ms ms"
	[ -s "$T_TMP/qcount.$_c.err" ] && diag "$(cat "$T_TMP/qcount.$_c.err")"

	is "$_done" "$RELOADS" \
	    "$_c. $RELOADS reloads done, each logged (reload: generation N)"
	is "$(generation)" $((_gen0 + RELOADS)) \
	    "$_c. dnsdctl status: generation $_gen0 -> $((_gen0 + RELOADS))"
	is "$_under" yes "$_c. the query stream ran through the last reload"
	check "$_c. at least $MIN_ANSWERS answers (${_answered:-none})" \
	    test "${_answered:-0}" -ge $MIN_ANSWERS
	like "$_sum" '^sent [0-9]+ answered [0-9]+ failed 0 timeouts 0 ' \
	    "$_c. every query answered, no failure, no timeout"
	is "${_forbidden:-none}" 0 \
	    "$_c. zero answers name lhr ($LHR_A) across the reloads"
	is "$_fra" $((${_answered:-0} - ${_forbidden:-0})) \
	    "$_c. every other answer names fra ($FRA_A), the next nearest"
	is "$_others" "" "$_c. no answer names any other edge"
	check "$_c. dnsd still running" t_alive "$DNSD_PID"
}

# ---- start: every edge up ---------------------------------------------------
t_fake_edge lhr -b OK 127.0.0.21:"$P_LHR"
t_fake_edge fra -b OK 127.0.0.22:"$P_FRA"
t_fake_edge iad -b OK 127.0.0.23:"$P_IAD"
start_dnsd "$CONF" || bail "dnsd does not start"
"$EH" -c "$fix/edge-health.yaml" >"$T_TMP/eh.log" 2>&1 &
EH_PID=$!
T_PIDS="$T_PIDS $EH_PID"
wait_log "$T_TMP/eh.log" 'info: ready: ' ||
	bail "edge-health does not start: $(cat "$T_TMP/eh.log")"
for e in lhr fra iad; do
	check "feed: $e probed up" wait_row $e "up auto up" $MOVE_MS
done
is "$(ans)" lhr "all up: London gets lhr, the nearest"

# ---- A. lhr drained ---------------------------------------------------------
out=$(ctl drain lhr)
like "$out" '^lhr: override drain, effective down, share 0.00$' "A. dnsdctl drain lhr"
check "A. London moves to fra" wait_ans fra $MOVE_MS
is "$(row lhr)" "up drain down" "A. dnsdctl edges: lhr probed up, drained"
reload_under_load A
is "$(ans)" fra "A. after the reloads: London still gets fra"
out=$(ctl auto lhr)
like "$out" '^lhr: override auto, effective up, share 1.00$' "A. dnsdctl auto lhr"
check "A. lhr back: London gets lhr again" wait_ans lhr $MOVE_MS

# ---- B. lhr reported down by edge-health ------------------------------------
t_reap "$FAKE_lhr"
check "B. lhr's stand-in stopped: London moves to fra" wait_ans fra $MOVE_MS
check "B. dnsdctl edges: lhr probed down, no override" \
    wait_row lhr "down auto down" $MOVE_MS
reload_under_load B
is "$(ans)" fra "B. after the reloads: London still gets fra"
is "$(row lhr)" "down auto down" "B. after the reloads: lhr still probed down"

# ---- stop -------------------------------------------------------------------
t_reap "$EH_PID"
check "edge-health exits 0 on SIGTERM, no sanitizer report" \
    eval '[ "$T_STATUS" = 0 ] && ! san_report "$T_TMP/eh.log"'
stop_dnsd
done_testing
