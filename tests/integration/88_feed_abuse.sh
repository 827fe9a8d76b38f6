#!/bin/sh
# 88_feed_abuse: a dead, lying or flooding health feed never takes the
# service down.  One real prober (edge-health p1) feeds dnsd over its Unix
# socket while tests/tools/feedflood floods both feeds, the Unix socket and
# the keyed UDP one, each for a few seconds at the highest rate it
# reaches, with: random bytes, datagrams over the size limit, messages
# with a wrong key's mac, and replays of the real prober's old messages
# (claiming every edge down).  A London client (ECS 81.2.69.0/24) queries
# all along.  Covered (zones/README.md, health):
#   1. every kind is dropped and counted as what it is (bad, auth, old):
#      on the Unix socket (where a full socket makes the sender wait)
#      every datagram sent is counted, over UDP what the kernel delivered;
#   2. no edge changes state, the real prober stays fresh and keeps being
#      heard, and every query of the client is answered, the same edge;
#   3. dnsd stops cleanly afterwards (and without sanitizer reports).
# The rates reached are printed (diag).
. "$(dirname "$0")/lib.sh"
EH=$T_O/bin/edge-health
FLOOD=$T_TOOLS/feedflood
need "$EH" "$FLOOD" "$T_TOOLS/fake_edge" "$T_TOOLS/qloop"

FLOOD_S=2
LONDON=81.2.69.0/24

fix=$(t_fixture)
CONF=$fix/dnsd.yaml
t_mkmmdb "$fix/networks.txt" "$fix/geo.mmdb"
ports=$(free_ports 6) || exit 1
read -r P_UDP P_METRICS P_lon P_ams P_fra P_nyc <<PORTS
$ports
PORTS
printf 'k3y-0f-the-feed-0123456789\n' >"$fix/feed.key"
sed -i -e "s/@UDP_PORT@/$P_UDP/" -e "s/@M_PORT@/$P_METRICS/" "$CONF" ||
	bail "cannot write dnsd.yaml"
sed -i -e "s/@P_LON@/$P_lon/" -e "s/@P_AMS@/$P_ams/" -e "s/@P_FRA@/$P_fra/" \
    -e "s/@P_NYC@/$P_nyc/" "$fix/edge-health.yaml" ||
	bail "cannot write edge-health.yaml"

# counters: "ACCEPTED OLD BAD AUTH" from the feed line of dnsdctl status
counters()
{
	ctl status | sed -n 's/^feed: .*; accepted \([0-9]*\), dropped \([0-9]*\) old, \([0-9]*\) bad, \([0-9]*\) auth.*$/\1 \2 \3 \4/p'
}

# states: every edge's "NAME PROBED EFFECTIVE", on one line
states()
{
	ctl edges | awk 'NR > 2 && NF > 4 { printf "%s %s %s; ", $1, $2, $4 }'
}

# delta FIELD BEFORE AFTER: the growth of counter FIELD (1..4)
delta()
{
	echo $(($(echo "$3" | cut -d' ' -f"$1") - $(echo "$2" | cut -d' ' -f"$1")))
}

# settle FIELD BEFORE WANT: wait (bounded) until counter FIELD grew by
# WANT; prints the growth seen last
settle()
{
	_i=0
	while [ $_i -lt 50 ]; do
		_d=$(delta "$1" "$2" "$(counters)")
		[ "$_d" -ge "$3" ] && break
		sleep $T_POLL
		_i=$((_i + 1))
	done
	echo "$_d"
}

# ---- the healthy picture --------------------------------------------------------
t_fake_edge lon -b OK "127.0.0.11:$P_lon"
t_fake_edge ams -b OK "127.0.0.12:$P_ams"
t_fake_edge fra -b OK "127.0.0.13:$P_fra"
# nyc has no stand-in: it is down, and must stay so
start_dnsd "$CONF" || bail "dnsd does not start"
"$EH" -c "$fix/edge-health.yaml" >"$T_TMP/eh.log" 2>&1 &
EH_PID=$!
T_PIDS="$T_PIDS $EH_PID"
want="lon up up; ams up up; fra up up; nyc down down; "
i=0
while [ "$(states)" != "$want" ] && [ $i -lt 100 ]; do
	sleep $T_POLL
	i=$((i + 1))
