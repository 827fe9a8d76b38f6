#!/bin/sh
# 24_dnssec: dnsd signs example.net (zone YAML `dnssec:`, an ECDSA P-256
# key from ldns-keygen) and real validators agree: BIND's delv (9.18) with
# the key as its trust anchor, unbound as a validating resolver in front of
# dnsd (stub-zone), and dnsviz (probe + grok, no error).  Checked: a static
# A, the geo name from two client networks, a CNAME to it, a wildcard, an
# NXDOMAIN (RFC 9824 compact denial: NOERROR with an NSEC at the name, the
# NXDOMAIN rcode only with the CO flag), a NODATA, an empty non-terminal,
# a secure delegation's DS, an unsigned delegation (the NSEC at the cut is
# the proof of insecurity: delv through unbound calls the child's answer
# "unsigned", not a failure).  A flood of 40000 names that do not exist
# with DO, each signed online, leaves the geo answers signed at load in
# the signature cache: none is signed again.  Negative controls prove
# that validation really happens: a second dnsd signing with a key that
# is not the trust anchor (delv: "broken trust chain", unbound: SERVFAIL,
# dnsviz: errors), and delv with a wrong trust anchor.  Then a ZSK
# pre-publish rollover under continuous validated queries (delv and
# unbound): no failure; last, a KSK double-DS rollover and a CSK rollover,
# validated at each step with the parent's DS sets as trust anchors.
#
# Outputs the checks rely on (delv 9.18, unbound 1.17, dnsviz 0.9.4, all
# seen against BIND named serving a dnssec-signzone'd copy too; delv exits
# 0 even when validation fails, so its text is read):
#   delv positive:      "; fully validated"
#   delv negative:      ";; resolution failed: ncache nxrrset" (sic: a
#                       stderr line printed for every negative answer)
#                       then "; negative response, fully validated"; with
#                       compact denial an NXDOMAIN name is a NODATA:
#                       "; nx.example.net. 2 IN \-A ;-$NXRRSET"
#   delv insecure:      "; unsigned answer" (through a resolver: delv does
#                       not follow referrals, against an authoritative a
#                       name under a cut is ";; resolution failed:
#                       failure" after "non-improving referral")
#   delv bad signature: ";; validating www.example.net/A: no valid
#                       signature found", ";; resolution failed: RRSIG
#                       failed to verify"
#   delv key not the anchor: ";; no valid RRSIG resolving
#                       'example.net/DNSKEY/IN'", ";; resolution failed:
#                       broken trust chain"
#   unbound:            "flags: qr rd ra ad" on secure answers (NOERROR for
#                       compact denial's NXDOMAIN), no ad for the unsigned
#                       child, SERVFAIL on a bad chain ("validation
#                       failure <www.example.net. A IN>: signature missing
#                       ... while building chain of trust" in its log)
#   dnsviz grok:        JSON without "errors" lists and without BOGUS or
#                       INVALID_SIG statuses (24_dnssec/grokcheck.py);
#                       a bad signature gives SIGNATURE_INVALID
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need delv ldns-keygen unbound nsd dnsviz perl /usr/bin/python3
PY=/usr/bin/python3	# Debian's, with dnspython and the dnsviz modules

fix=$(t_fixture)
Z=example.net
LON=192.0.2.1
TYO=192.0.2.8
NYC=192.0.2.3	# the default: clients the database does not place
C_LON=127.0.1.10	# networks.txt: London's /24
C_TYO=127.0.2.10	# Tokyo's /24

# ---- keys and trust anchors -------------------------------------------------
KD=$fix/keys
mkdir -p "$KD" || bail "cannot create $KD"
# keygen [-k]: a new algorithm-13 key for example.net in $KD (-k: flags 257);
# prints its stem, relative to $fix (the zone YAML's folder)
keygen()
{
	(cd "$KD" && ldns-keygen -a ECDSAP256SHA256 "$@" $Z) |
	    sed 's|^|keys/|'
}
K1=$(keygen -k)	# the trust anchor: combined signing key, then the KSK
K2=$(keygen -k)	# the wrong key: dnsd B signs with it
Z1=$(keygen)	# the rollover's ZSKs
Z2=$(keygen)
for k in "$K1" "$K2" "$Z1" "$Z2"; do
	if [ ! -s "$fix/$k.key" ] || [ ! -s "$fix/$k.private" ]; then
		bail "ldns-keygen wrote no key ($k)"
	fi
done
ok 0 "ldns-keygen: 4 ECDSAP256SHA256 keys ($(basename "$K1"), ...)"

# dnskey STEM: "FLAGS PROTOCOL ALGORITHM KEY" of a .key file (ldns-keygen
# writes "example.net. IN DNSKEY 257 3 13 KEY ;{id = ...}")
dnskey()
{
	sed 's/;.*//' "$fix/$1.key" |
	    awk '$0 ~ /DNSKEY/ { print $(NF-3), $(NF-2), $(NF-1), $NF }'
}
# tag STEM: the key tag in the stem (Kexample.net.+013+TAG)
tag()
{
	echo "${1##*+}" | sed 's/^0*//'
}
# delv's trust anchors (9.18: trust-anchors, static-key; with +root=$Z)
ta_file()
{
	dnskey "$1" | awk -v z=$Z. '{ printf "trust-anchors {\n\t%s static-key %s %s %s \"%s\";\n};\n", z, $1, $2, $3, $4 }'
}
ta_file "$K1" >"$fix/ta.conf"
ta_file "$K2" >"$fix/ta-wrong.conf"
# dnsviz grok -t: DNSKEY records in zone-file form
printf '%s. IN DNSKEY %s\n' $Z "$(dnskey "$K1")" >"$fix/tk.txt"
# dnsviz probe -D: K1's DS (ldns-keygen's .ds: SHA-256)
DS1=$(sed 's/;.*//' "$fix/$K1.ds" | awk '$0 ~ /DS/ { print $(NF-3), $(NF-2), $(NF-1), $NF }')
if [ -z "$(dnskey "$K1")" ] || [ -z "$DS1" ]; then
	bail "cannot read $K1.key or $K1.ds"
