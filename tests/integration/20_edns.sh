#!/bin/sh
# 20_edns: EDNS(0) (RFC 6891), message size limits and truncation
# (RFC 1035 §4.2.1, RFC 6891 §6.2.5/§7), DO bit (RFC 3225), Client Subnet
# (RFC 7871 §6, §7.1, §7.2.1).  Sizes come from 20_edns/example.net.yaml.
. "$(dirname "$0")/lib.sh"

fix=$(t_fixture)
start_dnsd "$fix/dnsd.yaml" || bail "dnsd does not start"
Z=example.net

# ---- OPT in replies ---------------------------------------------------------
r=$(q www.$Z A)
is "$(edns "$r" optrr)" 1 "EDNS query: one OPT in the reply"
is "$(edns "$r" version)" 0 "OPT version 0"
is "$(edns "$r" udp)" 1232 "advertised UDP size 1232 by default"
r=$(q -N www.$Z A)
like "$r" '^edns none optrr=0$' "query without EDNS: no OPT in the reply"
is "$(sect "$r" an)" "www.$Z. 3600 IN A 192.0.2.10" "query without EDNS: answered"
for n in nothere.$Z www.example.com; do
	r=$(q $n A)
	is "$(edns "$r" optrr)" 1 "$n: OPT in negative/REFUSED replies too"
done
r=$(q -D www.$Z A)
is "$(edns "$r" "do")" 1 "DO bit copied into the reply (RFC 3225 §3)"
r=$(q www.$Z A)
is "$(edns "$r" "do")" 0 "DO clear when the query's is clear"

# ---- sizes and truncation ---------------------------------------------------
# size_ok OUT LIMIT: reply not larger than LIMIT
size_ok()
{
	[ -n "$(hdr "$1" size)" ] && [ "$(hdr "$1" size)" -le "$2" ]
}

r=$(q medium.$Z TXT)
is_flag "$r" tc no "medium (about 700 octets), bufsize 1232: not truncated"
is "$(hdr "$r" an)" 12 "medium, bufsize 1232: all 12 records"
r=$(q -b 512 medium.$Z TXT)
is_flag "$r" tc yes "medium, bufsize 512: TC set"
check "medium, bufsize 512: reply <= 512 octets" size_ok "$r" 512
is "$(edns "$r" optrr)" 1 "truncated reply keeps the OPT (RFC 6891 §7)"
r=$(q -N medium.$Z TXT)
is_flag "$r" tc yes "medium without EDNS: TC set (512 limit)"
check "medium without EDNS: reply <= 512 octets" size_ok "$r" 512
r=$(q -b 100 medium.$Z TXT)
is_flag "$r" tc yes "bufsize 100 counts as 512 (RFC 6891 §6.2.5): TC"
check "bufsize 100: reply <= 512 octets" size_ok "$r" 512
r=$(q -b 100 www.$Z A)
is "$(sect "$r" an)" "www.$Z. 3600 IN A 192.0.2.10" "bufsize 100: small answers fit"
r=$(q -t -b 512 medium.$Z TXT)
is_flag "$r" tc no "medium over TCP: not truncated"
is "$(hdr "$r" an)" 12 "medium over TCP: all 12 records"
r=$(q big.$Z TXT)
is_flag "$r" tc yes "big (about 2200 octets), bufsize 1232: TC"
check "big: reply <= 1232 octets" size_ok "$r" 1232
r=$(q -b 4096 big.$Z TXT)
is_flag "$r" tc yes "big, client 4096 but udp_payload 1232: TC"
check "big, client 4096: reply <= 1232 octets (our limit)" size_ok "$r" 1232
r=$(q -t big.$Z TXT)
is "$(hdr "$r" an)/$(hdr "$r" tc)" "40/" "big over TCP: all 40 records"
is_flag "$r" tc no "big over TCP: no TC"
r=$(q -t -N big.$Z TXT)
is "$(hdr "$r" an)" 40 "big over TCP without EDNS: all 40 records"

# ---- EDNS version, options --------------------------------------------------
r=$(q -e 1 www.$Z A)
is_rcode "$r" BADVERS "EDNS version 1: BADVERS"
is "$(edns "$r" version)" 0 "BADVERS reply carries our version, 0"
is "$(hdr "$r" an)" 0 "BADVERS: no answer"
r=$(q -o 65001:abcd www.$Z A)
is "$(sect "$r" an)" "www.$Z. 3600 IN A 192.0.2.10" "unknown EDNS option ignored"
unlike "$r" '^opt 65001' "unknown EDNS option not echoed"
r=$(q -o 65001 -o 65002:00 www.$Z A)
is_rcode "$r" NOERROR "empty and several unknown options: NOERROR"

# ---- Client Subnet ----------------------------------------------------------
r=$(q -s 192.0.2.0/24 www.$Z A)
is_rcode "$r" NOERROR "ECS v4 /24: NOERROR"
like "$r" '^ecs family=1 source=24 scope=0 addr=192\.0\.2\.0$' \
    "ECS v4: echoed, scope 0 for a static answer"
