#!/bin/sh
# 10_answers: authoritative answers from zone YAML (RFC 1034 §4.3.2,
# RFC 2308, RFC 4592, RFC 4343, RFC 8482, RFC 5936): AA, NXDOMAIN and NODATA
# with the SOA, REFUSED outside our zones, referrals with glue, DS at the
# parent side, wildcards, CNAME chains, case, compression, additional
# addresses, ANY, CHAOS, zone transfers refused.  Expected values come from
# 10_answers/*.yaml.
. "$(dirname "$0")/lib.sh"

fix=$(t_fixture)
start_dnsd "$fix/dnsd.yaml" || bail "dnsd does not start"
Z=example.net

# ---- positive answers -------------------------------------------------------
r=$(q www.$Z A)
is_rcode "$r" NOERROR "www A: NOERROR"
is_flag "$r" aa yes "www A: AA set"
is_flag "$r" ra no "www A: RA clear (no recursion offered)"
is "$(sect "$r" an)" "www.$Z. 300 IN A 192.0.2.10
www.$Z. 300 IN A 192.0.2.11" "www A: both records, the name's ttl (5m)"
is "$(hdr "$r" qd)" 1 "www A: question echoed (QDCOUNT 1)"

r=$(q -r www.$Z A)
is_flag "$r" rd yes "RD is copied into the reply (RFC 1035 §4.1.1)"

r=$(q cdn.$Z A)
is "$(sect "$r" an)" "cdn.$Z. 30 IN A 192.0.2.100" "{ttl, data} form: ttl 30s"

r=$(q status.$Z TXT)
is "$(sect "$r" an)" "status.$Z. 300 IN TXT \"all systems nominal\"" \
    "records from the inline zonefile are served"

# ---- case (RFC 4343) --------------------------------------------------------
r=$(q WwW.ExAmPlE.NeT A)
is "$(sect "$r" qd)" "WwW.ExAmPlE.NeT. IN A" "mixed case: question echoed exactly"
is "$(hdr "$r" an)" 2 "mixed case: matched case-insensitively"
is "$(sect "$r" an | tr 'A-Z' 'a-z')" "www.$Z. 300 in a 192.0.2.10
www.$Z. 300 in a 192.0.2.11" "mixed case: the same records"

# ---- negative answers (RFC 2308) --------------------------------------------
# SOA: TTL 1h (zone default), MINIMUM 5m -> negative TTL 300
soa="$Z. 300 IN SOA ns1.$Z. hostmaster.$Z. 2024010101 7200 3600 1209600 300"
r=$(q nothere.$Z A)
is_rcode "$r" NXDOMAIN "nonexistent name: NXDOMAIN"
is_flag "$r" aa yes "NXDOMAIN: AA set"
is "$(hdr "$r" an)" 0 "NXDOMAIN: empty answer"
is "$(sect "$r" ns)" "$soa" "NXDOMAIN: SOA in authority, TTL min(SOA TTL, MINIMUM)"

r=$(q www.$Z MX)
is_rcode "$r" NOERROR "NODATA: NOERROR"
is_flag "$r" aa yes "NODATA: AA set"
is "$(hdr "$r" an)" 0 "NODATA: empty answer"
is "$(sect "$r" ns)" "$soa" "NODATA: SOA in authority with the negative TTL"

r=$(q nothere.example.org A)
is "$(sect "$r" ns)" "example.org. 60 IN SOA ns1.$Z. hostmaster.$Z. 1 7200 3600 1209600 3600" \
    "negative TTL is the SOA TTL when that is below MINIMUM"

# ---- names outside our zones ------------------------------------------------
for n in www.example.com net . org.example.net.example; do
	r=$(q "$n" A)
	is_rcode "$r" REFUSED "$n A (not ours): REFUSED"
	is_flag "$r" aa no "$n A: AA clear"
done

# ---- delegation (RFC 1034 §4.3.2 step 3b) ----------------------------------
for n in host.lab.$Z lab.$Z ns1.lab.$Z deep.host.lab.$Z; do
	r=$(q "$n" A)
	is_rcode "$r" NOERROR "$n A: referral is NOERROR"
	is_flag "$r" aa no "$n A: referral has AA clear"
	is "$(hdr "$r" an)" 0 "$n A: referral has no answer"
	is "$(sect "$r" ns)" "lab.$Z. 3600 IN NS ns.example.com.
lab.$Z. 3600 IN NS ns1.lab.$Z." "$n A: the child's NS RRset in authority"
	is "$(sect "$r" ar)" "ns1.lab.$Z. 3600 IN A 192.0.2.153" \
	    "$n A: glue in additional"