fi

# write_zone FILE KEY-ENTRY...: the zone YAML from example.net.yaml.in with
# `dnssec: {keys: [...]}`; each entry is a stem or "{file: STEM, state: S}"
write_zone()
{
	_f=$1
	shift
	_k=""
	for _e in "$@"; do
		_k="$_k${_k:+, }$_e"
	done
	awk -v keys="$_k" -v refresh="${REFRESH:-7d}" '$0 == "@DNSSEC@" {
	    print "dnssec:"
	    print "  keys: [" keys "]"
	    print "  signature_validity: 14d"
	    print "  refresh: " refresh
	    next } { print }' "$fix/example.net.yaml.in" >"$_f.new" &&
	    mv "$_f.new" "$_f"
}

# ---- the authoritative servers ----------------------------------------------
# start_auth NAME KEY...: a dnsd signing example.net with a config of its
# own in $fix/NAME/; sets NAME_PID, NAME_PORT, NAME_CONF and NAME_LOG.
start_auth()
{
	_n=$1
	shift
	mkdir -p "$fix/$_n" || bail "cannot create $fix/$_n"
	cp "$fix/dnsd.yaml" "$fix/edges.yaml" "$fix/geo.mmdb" "$fix/$_n/" ||
		bail "cannot copy the config"
	ln -s ../keys "$fix/$_n/keys" || bail "cannot link keys"
	write_zone "$fix/$_n/example.net.yaml" "$@" || bail "cannot write the zone"
	start_dnsd "$fix/$_n/dnsd.yaml" || bail "dnsd $_n does not start"
	eval "${_n}_PID=\$DNSD_PID ${_n}_PORT=\$DNSD_PORT \
	    ${_n}_CONF=\$fix/\$_n/dnsd.yaml ${_n}_LOG=\$DNSD_LOG"
}

t_mkmmdb "$fix/networks.txt" "$fix/geo.mmdb"
start_auth A "$K1"	# signs with the trust anchor's key
start_auth B "$K2"	# signs with another key: every signature is bogus
ok 0 "dnsd A (key $(tag "$K1")) on $A_PORT, B (key $(tag "$K2")) on $B_PORT"
# dnsdctl dnssec: the key, its role and state, and the DS ldns-keygen wrote
r=$("$T_O/bin/dnsdctl" -t 10 -c "$A_CONF" dnssec $Z 2>&1)
K1_ERE=$(printf '%s' "$K1" | sed 's/[.+]/\\&/g')
like "$r" "^key $(tag "$K1"): algorithm 13, flags 257, CSK, active, at the parent, file $K1_ERE\$" \
    "dnsdctl dnssec: the key, its role (CSK), state and file"
like "$r" "^ds: $Z\. IN DS $(printf '%s' "$DS1" | tr a-f A-F)\$" \
    "dnsdctl dnssec: the DS record ldns-keygen wrote"
like "$("$T_O/bin/dnsdctl" -t 10 -c "$A_CONF" dnssec nothere.net 2>&1)" \
    'no zone "nothere.net"' "dnsdctl dnssec: an unknown zone is an error"
# the unsigned child sub.example.net
start_nsd "sub.example.net:$fix/sub.example.net.zone" ||
	bail "nsd does not start"

# ---- clients ---------------------------------------------------------------
# dv PORT [DELV-OPTION...] NAME [TYPE]: delv at 127.0.0.1:PORT with K1 as
# the trust anchor (ANCHOR overrides the file), stdout and stderr
dv()
{
	_p=$1
	shift
	delv -a "${ANCHOR:-$fix/ta.conf}" +root=$Z +nocrypto @$LOOP4 -p "$_p" \
	    "$@" 2>&1
}
# dg PORT ARG...: dig at 127.0.0.1:PORT, no recursion, one try
dg()
{
	_p=$1
	shift
	dig +norec +tries=1 +time=$T_DIG_TIME @$LOOP4 -p "$_p" "$@" 2>&1
}
# rr OUT TYPE: the rdata of TYPE records in delv or dig output, sorted, on
# one line
rr()
{
	printf '%s\n' "$1" | awk -v t="$2" '$0 !~ /^;/ && $4 == t {
	    $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' | sort | tr '\n' ' ' |
	    sed 's/ $//'
}
VALID='^; fully validated$'
NEGVALID='^; negative response, fully validated$'
FAILED='resolution failed: (RRSIG|broken|failure|no valid)|no valid signature|insecurity proof failed|bogus'

