#!/bin/sh
# 70_diff_nsd: differential test, dnsd against NSD (the oracle).
#
# Both servers load 70_diff_nsd/example.com.zone (dnsd through a zone YAML
# with zonefile_path).  Every name below is asked for every type below, over
# UDP with EDNS (and ANY over TCP); the replies are compared after
# normalisation: rcode, header flags, EDNS version/size, and the sorted
# RRsets of the question, answer, authority and additional sections.  Names
# are compared case-insensitively (RFC 4343: a server may answer with the
# zone's or the query's spelling).
#
# Documented differences, removed from both replies before comparing:
#  1. On positive answers NSD (minimal-responses: no) adds the zone's apex
#     NS RRset to the authority section, and those servers' addresses to
#     the additional section.  RFC 2181 §6.1/RFC 1034 make that optional,
#     and dnsd may omit it: when the answer section is not empty and the
#     authority section holds only the apex NS RRset, the authority section
#     is dropped, and so are additional records that are not addresses of
#     an NS, MX or SRV target named in the answer section.
#  2. ANY is not compared directly: NSD 4.6 answers it minimally (RFC 8482
#     §4.1, one RRset) over UDP and TCP alike, while dnsd gives every RRset
#     over TCP.  Over TCP dnsd's ANY answer is compared with the union of
#     NSD's answers for each type at that name instead (same rcode as
#     NSD's ANY); over UDP ANY is tested in 10_answers.
#  3. Extended DNS Errors (RFC 8914, option 15), which NSD adds to REFUSED
#     replies, are optional: they and the count of EDNS options are
#     removed.
#  4. The sizes and the compression (ptrs) of the replies are not compared.
. "$(dirname "$0")/lib.sh"
need nsd

ZONE=example.com
NAMES="@ www WwW alias alias2 alias3 dangling danglingwild outside tosub
towild tomx mail ns1 MiXeD.case mixed.CASE case _sip._tcp _tcp _xmpp._tcp
sipserver wild foo.wild a.foo.wild sub.wild x.sub.wild ent.wild b.ent.wild
x.ent.wild x.b.ent.wild a.b.ent.wild z.a.b.ent.wild *.wild x.cw y.x.cw x.dw
sub ns1.sub host.sub a.b.sub nog host.nog x only.x host.only.x nx.only.x
nothere big caa"
OUTSIDE="example.org com example.com.example. ."
TYPES="A AAAA MX TXT NS SOA CNAME DS SRV CAA"
ANY_TCP="@ www WwW alias wild foo.wild nothere mail _sip._tcp x.cw"

fix=$(t_fixture)
READY_NAME=$ZONE
start_nsd "$ZONE:$fix/$ZONE.zone" || bail "NSD (the oracle) does not start"
start_dnsd "$fix/dnsd.yaml" || bail "dnsd does not start"

# norm: dnsq output on stdin -> the comparable form on stdout
norm()
{
	awk -v zone="$ZONE." '
	{ line = tolower($0) }
	line ~ /^hdr / {
		k = split(line, w, " ")
		for (i = 2; i <= k; i++)
			if (w[i] ~ /^(rcode|flags)=/)
				hdr = hdr " " w[i]
		next
	}
	line ~ /^edns / {
		sub(/ optrr=[0-9]+/, "", line)
		sub(/ opts=[0-9]+/, "", line)
		edns = line
		next
	}
	line ~ /^opt 15 / { next }
	line ~ /^(qd|an|ns|ar) / {
		s = substr(line, 1, 2)
		n[s]++
		rr[s, n[s]] = substr(line, 4)
		next
	}
	line ~ /^ptrs=/ { next }
	{ other = other "\n" line }
	END {
		print "hdr" hdr
		if (edns != "")
			print edns
		if (other != "")
			print substr(other, 2)
		for (i = 1; i <= n["qd"]; i++)
			print "qd " rr["qd", i]
		for (i = 1; i <= n["an"]; i++)
			print "an " rr["an", i]
		# difference 1: optional apex NS in authority on answers
		drop = 0
		if (n["an"] > 0 && n["ns"] > 0) {
			drop = 1
			for (i = 1; i <= n["ns"]; i++) {
				split(rr["ns", i], f, " ")
				if (f[1] != zone || f[4] != "ns")
					drop = 0
			}
		}
		if (drop) {
			for (i = 1; i <= n["an"]; i++) {
				k = split(rr["an", i], f, " ")
				if (f[4] == "ns" || f[4] == "mx" || f[4] == "srv")
					target[f[k]] = 1
			}
		} else {
			for (i = 1; i <= n["ns"]; i++)
				print "ns " rr["ns", i]
		}
		for (i = 1; i <= n["ar"]; i++) {
			split(rr["ar", i], f, " ")
			if (!drop || (f[1] in target))
				print "ar " rr["ar", i]
		}
	}'
}