done
r=$(q lab.$Z NS)
is_flag "$r" aa no "lab NS: referral, not an authoritative answer"
r=$(q lab.$Z DS)
is_flag "$r" aa yes "lab DS: answered authoritatively at the parent (RFC 4035 §3.1.4.1)"
is "$(sect "$r" an)" "lab.$Z. 3600 IN DS 12345 13 2 4ac67a6b6a4f2a5f1b8e2c3d4e5f60718293a4b5c6d7e8f9011223344556677a" \
    "lab DS: the DS RRset"
is "$(hdr "$r" ns)" 0 "lab DS: no referral"

# ---- wildcards (RFC 4592) ---------------------------------------------------
r=$(q foo.shop.$Z A)
is_flag "$r" aa yes "wildcard: AA set"
is "$(sect "$r" an)" "foo.shop.$Z. 3600 IN A 192.0.2.80" \
    "wildcard: synthesised with the query name as owner"
r=$(q a.b.shop.$Z TXT)
is "$(sect "$r" an)" "a.b.shop.$Z. 3600 IN TXT \"served by the wildcard\"" \
    "wildcard: matches several labels below its closest encloser"
r=$(q foo.shop.$Z MX)
is_rcode "$r" NOERROR "wildcard, type not there: NODATA (NOERROR)"
is "$(sect "$r" ns)" "$soa" "wildcard NODATA: SOA in authority"
r=$(q special.shop.$Z A)
is "$(sect "$r" an)" "special.shop.$Z. 3600 IN A 192.0.2.81" \
    "an existing name is not covered by the wildcard"
r=$(q special.shop.$Z TXT)
is "$(hdr "$r" an)/$(hdr "$r" rcode)" "0/NOERROR" \
    "existing name, other type: NODATA, not the wildcard's TXT"
r=$(q x.special.shop.$Z A)
is_rcode "$r" NXDOMAIN "below an existing name the wildcard does not apply"
r=$(q ent.shop.$Z A)
is "$(hdr "$r" an)/$(hdr "$r" rcode)" "0/NOERROR" \
    "empty non-terminal: NODATA, not the wildcard"
r=$(q x.ent.shop.$Z A)
is_rcode "$r" NXDOMAIN "below an empty non-terminal the wildcard does not apply"
r=$(q shop.$Z A)
is "$(hdr "$r" an)/$(hdr "$r" rcode)" "0/NOERROR" \
    "the wildcard's parent is an empty non-terminal: NODATA"
r=$(q '*.shop.'$Z A)
is "$(sect "$r" an)" "*.shop.$Z. 3600 IN A 192.0.2.80" \
    "the wildcard name itself, asked literally"

# ---- CNAME (RFC 1034 §3.6.2, §4.3.2; RFC 6604) ----------------------------
r=$(q ftp.$Z A)
is "$(sect "$r" an)" "ftp.$Z. 3600 IN CNAME www.$Z.
www.$Z. 300 IN A 192.0.2.10
www.$Z. 300 IN A 192.0.2.11" "in-zone CNAME: the chain is followed"
is_flag "$r" aa yes "in-zone CNAME: AA set"
r=$(q legacy.$Z A)
is "$(sect "$r" an)" "ftp.$Z. 3600 IN CNAME www.$Z.
legacy.$Z. 3600 IN CNAME ftp.$Z.
www.$Z. 300 IN A 192.0.2.10
www.$Z. 300 IN A 192.0.2.11" "CNAME chain of two"
r=$(q ftp.$Z CNAME)
is "$(sect "$r" an)" "ftp.$Z. 3600 IN CNAME www.$Z." "CNAME asked for: just the CNAME"
r=$(q dangling.$Z A)
is_rcode "$r" NXDOMAIN "CNAME to a nonexistent in-zone name: NXDOMAIN (RFC 6604)"
is "$(sect "$r" an)" "dangling.$Z. 3600 IN CNAME nothere.$Z." \
    "dangling CNAME: the CNAME is in the answer"
is "$(sect "$r" ns)" "$soa" "dangling CNAME: SOA in authority"
r=$(q external.$Z A)
is_rcode "$r" NOERROR "CNAME out of the zone: NOERROR"
is "$(sect "$r" an)" "external.$Z. 3600 IN CNAME www.example.com." \
    "CNAME out of the zone: only the CNAME"