# ---- (1) delv against A: positive answers --------------------------------------
r=$(dv "$A_PORT" www.$Z A)
like "$r" "$VALID" "delv www A: fully validated"
is "$(rr "$r" A)" "192.0.2.10 192.0.2.11" "delv www A: both addresses"
like "$r" "RRSIG[[:space:]]+A 13 3 " "delv www A: an RRSIG of algorithm 13, 3 labels"
r=$(dv "$A_PORT" $Z DNSKEY)
like "$r" "$VALID" "delv DNSKEY: fully validated"
like "$r" "DNSKEY[[:space:]]+257 3 13 " "delv DNSKEY: the KSK/CSK (257, algorithm 13)"
r=$(dv "$A_PORT" $Z SOA)
like "$r" "$VALID" "delv SOA: fully validated"
r=$(dv "$A_PORT" ftp.$Z A)
like "$r" "$VALID" "delv ftp (CNAME www): fully validated"
is "$(rr "$r" CNAME)/$(rr "$r" A)" "www.$Z./192.0.2.10 192.0.2.11" \
    "delv ftp: the CNAME and www's addresses"
r=$(dv "$A_PORT" foo.shop.$Z A)
like "$r" "$VALID" "delv foo.shop (wildcard) A: fully validated"
is "$(rr "$r" A)" 192.0.2.80 "delv foo.shop: the wildcard's address"
r=$(dv "$A_PORT" a.b.shop.$Z TXT)
like "$r" "$VALID" "delv a.b.shop (wildcard, 2 labels down) TXT: fully validated"
r=$(dv "$A_PORT" special.shop.$Z A)
like "$r" "$VALID" "delv special.shop (beside the wildcard): fully validated"
r=$(dv "$A_PORT" lab.$Z DS)
like "$r" "$VALID" "delv lab DS (secure delegation): fully validated"

# ---- (2) delv against A: denial (RFC 9824 compact denial) ------------------------
r=$(dv "$A_PORT" nx.$Z A)
like "$r" "$NEGVALID" "delv nx A (no such name): negative response, fully validated"
like "$r" '^; nx\.example\.net\..*NXRRSET' \
    "delv nx A: compact denial, seen as NODATA (NXRRSET)"
unlike "$r" "$FAILED" "delv nx A: no validation failure"
r=$(dv "$A_PORT" a.b.nx.$Z AAAA)
like "$r" "$NEGVALID" "delv a.b.nx AAAA (deeper): negative response, fully validated"
r=$(dv "$A_PORT" www.$Z TXT)
like "$r" "$NEGVALID" "delv www TXT (NODATA): negative response, fully validated"
r=$(dv "$A_PORT" _udp.$Z A)
like "$r" "$NEGVALID" "delv _udp A (empty non-terminal): negative response, fully validated"
r=$(dv "$A_PORT" foo.shop.$Z AAAA)
like "$r" "$NEGVALID" "delv foo.shop AAAA (wildcard NODATA): negative response, fully validated"
r=$(dv "$A_PORT" sub.$Z DS)
like "$r" "$NEGVALID" "delv sub DS (unsigned delegation): no DS, proven"
like "$r" '^; sub\.example\.net\. NSEC .* NS RRSIG NSEC' \
    "delv sub DS: the NSEC at the cut has NS, no DS"

# ---- (3) the wire: compact denial, CO, the referral ------------------------------
r=$(dg "$A_PORT" +dnssec +nocrypto nx.$Z A)
like "$r" 'status: NOERROR' "DO, nx: NOERROR (compact denial)"
like "$r" '^nx\.example\.net\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+NSEC[[:space:]]+\\000\.nx\.example\.net\. RRSIG NSEC (NXNAME|TYPE128)$' \
    "DO, nx: NSEC nx -> (label 0).nx, types RRSIG NSEC NXNAME"
r=$(dg "$A_PORT" nx.$Z A)
like "$r" 'status: NXDOMAIN' "no DO, nx: NXDOMAIN"
# CO (0x4000) with DO: dig 9.18's +ednsflags=0x4000 sends no such bit (seen
# on the wire), so a raw query: header, question, OPT with flags 0xc000
co=$(hexhdr 4660 0 1 0 0 1)$(hexname nx.$Z)00010001$(hexname .)002910000000c0000000
r=$(DNSD_PORT=$A_PORT rawq -f "$co")
is "$(field "$r" rcode)" 3 "DO + CO, nx: NXDOMAIN (RFC 9824 §4)"
r=$(dg "$A_PORT" +dnssec +nocrypto host.sub.$Z A)
like "$r" 'flags: qr;' "host.sub: a referral (no aa)"
like "$r" '^sub\.example\.net\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+NSEC[[:space:]].* NS RRSIG NSEC$' \
    "host.sub: an NSEC at the cut, NS without DS"
like "$r" '^sub\.example\.net\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+RRSIG[[:space:]]+NSEC ' \
    "host.sub: the NSEC is signed"
unlike "$r" 'IN[[:space:]]+RRSIG[[:space:]]+NS ' "host.sub: the NS set is not signed"

# ---- (4) the geo name, validated from two client networks -----------------------
# delv 9.18 has no +subnet: it queries from the client's address (-b), and
# dnsd places the source address.
for c in "$C_LON $LON" "$C_TYO $TYO"; do
	r=$(dv "$A_PORT" -b "${c% *}" cdn.$Z A)
	like "$r" "$VALID" "delv cdn from ${c% *}: fully validated"
	is "$(rr "$r" A)" "${c#* }" "delv cdn from ${c% *}: ${c#* }"
	r=$(dv "$A_PORT" -b "${c% *}" video.$Z A)
	like "$r" "$VALID" "delv video (CNAME cdn) from ${c% *}: fully validated"
	is "$(rr "$r" A)" "${c#* }" "delv video from ${c% *}: ${c#* }"
