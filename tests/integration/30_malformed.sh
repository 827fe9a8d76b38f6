#!/bin/sh
# 30_malformed: hand-made bad messages (RFC 1035 §4.1, §4.1.4; RFC 6891).
# FORMERR for what cannot be parsed, NOTIMP for opcodes other than QUERY,
# silence for responses (QR=1), which are counted, as is every FORMERR, in
# the stats line logged at exit; garbage never stops the server.
. "$(dirname "$0")/lib.sh"

fix=$(t_fixture)
start_dnsd "$fix/dnsd.yaml" || bail "dnsd does not start"
Z=example.net
ID=4660 # 0x1234
formerrs=0

# formerr HEX DESC: the reply is FORMERR with our ID
formerr()
{
	_r=$(rawq -f "$1")
	formerrs=$((formerrs + 1))
	is "$(field "$_r" id)/$(field "$_r" rcode)/$(field "$_r" flags)" \
	    "$ID/1/qr" "$2: FORMERR"
}

qname=$(hexname www.$Z)
good=$(hexquery $ID www.$Z 1)
r=$(rawq -f "$good")
is "$(field "$r" rcode)/$(field "$r" an)" "0/1" "a well-formed raw query is answered"

# ---- header -----------------------------------------------------------------
formerr 1234 "2-octet message (only an ID)"
formerr 12340000000100000000 "10-octet message"
formerr 1234000000010000000000 "11-octet message (header cut short)"
formerr "$(hexhdr $ID 0 0 0 0 0)" "QDCOUNT 0"
formerr "$(hexhdr $ID 0 2 0 0 0)${qname}00010001${qname}00010001" "QDCOUNT 2"
formerr "$(hexhdr $ID 0 1 0 0 0)" "QDCOUNT 1 but no question"

# ---- question name ----------------------------------------------------------
h=$(hexhdr $ID 0 1 0 0 0)
formerr "${h}03777777076578616d706c65" "name running past the end"
formerr "${h}${qname}0001" "question cut in QCLASS"
formerr "${h}c00c00010001" "compression pointer to itself (loop)"
formerr "${h}0161c00c00010001" "compression pointer loop through a label"
formerr "${h}c01200010001$qname" "forward compression pointer in the question"
formerr "${h}c0ff00010001" "compression pointer past the end"
long=$(printf 'a%.0s' $(seq 1 64))
formerr "${h}40$(printf '%s' "$long" | od -An -v -tx1 | tr -d ' \n')00" \
    "label of 64 octets (0x40 label type)"
formerr "${h}80616100010001" "label type 0x80 (reserved)"
l63=$(printf 'a%.0s' $(seq 1 63))
l49=$(printf 'b%.0s' $(seq 1 49))
l50=$(printf 'b%.0s' $(seq 1 50))
# 3 * (1 + 63) + (1 + 49) + 13 (example.net) = 255 octets: the maximum
n255=$l63.$l63.$l63.$l49.$Z
n256=$l63.$l63.$l63.$l50.$Z
r=$(rawq -f "$(hexquery $ID "$n255" 1)")
is "$(field "$r" rcode)" 3 "name of 255 octets: valid (NXDOMAIN)"
formerr "$(hexquery $ID "$n256" 1)" "name of 256 octets"

# ---- opcodes ----------------------------------------------------------------
for op in 1 2 4 5 15; do
	r=$(rawq -f "$(hexquery $ID www.$Z 1 $((op << 11)))")
	is "$(field "$r" rcode)/$(field "$r" opcode)" "4/$op" \
	    "opcode $op: NOTIMP, opcode echoed"
done

# ---- responses are dropped --------------------------------------------------
dropped=0
for f in 32768 33792; do # QR; QR+AA
	r=$(rawq -f -w $T_NOREPLY_MS "$(hexquery $ID www.$Z 1 $f)")
	dropped=$((dropped + 1))
	is "$r" timeout "QR=1 (flags $f): no reply"
done
r=$(rawq -f -w $T_NOREPLY_MS \
    "$(hexhdr $ID 32768 1 1 0 0)${qname}00010001c00c000100010000012c0004c0000201")
dropped=$((dropped + 1))
is "$r" timeout "a full response packet: no reply"

# ---- over TCP ---------------------------------------------------------------
r=$(rawq -t -f "$(hexhdr $ID 0 0 0 0 0)")
formerrs=$((formerrs + 1))
is "$(field "$r" rcode)" 1 "over TCP, QDCOUNT 0: FORMERR"
r=$(rawq -t -f "$good")
is "$(field "$r" rcode)/$(field "$r" an)" "0/1" "over TCP, the good query: answered"

stop_dnsd

# ---- the stats line (the counters' keys, as dnsdctl stats names them) -------
stats=$(grep 'stats: .*dropped\.responses' "$DNSD_LOG" | tail -n 1)
like "$stats" "dropped\.responses [0-9]+" "stats line logged at exit"
n=$(printf '%s\n' "$stats" | sed -n 's/.* dropped\.responses \([0-9]*\).*/\1/p')
is "$n" "$dropped" "dropped.responses counts our $dropped responses"
n=$(printf '%s\n' "$stats" | sed -n 's/.* rcode\.formerr \([0-9]*\).*/\1/p')
is "$n" "$formerrs" "rcode.formerr counts our $formerrs FORMERRs"

# ---- garbage, on a fresh server ---------------------------------------------
start_dnsd "$fix/dnsd.yaml" || bail "dnsd does not start again"
# 300 random messages of 1..300 octets; the server must survive them
od -An -v -tx1 -N 90000 /dev/urandom | tr -d ' \n' | fold -w 600 |
    awk '{ print substr($0, 1, 2 * (NR * 37 % 300 + 1)) }' >"$T_TMP/garbage"
r=$("$T_TOOLS/rawq" -w $T_NOREPLY_MS -F "$T_TMP/garbage" "$LOOP4" "$DNSD_PORT")
like "$r" '^sent 300 replies [0-9]+$' "sent 300 random messages"
check "dnsd is still running after the garbage" t_alive "$DNSD_PID"
r=$(rawq -f "$good")
is "$(field "$r" rcode)/$(field "$r" an)" "0/1" "and still answers"

stop_dnsd

done_testing