# ---- additional section, compression ----------------------------------------
r=$(q $Z MX)
like "$(sect "$r" ar)" "^mail\\.$Z\\. 3600 IN A 192\\.0\\.2\\.25\$" \
    "MX: target's A in additional"
like "$(sect "$r" ar)" "^mail\\.$Z\\. 3600 IN AAAA 2001:db8::25\$" \
    "MX: target's AAAA in additional"
unlike "$(sect "$r" ar)" "example\\.com" "MX: nothing for an out-of-zone target"
ptrs=$(printf '%s\n' "$r" | sed -n 's/^ptrs=//p')
check "MX: owner names are compressed (pointers >= answers)" \
    test "${ptrs:-0}" -ge "$(hdr "$r" an)"
r=$(q $Z NS)
is "$(sect "$r" ar)" "ns1.$Z. 3600 IN A 192.0.2.53
ns1.$Z. 3600 IN AAAA 2001:db8::53
ns2.$Z. 3600 IN A 192.0.2.54" "NS: name servers' addresses in additional"
r=$(q _sip._udp.$Z SRV)
is "$(sect "$r" ar)" "mail.$Z. 3600 IN A 192.0.2.25
mail.$Z. 3600 IN AAAA 2001:db8::25" "SRV: target's addresses in additional"

# ---- ANY (RFC 8482) ---------------------------------------------------------
r=$(q $Z ANY)
is_rcode "$r" NOERROR "ANY over UDP: NOERROR"
n=$(sect "$r" an | awk '{ print $1, $3, $4 }' | sort -u | wc -l)
is "$n" 1 "ANY over UDP: one RRset only"
check "ANY over UDP: not empty" test "$(hdr "$r" an)" -ge 1
r=$(q -t $Z ANY)
for t in SOA NS MX TXT CAA A; do
	like "$(sect "$r" an)" "^$Z\\. [0-9]+ IN $t " "ANY over TCP: has $t"
done

# ---- zone transfers are not offered -----------------------------------------
r=$(q -t $Z AXFR)
is_rcode "$r" REFUSED "AXFR over TCP: REFUSED"
r=$(q $Z IXFR)
is_rcode "$r" REFUSED "IXFR: REFUSED"

# ---- CHAOS ------------------------------------------------------------------
r=$(q -c CH version.bind TXT)
like "$(sect "$r" an)" '^version\.bind\. [0-9]+ CH TXT "dnsd-under-test"$' \
    "CHAOS version.bind: the configured version"
r=$(q -c CH id.server TXT)
like "$(sect "$r" an)" '^id\.server\. [0-9]+ CH TXT "ns1\.test\.identity"$' \
    "CHAOS id.server: the configured identity"
r=$(q -c CH hostname.bind TXT)
like "$(sect "$r" an)" '^hostname\.bind\. [0-9]+ CH TXT "ns1\.test\.identity"$' \
    "CHAOS hostname.bind: the configured identity"
r=$(q version.bind TXT)
is_rcode "$r" REFUSED "version.bind in class IN: not ours, REFUSED"
r=$(q -o 3 www.$Z A)
want=$(printf '%s' ns1.test.identity | od -An -v -tx1 | tr -d ' \n')
is "$(printf '%s\n' "$r" | sed -n 's/^opt 3 //p')" "$want" \
    "NSID requested (RFC 5001): the identity"
is "$(sect "$r" an | wc -l)" 2 "NSID requested: the answer as usual"
r=$(q www.$Z A)
unlike "$r" '^opt 3 ' "NSID not requested: not sent"
r=$(q -c CH foo.bind TXT)
unlike "$(hdr "$r" rcode)" '^NOERROR$' "CHAOS: other names are not answered"

# ---- IPv6 -------------------------------------------------------------------
r=$(QADDR=$LOOP6 q www.$Z AAAA)
is "$(sect "$r" an)" "www.$Z. 300 IN AAAA 2001:db8::10" "answers over IPv6 (::1)"

stop_dnsd

# ---- CHAOS without identity/version: REFUSED --------------------------------
start_dnsd "$fix/nochaos.yaml" || bail "dnsd does not start (nochaos.yaml)"
r=$(q -c CH version.bind TXT)
is_rcode "$r" REFUSED "no version configured: version.bind REFUSED"
r=$(q -c CH id.server TXT)
is_rcode "$r" REFUSED "no identity configured: id.server REFUSED"
r=$(q -o 3 www.$Z A)
unlike "$r" '^opt 3 ' "no identity configured: no NSID"
r=$(q www.$Z A)
is "$(hdr "$r" an)" 2 "the zones are served all the same"
stop_dnsd

done_testing