done
# An edge down: cdn2 (two edges an answer) gives London's clients
# {lon, nyc} with every edge up; with lon down they get {nyc, tyo}, an
# answer no client gets with every edge up, so the load did not sign it:
# signed on the answer path, then cached.
sigs_signed()
{
	"$T_O/bin/dnsdctl" -t 10 -c "$A_CONF" stats 2>/dev/null |
	    awk '$1 == "dnssec.sigs_signed" { print $2 }'
}
s0=$(sigs_signed)
"$T_O/bin/dnsdctl" -t 10 -c "$A_CONF" force-down lon >/dev/null ||
	bail "dnsdctl force-down lon failed"
r=$(dv "$A_PORT" -b "$C_LON" cdn.$Z A)
like "$r" "$VALID" "lon down: delv cdn from $C_LON: fully validated"
unlike "$(rr "$r" A)" "^$LON\$" "lon down: $C_LON gets another edge than $LON"
r=$(dv "$A_PORT" -b "$C_LON" cdn2.$Z A)
like "$r" "$VALID" "lon down: delv cdn2 from $C_LON: fully validated"
is "$(rr "$r" A | sort | tr '\n' ' ')" "$NYC $TYO " \
    "lon down: cdn2 from $C_LON is {nyc, tyo}"
s1=$(sigs_signed)
check "lon down: that answer was signed online ($s0 -> $s1)" \
    test "${s1:-0}" -gt "${s0:-0}"
r=$(dv "$A_PORT" -b "$C_LON" cdn2.$Z A)
like "$r" "$VALID" "lon down: again, fully validated"
is "$(sigs_signed)" "$s1" "lon down: the second time from the cache"
"$T_O/bin/dnsdctl" -t 10 -c "$A_CONF" auto lon >/dev/null ||
	bail "dnsdctl auto lon failed"

# A flood of names that do not exist, with DO: each one a signature made
# on the answer path and stored in the signature cache, several times as
# many as it holds (16384).  The geo answers signed at load are pinned
# there: asked again after the flood, not one is signed again.
r=$("$T_O/bin/dnsdctl" -t 10 -c "$A_CONF" dnssec $Z 2>&1)
presigned=$(printf '%s\n' "$r" | sed -n \
    's/^geo answers signed at load: \([0-9]*\), pinned in the signature cache: \([0-9]*\)$/\1 \2/p')
check "dnsdctl dnssec: geo answers signed at load, all pinned (${presigned:-none})" \
    test -n "$presigned" -a "${presigned% *}" -gt 0 -a \
    "${presigned% *}" = "${presigned#* }"
# geo_all WHEN: cdn and cdn2 with DO from each client network (the
# default's too), each answer carrying its RRSIG
geo_all()
{
	for _c in "$C_LON $LON" "$C_TYO $TYO" "$LOOP4 $NYC"; do
		for _n in cdn cdn2; do
			_r=$(dg "$A_PORT" -b "${_c% *}" +dnssec $_n.$Z A)
			like "$(rr "$_r" A)/$(rr "$_r" RRSIG | cut -d' ' -f1)" \
			    "(^| )${_c#* }( .*)?/A\$" \
			    "$1: $_n from ${_c% *}: ${_c#* } with its RRSIG"
		done
	done
}
s0=$(sigs_signed)
geo_all "before the flood"
is "$(sigs_signed)" "$s0" "before the flood: all those signatures were made at load"
NX_N=40000
perl -e 'for my $i (0 .. $ARGV[0] - 1) {
	my $q = pack("n6", $i & 0xffff, 0, 1, 0, 0, 1)
	    . join("", map { chr(length) . $_ } sprintf("nx%08x", $i),
	    "example", "net") . "\0" . pack("n2", 1, 1)
	    . pack("C n2 C2 n2", 0, 41, 1232, 0, 0, 0x8000, 0);
	print pack("n", length $q), $q }' $NX_N >"$fix/nx+do.bin" ||
	bail "cannot write the flood's queries"
r=$("$T_TOOLS/qblast" -s $LOOP4 -p "$A_PORT" -f "$fix/nx+do.bin" -l 5 2>&1)
s1=$(sigs_signed)
check "the flood: $NX_N names that do not exist, each signed ($((s1 - s0)) signatures; qblast: $r)" \
    test $((s1 - s0)) -ge $NX_N
geo_all "after the flood"
is "$(sigs_signed)" "$s1" "after the flood: none of those signed again (pinned)"

# ---- (5) negative controls: validation really happens ---------------------------
r=$(dv "$B_PORT" www.$Z A)
like "$r" 'resolution failed: broken trust chain' \
    "delv at B (signed with key $(tag "$K2"), not the anchor): broken trust chain"
unlike "$r" "$VALID" "delv at B: not validated"
r=$(dv "$B_PORT" nx.$Z A)
like "$r" 'resolution failed: broken trust chain' "delv at B, nx: broken trust chain"
r=$(ANCHOR=$fix/ta-wrong.conf dv "$A_PORT" www.$Z A)
like "$r" "no valid RRSIG resolving 'example.net/DNSKEY/IN'" \
    "delv at A with a wrong trust anchor: no valid RRSIG for the DNSKEY set"