# compare DESC [DNSQ-OPTION...] NAME TYPE
compare()
{
	_desc=$1
	shift
	_a=$(q "$@" | norm)
	_b=$(QADDR=$LOOP4 DNSD_PORT=$NSD_PORT q "$@" | norm)
	if [ "$_a" = "$_b" ]; then
		ok 0 "$_desc"
	else
		ok 1 "$_desc"
		diag "dnsd:" "$_a" "nsd:" "$_b"
	fi
}

# sanity of the oracle itself: NSD is authoritative for the zone
o=$(QADDR=$LOOP4 DNSD_PORT=$NSD_PORT q $ZONE SOA)
is_flag "$o" aa yes "oracle: NSD answers the zone SOA authoritatively"

for n in $NAMES; do
	case $n in
	@) fq=$ZONE ;;
	*) fq=$n.$ZONE ;;
	esac
	for t in $TYPES; do
		compare "$fq $t like NSD" "$fq" "$t"
	done
done
for fq in $OUTSIDE; do
	compare "$fq A (not our zone) like NSD" "$fq" A
done
# compare_any FQDN: dnsd's ANY over TCP against NSD's per-type answers
compare_any()
{
	_fq=$(printf '%s' "$1" | tr 'A-Z' 'a-z')
	_a=$(q -t "$1" ANY | tr 'A-Z' 'a-z')
	_b=$(QADDR=$LOOP4 DNSD_PORT=$NSD_PORT q -t "$1" ANY | tr 'A-Z' 'a-z')
	_ra=$(hdr "$_a" rcode)
	_rb=$(hdr "$_b" rcode)
	_ua=$(sect "$_a" an | sort)
	_ub=$(for _t in $TYPES; do
		QADDR=$LOOP4 DNSD_PORT=$NSD_PORT q "$1" "$_t" | tr 'A-Z' 'a-z' |
		    sed -n 's/^an //p' | awk -v o="$_fq." '$1 == o'
	done | sort -u)
	if [ "$_ra/$_ua" = "$_rb/$_ub" ]; then
		ok 0 "$1 ANY over TCP: every RRset NSD has there"
	else
		ok 1 "$1 ANY over TCP: every RRset NSD has there"
		diag "dnsd ($_ra):" "$_ua" "nsd ($_rb, per type):" "$_ub"
	fi
}
for n in $ANY_TCP; do
	case $n in
	@) fq=$ZONE ;;
	*) fq=$n.$ZONE ;;
	esac
	compare_any "$fq"
done
# without EDNS, and over TCP, for a few names
for n in @ www alias3 foo.wild host.sub nothere; do
	case $n in
	@) fq=$ZONE ;;
	*) fq=$n.$ZONE ;;
	esac
	compare "$fq A without EDNS like NSD" -N "$fq" A
	compare "$fq MX over TCP like NSD" -t "$fq" MX
done

check "NSD stops on SIGTERM" stop_nsd
stop_dnsd
done_testing