done
is "$(states)" "$want" "the prober's picture: nyc down, the rest up"
BOOT=$(ctl probers | awk '$1 == "p1" { print $NF }')
like "$BOOT" '^[0-9a-f]{16}$' "p1's boot id, for the replays"

"$T_TOOLS/qloop" -d $((FLOOD_S * 7 + 6)) -r 200 -w 1000 -a -s "$LONDON" \
    "$LOOP4" "$DNSD_PORT" cdn.example.net A >"$T_TMP/qloop.out" 2>&1 &
QLOOP=$!
T_PIDS="$T_PIDS $QLOOP"
acc0=$(counters | cut -d' ' -f1)

# flood KIND TARGET FIELD EXACT [ARG...]: flood, then check that counter
# FIELD (2 old, 3 bad, 4 auth) grew by what was sent (EXACT=1) or by at
# least one and at most that (0: UDP, where the kernel drops the excess)
flood()
{
	_kind=$1
	_target=$2
	_field=$3
	_exact=$4
	shift 4
	_before=$(counters)
	_out=$("$FLOOD" -d $FLOOD_S "$@" "$_kind" "$_target" 2>&1) ||
		bail "feedflood $_kind $_target: $_out"
	_sent=$(echo "$_out" | awk '{ print $2 }')
	_rate=$(echo "$_out" | awk '{ print $6 }')
	if [ "$_exact" -eq 1 ]; then
		_got=$(settle "$_field" "$_before" "$_sent")
		is "$_got" "$_sent" \
		    "$_kind on ${_target%%:*}: each of the $_sent datagrams counted"
	else
		_got=$(settle "$_field" "$_before" 1)
		check "$_kind on ${_target%%:*}: $_got of $_sent counted (the rest lost in the kernel)" \
		    test "$_got" -ge 1 -a "$_got" -le "$_sent"
	fi
	diag "$_kind on ${_target%%:*}: $_sent datagrams in ${FLOOD_S}s ($_rate), $_got counted by dnsd"
	is "$(states)" "$want" "$_kind on ${_target%%:*}: no edge changed"
}

UNIX=unix:$fix/health.sock
UDP=udp:$LOOP4:$P_UDP
flood garbage "$UNIX" 3 1
flood oversized "$UNIX" 3 1
flood replay "$UNIX" 2 1 -p p1 -b "$BOOT"
flood garbage "$UDP" 3 0
flood oversized "$UDP" 3 0
flood badmac "$UDP" 4 0 -p p1 -b "$BOOT"
flood replay "$UDP" 2 0 -k "$fix/feed.key" -p p1 -b "$BOOT"

# ---- the service held ---------------------------------------------------------------
like "$(ctl probers | awk '$1 == "p1"')" '^p1 +fresh +yes ' \
    "the real prober stayed fresh"
acc1=$(counters | cut -d' ' -f1)
check "the real prober was heard during the floods ($acc0 -> $acc1 messages)" \
    test "$acc1" -gt "$acc0"
is "$(ctl probers | awk 'NR > 2 && $1 != "ok"' | wc -l)" 1 \
    "no prober but p1 (the replays named p1 and were dropped)"
wait "$QLOOP" # bounded: its -d
like "$(cat "$T_TMP/qloop.out")" \
    '^sent [1-9][0-9]+ answered [1-9][0-9]+ failed 0 timeouts 0$' \
    "the client was answered all along ($(cat "$T_TMP/qloop.out"))"
is "$(geo_addrs "$LONDON" cdn.example.net)" 127.0.0.11 "London still gets lon"
t_reap "$EH_PID"
stop_dnsd
done_testing