# ---- (6) unbound, validating, in front of A (and of B) ---------------------------
UDIR=$T_TMP/unbound
mkdir -p "$UDIR" || bail "cannot create $UDIR"
# start_unbound NAME AUTH-PORT: a validating unbound with K1 as its trust
# anchor, stub-zones to 127.0.0.1@AUTH-PORT for example.net and to NSD for
# sub.example.net; sets NAME_UB_PID, NAME_UB_PORT, NAME_UB_LOG
start_unbound()
{
	_d=$UDIR/$1
	mkdir -p "$_d" || return 1
	_try=0
	while [ $_try -lt 3 ]; do
		_try=$((_try + 1))
		_p=$(free_port)
		cat >"$_d/unbound.conf" <<CONF
server:
	interface: $LOOP4@$_p
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	username: ""
	chroot: ""
	directory: "$_d"
	pidfile: "$_d/unbound.pid"
	use-syslog: no
	logfile: ""
	verbosity: 1
	num-threads: 1
	module-config: "validator iterator"
	trust-anchor: "$Z. DNSKEY $(dnskey "$K1")"
	trust-anchor-signaling: no
	val-log-level: 2
	log-servfail: yes
	cache-max-ttl: 2
	cache-max-negative-ttl: 2
remote-control:
	control-enable: no
stub-zone:
	name: "$Z"
	stub-addr: $LOOP4@$2
stub-zone:
	name: "sub.$Z"
	stub-addr: $LOOP4@$NSD_PORT
CONF
		unbound -d -c "$_d/unbound.conf" >"$_d/unbound.log" 2>&1 &
		_pid=$!
		T_PIDS="$T_PIDS $_pid"
		_i=0
		while [ $_i -lt $T_READY_TRIES ]; do
			t_alive "$_pid" || break
			if dig +tries=1 +time=1 @$LOOP4 -p "$_p" \
			    version.server CH TXT >/dev/null 2>&1; then
				eval "${1}_UB_PID=$_pid ${1}_UB_PORT=$_p \
				    ${1}_UB_LOG=\$_d/unbound.log"
				return 0
			fi
			sleep $T_POLL
			_i=$((_i + 1))
		done
		_inuse=no
		grep -qi 'in use' "$_d/unbound.log" && _inuse=yes
		t_reap "$_pid"
		[ $_inuse = yes ] || break
	done
	diag "unbound $1 did not come up; its log:" "$(cat "$_d/unbound.log")"
	return 1
}
start_unbound A "$A_PORT" || bail "unbound A does not start"
start_unbound B "$B_PORT" || bail "unbound B does not start"
ok 0 "unbound validating in front of A ($A_UB_PORT) and of B ($B_UB_PORT)"

# ub PORT [DIG-OPTION...] NAME TYPE: ask an unbound (recursion desired)
ub()
{
	_p=$1
	shift
	dig +tries=1 +time=$T_DIG_TIME @$LOOP4 -p "$_p" "$@" 2>&1
}
# st OUT: "RCODE flags" of a dig reply, e.g. "NOERROR qr rd ra ad"
st()
{
	printf '%s %s\n' "$(printf '%s\n' "$1" | sed -n 's/.*status: \([A-Z]*\).*/\1/p')" \
	    "$(printf '%s\n' "$1" | sed -n 's/^;; flags: \([^;]*\);.*/\1/p')"
}
for q in "www.$Z A" "ftp.$Z A" "foo.shop.$Z A" "$Z DNSKEY" "www.$Z TXT" \
    "nx.$Z A" "_udp.$Z A" "sub.$Z DS" "video.$Z A"; do
	# shellcheck disable=SC2086
	is "$(st "$(ub "$A_UB_PORT" $q)")" "NOERROR qr rd ra ad" \
	    "unbound before A: $q is NOERROR with ad"
done
# unbound without subnetcache sends no ECS: dnsd places unbound's own
# 127.0.0.1, not in the database, and answers the default
r=$(ub "$A_UB_PORT" -b $C_TYO video.$Z A)
is "$(st "$r")/$(rr "$r" A)" "NOERROR qr rd ra ad/$NYC" \
    "unbound before A: video (CNAME to the geo name): ad, the default $NYC"
r=$(ub "$A_UB_PORT" host.sub.$Z A)
is "$(st "$r")/$(rr "$r" A)" "NOERROR qr rd ra/192.0.2.99" \
    "unbound before A: host.sub (unsigned child) answered, insecure (no ad)"
r=$(dv "$A_UB_PORT" host.sub.$Z A)
like "$r" '^; unsigned answer$' \
    "delv through unbound: host.sub is an unsigned answer (insecurity proven)"
unlike "$r" "$FAILED" "delv through unbound: host.sub, no validation failure"
r=$(dv "$A_UB_PORT" www.$Z A)
like "$r" "$VALID" "delv through unbound: www fully validated"
for q in "www.$Z A" "nx.$Z A"; do
	# shellcheck disable=SC2086
	is "$(st "$(ub "$B_UB_PORT" $q)" | cut -d' ' -f1)" SERVFAIL \
	    "unbound before B (wrong key): $q is SERVFAIL"