is "$(sect "$r" an)" "www.$Z. 3600 IN A 192.0.2.10" "ECS v4: the static answer"
r=$(q -s 2001:db8:1200::/40 www.$Z A)
like "$r" '^ecs family=2 source=40 scope=0 addr=2001:db8:1200::$' \
    "ECS v6 /40: echoed with scope 0"
r=$(q -s 0.0.0.0/0 www.$Z A)
like "$r" '^ecs family=1 source=0 scope=0 addr=0\.0\.0\.0$' \
    "ECS source 0: echoed"
r=$(q -s 192.0.2.0/24 nothere.$Z A)
like "$r" '^ecs family=1 source=24 scope=0' "ECS echoed on NXDOMAIN too"

# ECS option data: family(2) source(1) scope(1) address
for bad in "00031800c00002:family 3" \
    "00012100c000020100:v4 source prefix 33" \
    "00028100$(printf '%034d' 0):v6 source prefix 129" \
    "00011818c00002:nonzero scope in a query" \
    "00011800c0000200:more address octets than the prefix needs" \
    "00011800c000:fewer address octets than the prefix needs" \
    "00011700c00003:bits set beyond the source prefix" \
    "0001:option shorter than 4 octets"; do
	r=$(q -o "8:${bad%%:*}" www.$Z A)
	is_rcode "$r" FORMERR "ECS ${bad#*:}: FORMERR (RFC 7871 §7.1)"
done

# ---- malformed OPT, raw -----------------------------------------------------
qhdr() # qhdr ARCOUNT: header of a query with one question
{
	hexhdr 4660 0 1 0 0 "$1"
}
question=$(hexname www.$Z)00010001
opt=000029020000000000 # root, OPT, size 512, ext-rcode/version/flags 0
r=$(rawq -f "$(qhdr 2)$question${opt}0000${opt}0000")
is "$(field "$r" rcode)" 1 "two OPT records: FORMERR"
r=$(rawq -f "$(qhdr 1)$question$(hexname www)00290200000000000000")
is "$(field "$r" rcode)" 1 "OPT with a non-root owner: FORMERR"
r=$(rawq -f "$(qhdr 1)$question${opt}0008fde90008abcdabcd")
is "$(field "$r" rcode)" 1 "OPT option longer than its RDATA: FORMERR"
r=$(rawq -f "$(qhdr 1)$question${opt}0010fde90000")
is "$(field "$r" rcode)" 1 "OPT RDLEN past the end of the message: FORMERR"
r=$(rawq -f "$(qhdr 1)$question${opt}0003fde900")
is "$(field "$r" rcode)" 1 "OPT RDATA with a truncated option header: FORMERR"
r=$(rawq -f "$(qhdr 1)$question${opt}0000")
is "$(field "$r" rcode)/$(field "$r" an)" "0/1" "the same OPT, well formed: answered"

# ---- an independent client: dig ---------------------------------------------
r=$(t_dig +subnet=192.0.2.0/24 www.$Z A)
like "$r" 'CLIENT-SUBNET: 192\.0\.2\.0/24/0' "dig +subnet: ECS echoed with scope 0"
r=$(t_dig +ednsopt=65001:abcd www.$Z A)
like "$r" 'status: NOERROR' "dig +ednsopt=65001:abcd: NOERROR"
r=$(t_dig +edns=1 +noednsnegotiation www.$Z A)
like "$r" 'status: BADVERS' "dig +edns=1: BADVERS"
r=$(t_dig +ignore +bufsize=512 medium.$Z TXT)
like "$r" 'flags:.* tc' "dig +bufsize=512 medium TXT: TC"
r=$(t_dig +tcp medium.$Z TXT)
like "$r" 'ANSWER: 12,' "dig +tcp medium TXT: all 12 records"

# ---- and another: kdig ------------------------------------------------------
need kdig
r=$(t_kdig +subnet=192.0.2.0/24 www.$Z A)
like "$r" 'CLIENT-SUBNET: 192\.0\.2\.0/24/0' "kdig +subnet: ECS echoed with scope 0"
r=$(t_kdig +edns=1 www.$Z A)
like "$r" 'status: BADVERS' "kdig +edns=1: BADVERS"
r=$(t_kdig +tcp big.$Z TXT)
like "$r" 'ANSWER: 40;' "kdig +tcp big TXT: all 40 records"
stop_dnsd

# ---- configured udp_payload 4096 --------------------------------------------
start_dnsd "$fix/payload4096.yaml" || bail "dnsd does not start (payload4096)"
r=$(q -b 4096 big.$Z TXT)
is "$(edns "$r" udp)" 4096 "udp_payload 4096 is advertised"
is_flag "$r" tc no "udp_payload 4096, client 4096: big fits over UDP"
is "$(hdr "$r" an)" 40 "udp_payload 4096: all 40 records over UDP"
r=$(q -b 1232 big.$Z TXT)
is_flag "$r" tc yes "udp_payload 4096, client 1232: TC"
check "client 1232: reply <= 1232 octets" size_ok "$r" 1232
stop_dnsd

done_testing