done
like "$(cat "$B_UB_LOG")" 'validation failure <www\.example\.net\. A IN>' \
    "unbound before B: logged the validation failure"

# ---- (7) dnsviz: probe the authoritative, grok with the trust anchor -------------
# Debian 12's dnsviz 0.9.4 wants pygraphviz.release, which pygraphviz 1.7
# no longer has (dnsviz issue #98): grok and print fail with "pygraphviz
# is required, but not installed" unless it is given one.
dnsviz_run()
{
	$PY -c '
import runpy, sys, types
import pygraphviz
if not hasattr(pygraphviz, "release"):
    m = types.ModuleType("pygraphviz.release")
    m.version = pygraphviz.__version__
    sys.modules["pygraphviz.release"] = m
    pygraphviz.release = m
sys.argv = ["dnsviz"] + sys.argv[1:]
runpy.run_path("/usr/bin/dnsviz", run_name="__main__")
' "$@"
}
# viz NAME PORT: probe the server on 127.0.0.1:PORT as example.net's only
# authoritative (-x with "+": nothing asked above example.net; -N/-D: the
# delegation and K1's DS as the parent would give them), then grok with
# K1 as trusted key (-P: 127.0.0.1 is a private address); the probe and
# grok JSON in $fix/NAME.probe.json, $fix/NAME.grok.json.  Names inside
# sub.example.net are left out: grok 0.9.4 fails with a KeyError on an
# insecure child served elsewhere ("RRset for sub.example.net/SOA").
viz()
{
	_ns=ns1.$Z=$LOOP4:$2
	timeout 120 dnsviz probe -A -4 -x "$Z+:$_ns" -N "$Z:$_ns" \
	    -D "$Z:$DS1" -o "$fix/$1.probe.json" \
	    $Z www.$Z nx.$Z a.b.nx.$Z ftp.$Z foo.shop.$Z special.shop.$Z \
	    _udp.$Z _sip._udp.$Z video.$Z \
	    >"$fix/$1.probe.log" 2>&1 &&
	    dnsviz_run grok -P -t "$fix/tk.txt" -r "$fix/$1.probe.json" \
	    -o "$fix/$1.grok.json" >"$fix/$1.grok.log" 2>&1
}
if viz A "$A_PORT"; then
	r=$($PY "$fix/grokcheck.py" "$fix/A.grok.json" 2>&1)
	ok $? "dnsviz grok of A: no error, no bogus status" ||
		diag "$r"
	r=$($PY "$fix/grokcheck.py" -w "$fix/A.grok.json" 2>&1)
	ok $? "dnsviz grok of A: no warning either" || diag "$r"
else
	ok 1 "dnsviz probe and grok of A"
	diag "$(tail -n 20 "$fix/A.probe.log" "$fix/A.grok.log")"
fi
if viz B "$B_PORT"; then
	r=$($PY "$fix/grokcheck.py" "$fix/B.grok.json" 2>&1)
	is $? 1 "dnsviz grok of B (wrong key): errors found (negative control)"
else
	ok 1 "dnsviz probe and grok of B"
	diag "$(tail -n 20 "$fix/B.probe.log" "$fix/B.grok.log")"
fi

# ---- (8) a ZSK pre-publish rollover under validated queries -------------------
# R signs with K1 as KSK and Z1 as ZSK; while delv (a new validator each
# time: sees every answer against a fresh DNSKEY fetch) and unbound (caches
# DNSKEY for its 2 s TTL: catches a signature by a key it has not seen)
# ask in a loop, the zone goes: Z2 published; Z2 active, Z1 retired; Z1
# removed; a SIGHUP reload each time, waiting out the DNSKEY TTL between
# steps.  Not one failure.
T_ROLL_WAIT=5		# seconds after a step: 2 x the 2 s TTL, and slack
T_ROLL_MAX=600		# queries the loop sends at most
# roll_loop OUT: validated queries until $OUT.stop exists or T_ROLL_MAX;
# one line per query: "ok" or "fail WHAT"
roll_loop()
{
	_i=0
	while [ ! -e "$1.stop" ] && [ $_i -lt $T_ROLL_MAX ]; do
		_i=$((_i + 1))
		_r=$(dv "$R_PORT" www.$Z A)
		if printf '%s\n' "$_r" | grep -q "$VALID"; then
			echo ok
		else
			echo "fail delv: $(printf '%s' "$_r" | tr '\n' ' ')"
		fi
		_r=$(ub "$R_UB_PORT" www.$Z A)
		case $(st "$_r") in
		"NOERROR qr rd ra ad") echo ok ;;
		*) echo "fail unbound: $(st "$_r")" ;;
		esac
		_r=$(ub "$R_UB_PORT" nx$_i.$Z A)
		case $(st "$_r") in
		"NOERROR qr rd ra ad") echo ok ;;
		*) echo "fail unbound nx$_i: $(st "$_r")" ;;
		esac
	done >"$1"
}
# dnskey_tags PORT: the key tags of the DNSKEY set, sorted, on one line
dnskey_tags()
{
	dig +norec +tries=1 +time=$T_DIG_TIME +multiline @$LOOP4 -p "$1" \
	    $Z DNSKEY 2>&1 | sed -n 's/.*key id = \([0-9]*\).*/\1/p' |
	    sort -n | tr '\n' ' ' | sed 's/ $//'
}
# sig_tags PORT NAME TYPE: the key tags of NAME's RRSIGs
sig_tags()
{
	dig +norec +dnssec +tries=1 +time=$T_DIG_TIME @$LOOP4 -p "$1" "$2" "$3" \
	    2>&1 | awk -v t="$3" '$4 == "RRSIG" && $5 == t { print $11 }' |
	    sort -n | tr '\n' ' ' | sed 's/ $//'
}
# sorted TAG...: the tags, sorted, on one line
sorted()
{
	printf '%s\n' "$@" | sort -n | tr '\n' ' ' | sed 's/ $//'
}
# roll_step DESC KEY...: rewrite R's zone, SIGHUP, wait (bounded) until
# the DNSKEY set is the one wanted ($WANT), then the TTL wait
roll_step()
{
	_d=$1
	shift
	write_zone "$fix/R/example.net.yaml" "$@" || bail "cannot write the zone"
	kill -HUP "$R_PID"
	_i=0
	while [ "$(dnskey_tags "$R_PORT")" != "$WANT" ] &&
	    [ $_i -lt $T_RELOAD_TRIES ]; do
		sleep $T_POLL
		_i=$((_i + 1))
	done
	is "$(dnskey_tags "$R_PORT")" "$WANT" "rollover, $_d: DNSKEY set $WANT"
	sleep $T_ROLL_WAIT
}
# R also signs again every 10 s (refresh): the loop validates across those
# swaps too.
T1=$(tag "$K1") TZ1=$(tag "$Z1") TZ2=$(tag "$Z2")
REFRESH=10s	# write_zone's, from here on
start_auth R "$K1" "$Z1"
start_unbound R "$R_PORT" || bail "unbound R does not start"
is "$(dnskey_tags "$R_PORT")" "$(sorted "$T1" "$TZ1")" \
    "rollover, start: DNSKEY set KSK $T1 + ZSK $TZ1"
is "$(sig_tags "$R_PORT" www.$Z A)" "$TZ1" "rollover, start: www signed by $TZ1"
is "$(sig_tags "$R_PORT" $Z DNSKEY)" "$T1" "rollover, start: DNSKEY signed by the KSK"
L=$T_TMP/roll.out
roll_loop "$L" &
LOOP_PID=$!
T_PIDS="$T_PIDS $LOOP_PID"
sleep $T_ROLL_WAIT
WANT=$(sorted "$T1" "$TZ1" "$TZ2")
roll_step "1, $TZ2 published" "$K1" "$Z1" "{file: $Z2, state: publish}"
is "$(sig_tags "$R_PORT" www.$Z A)" "$TZ1" "rollover 1: www still signed by $TZ1"
roll_step "2, $TZ2 active, $TZ1 retired" "$K1" \
    "{file: $Z1, state: retire}" "{file: $Z2, state: active}"
is "$(sig_tags "$R_PORT" www.$Z A)" "$TZ2" "rollover 2: www signed by $TZ2"
WANT=$(sorted "$T1" "$TZ2")
roll_step "3, $TZ1 removed" "$K1" "$Z2"
is "$(sig_tags "$R_PORT" www.$Z A)" "$TZ2" "rollover 3: www signed by $TZ2"
# refresh: within 15 s of the last load, R loads again and signs afresh
inc0=$(dig +norec +dnssec +tries=1 +time=$T_DIG_TIME @$LOOP4 -p "$R_PORT" \
    www.$Z A | awk '$4 == "RRSIG" { print $10; exit }')
_i=0
while ! grep -q 'dnssec: signatures made .* signing again' "$R_LOG" &&
    [ $_i -lt 150 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
like "$(cat "$R_LOG")" 'dnssec: signatures made [0-9]+s ago: signing again' \
    "refresh 10s: R signed again"
sleep 1
inc1=$(dig +norec +dnssec +tries=1 +time=$T_DIG_TIME @$LOOP4 -p "$R_PORT" \
    www.$Z A | awk '$4 == "RRSIG" { print $10; exit }')
check "refresh: the new signature's inception ($inc1) is later than $inc0" \
    test "${inc1:-0}" -gt "${inc0:-0}"
: >"$L.stop"
t_reap "$LOOP_PID"	# it has stopped (bounded by T_ROLL_MAX)
n=$(grep -c . "$L")
nf=$(grep -c '^fail' "$L")
check "rollover: the loop asked $n times (at least 30)" test "$n" -ge 30
is "$nf" 0 "rollover: no validation failure in $n validated queries"
[ "$nf" = 0 ] || diag "$(grep '^fail' "$L" | head -n 5)"
t_reap "$R_UB_PID"

# ---- (9) KSK double-DS and CSK rollovers, the parent's DS as the anchor --------
# The parent's DS set is delv's trust anchor (static-ds, from ldns-keygen's
# .ds files), so each step is validated as a resolver would with the
# parent holding the old DS, both, or the new one (zones/README.md,
# "Rolling keys").  K2 (flags 257) is the new KSK, then the keys are
# rolled back as combined signing keys (no ZSK: every key a CSK).  The
# wrong DS set at a step must fail: the new DS before its key signs the
# DNSKEY set, the old DS once its key is retired.
T2=$(tag "$K2")
# ds_anchor FILE STEM...: delv's trust anchors, the DS of each key
ds_anchor()
{
	_f=$1
	shift
	{
		echo "trust-anchors {"
		for _s in "$@"; do
			sed 's/;.*//' "$fix/$_s.ds" | awk -v z=$Z. '$0 ~ /DS/ {
			    printf "\t%s static-ds %s %s %s \"%s\";\n", z,
			    $(NF-3), $(NF-2), $(NF-1), $NF }'
		done
		echo "};"
	} >"$_f" || bail "cannot write $_f"
}
ds_anchor "$fix/ds1.conf" "$K1"
ds_anchor "$fix/ds12.conf" "$K1" "$K2"
ds_anchor "$fix/ds2.conf" "$K2"
# ds_valid WHEN DS-SET...: www validates with each parent DS set (1, 12, 2)
ds_valid()
{
	_w=$1
	shift
	for _a in "$@"; do
		_r=$(ANCHOR=$fix/ds$_a.conf dv "$R_PORT" www.$Z A)
		like "$_r" "$VALID" "$_w: validated with the parent's DS set $_a"
	done
}
# ds_fails WHEN DS-SET: www does not validate with that DS set
ds_fails()
{
	_r=$(ANCHOR=$fix/ds$2.conf dv "$R_PORT" www.$Z A)
	like "$_r" "$FAILED" "$1: with the parent's DS set $2 only, validation fails"
	unlike "$_r" "$VALID" "$1: DS set $2: not validated"
}
# at_parent: the key tags dnsdctl dnssec gives DS records for, then the
# apex's CDS set (RFC 7344), as "TAGS / TAGS"
at_parent()
{
	printf '%s / %s' "$("$T_O/bin/dnsdctl" -t 10 -c "$R_CONF" dnssec $Z |
	    awk '$1 == "ds:" { print $5 }' | sort -n | tr '\n' ' ' |
	    sed 's/ $//')" \
	    "$(dig +norec +tries=1 +time=$T_DIG_TIME @$LOOP4 -p "$R_PORT" \
	    $Z CDS 2>&1 | awk '$4 == "CDS" { print $5 }' | sort -n |
	    tr '\n' ' ' | sed 's/ $//')"
}
T_ROLL_WAIT=0	# delv has no cache: no TTL to wait out
ds_valid "KSK start, $T1" 1
ds_fails "KSK start" 2
WANT=$(sorted "$T1" "$T2" "$TZ2")
roll_step "KSK 1, $T2 published" "$K1" "{file: $K2, state: publish}" "$Z2"
is "$(sig_tags "$R_PORT" $Z DNSKEY)" "$T1" "KSK 1: DNSKEY still signed by $T1"
is "$(at_parent)" "$(sorted "$T1" "$T2") / $(sorted "$T1" "$T2")" \
    "KSK 1: DS for the parent and CDS: both keys"
ds_valid "KSK 1" 1 12
ds_fails "KSK 1" 2
roll_step "KSK 2, $T2 active, $T1 retired" "{file: $K1, state: retire}" \
    "$K2" "$Z2"
is "$(sig_tags "$R_PORT" $Z DNSKEY)" "$T2" "KSK 2: DNSKEY signed by $T2"
is "$(sig_tags "$R_PORT" www.$Z A)" "$TZ2" "KSK 2: www still signed by the ZSK"
is "$(at_parent)" "$T2 / $T2" "KSK 2: DS for the parent and CDS: $T2 only"
ds_valid "KSK 2" 12 2
ds_fails "KSK 2" 1
WANT=$(sorted "$T2" "$TZ2")
roll_step "KSK 3, $T1 removed" "$K2" "$Z2"
ds_valid "KSK 3" 2 12
WANT=$T2
roll_step "CSK start, $T2 alone" "$K2"
is "$(sig_tags "$R_PORT" www.$Z A)" "$T2" "CSK start: www signed by $T2"
ds_valid "CSK start" 2
WANT=$(sorted "$T1" "$T2")
roll_step "CSK 1, $T1 published" "$K2" "{file: $K1, state: publish}"
is "$(sig_tags "$R_PORT" www.$Z A)" "$T2" "CSK 1: www still signed by $T2"
ds_valid "CSK 1" 2 12
roll_step "CSK 2, both active" "$K2" "$K1"
is "$(sig_tags "$R_PORT" www.$Z A)" "$(sorted "$T1" "$T2")" \
    "CSK 2: www signed by both"
ds_valid "CSK 2" 1 12 2
roll_step "CSK 3, $T2 retired" "{file: $K2, state: retire}" "$K1"
is "$(sig_tags "$R_PORT" www.$Z A)" "$T1" "CSK 3: www signed by $T1"
is "$(at_parent)" "$T1 / $T1" "CSK 3: DS for the parent and CDS: $T1 only"
ds_valid "CSK 3" 12 1
ds_fails "CSK 3" 2
WANT=$T1
roll_step "CSK 4, $T2 removed" "$K1"
ds_valid "CSK 4" 1
check "dnsd R still running" t_alive "$R_PID"
DNSD_PID=$R_PID DNSD_LOG=$R_LOG
stop_dnsd

# ---- stop: only what this test started, by PID ---------------------------------
for p in "$A_UB_PID" "$B_UB_PID"; do
	t_reap "$p"
done
stop_nsd
for n in A B; do
	eval "DNSD_PID=\$${n}_PID DNSD_LOG=\$${n}_LOG"
	check "dnsd $n still running" t_alive "$DNSD_PID"
	stop_dnsd
done
done_testing
