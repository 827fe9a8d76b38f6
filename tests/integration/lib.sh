# tests/integration/lib.sh: shared code of the integration tests.
#
# Sourced (POSIX sh, run by dash under `prove --exec sh`) by every
# tests/integration/NN_name.sh as
#     . "$(dirname "$0")/lib.sh"
# It provides TAP output (ok, is, like, ...), a private temporary folder,
# free ports, starting and stopping dnsd (and NSD) with bounded waits, query
# wrappers around tests/tools/dnsq and raw packets for tests/tools/rawq.
# Daemons started here are always stopped on exit, and the temporary
# folder removed.  Environment: O (build folder, default build), TMPDIR.
# Run by itself (`sh tests/integration/lib.sh`, as `prove` does with the
# tests/integration/*.sh glob), it tests its own helpers.

# ---- timing: every wait of the suite is bounded by these -----------------
T_POLL=0.1		# seconds between two polls of a wait loop
T_READY_TRIES=60	# readiness polls before giving up on a daemon
T_STOP_TRIES=50		# polls for a daemon to exit after SIGTERM
T_QUERY_MS=2000		# per-query timeout (dnsq, rawq)
T_NOREPLY_MS=500	# how long "no reply" has to stay silent
T_LOG_TRIES=30		# polls waiting for a line in a daemon log
T_RELOAD_TRIES=50	# polls waiting for a reload to become visible
T_DIG_TIME=2		# seconds dig/kdig wait for a reply (+time)
T_IDLE_SLACK_MS=1500	# scheduling slack around a TCP idle timeout
T_CAP_MS=1500		# wait for replies in the connection-cap test
T_LOOP_S=4		# seconds of continuous queries (qloop) per loop
T_LOOP_RATE=3000	# qloop: queries per second at most
T_LOOP_MIN_SENT=1000	# qloop: a loop must have sent at least this many

# ---- paths ------------------------------------------------------------------
T_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T_NAME=$(basename "$0" .sh)
T_FIX=$T_ROOT/tests/integration/$T_NAME
: "${O:=build}"
case $O in
/*) T_O=$O ;;
*) T_O=$T_ROOT/$O ;;
esac
DNSD=$T_O/bin/dnsd
T_TOOLS=$T_O/tests
LOOP4=127.0.0.1
LOOP6=::1

# ---- TAP --------------------------------------------------------------------
T_N=0
T_FAILED=0

# diag TEXT...: diagnostics, each line prefixed with "# ", on stderr
diag()
{
	printf '%s\n' "$@" | sed 's/^/# /' >&2
}

# ok STATUS DESC: one test point; STATUS 0 passes.
ok()
{
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ] 2>/dev/null; then
		echo "ok $T_N - $2"
		return 0
	fi
	echo "not ok $T_N - $2"
	T_FAILED=$((T_FAILED + 1))
	return 1
}

# check DESC CMD [ARG...]: passes if the command succeeds
check()
{
	_d=$1
	shift
	if "$@"; then
		ok 0 "$_d"
	else
		ok 1 "$_d"
		diag "command failed: $*"
	fi
}

# is GOT EXPECTED DESC
is()
{
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:" "$1" "expected:" "$2"
	fi
}

# like TEXT ERE DESC: some line of TEXT matches the extended regex
like()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "no line matches: $2" "in:" "$1"
	fi
}

# unlike TEXT ERE DESC: no line of TEXT matches
unlike()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		diag "unexpected match: $2" "in:" "$1"
	else
		ok 0 "$3"
	fi
}

# bail REASON: abort the script (counts as a failure under prove)
bail()
{
	echo "Bail out! $*"
	exit 255
}

# done_testing: print the plan and exit non-zero if anything failed
done_testing()
{
	echo "1..$T_N"
	[ "$T_N" -gt 0 ] || exit 1
	[ "$T_FAILED" -eq 0 ] || exit 1
	exit 0
}

# ---- temporary folder, cleanup ------------------------------------------
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dnsd-it.XXXXXX") ||
	bail "cannot create a temporary folder"
T_PIDS=""

# t_alive PID: the process exists and is not a zombie
t_alive()
{
	[ -r "/proc/$1/stat" ] || return 1
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

# t_reap PID: SIGTERM, bounded wait, SIGKILL; sets T_STATUS (128+sig if
# killed) and returns 0 if the process left on SIGTERM in time
t_reap()
{
	_pid=$1
	_i=0
	kill -TERM "$_pid" 2>/dev/null
	while t_alive "$_pid" && [ $_i -lt $T_STOP_TRIES ]; do
		sleep $T_POLL
		_i=$((_i + 1))
	done
	_r=0
	if t_alive "$_pid"; then
		kill -KILL "$_pid" 2>/dev/null
		_r=1
	fi
	wait "$_pid" 2>/dev/null
	T_STATUS=$?
	_n=""
	for _p in $T_PIDS; do
		[ "$_p" = "$_pid" ] || _n="$_n $_p"
	done
	T_PIDS=$_n
	return $_r
}

t_cleanup()
{
	for _c in $T_PIDS; do
		t_reap "$_c"
	done
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# need FILE...: every tool must be there (a missing one is a failure)
need()
{
	for _f in "$@"; do
		case $_f in
		*/*) [ -x "$_f" ] || bail "missing $_f (build it first)" ;;
		*) command -v "$_f" >/dev/null 2>&1 ||
			bail "missing tool $_f (make deps-check)" ;;
		esac
	done
}
# run as a test itself (prove runs tests/integration/*.sh), lib.sh only
# tests its own helpers: see the end of this file
if [ "$T_NAME" != lib ]; then
	need "$DNSD" "$T_TOOLS/freeport" "$T_TOOLS/dnsq" "$T_TOOLS/rawq" dig
fi

# free_port: print a port free for UDP and TCP on 127.0.0.1 and ::1
free_port()
{
	"$T_TOOLS/freeport" || bail "no free port found"
}

# free_ports N: print N distinct free ports on one line (bounded draws:
# free_port may repeat itself)
free_ports()
{
	_fp=""
	_fi=0
	while [ "$(echo $_fp | wc -w)" -lt "$1" ] && [ $_fi -lt $(($1 * 10)) ]; do
		_p=$(free_port)
		case " $_fp " in
		*" $_p "*) ;;
		*) _fp="$_fp $_p" ;;
		esac
		_fi=$((_fi + 1))
	done
	[ "$(echo $_fp | wc -w)" -eq "$1" ] || bail "no $1 distinct free ports"
	echo $_fp
}

# copy_example DIR: the bundled example (zones/) into DIR: its files, not
# what a `make run` may have left there (sockets, state); make built its
# demo database and key.  A failure bails out.
copy_example()
{
	for _f in $(cd "$T_ROOT/zones" && find . -type f ! -name '*.state'); do
		if ! mkdir -p "$1/$(dirname "$_f")" ||
		    ! cp "$T_ROOT/zones/$_f" "$1/$_f"; then
			bail "cannot copy zones/$_f"
		fi
	done
	[ -s "$1/geo/demo.mmdb" ] ||
		bail "no zones/geo/demo.mmdb (make builds it)"
	[ -s "$1/keys/example.net.private" ] ||
		bail "no zones/keys/example.net.private (make makes it)"
}

# t_mkmmdb NETWORKS OUT: build a MaxMind database from a text fixture with
# tests/tools/mkmmdb.pl; one test point, and a failure bails out
t_mkmmdb()
{
	if perl "$T_ROOT/tests/tools/mkmmdb.pl" "$1" "$2" \
	    >"$T_TMP/mkmmdb.out" 2>&1 && [ -s "$2" ]; then
		ok 0 "mkmmdb.pl builds $(basename "$2") from $(basename "$1")"
	else
		ok 1 "mkmmdb.pl builds $(basename "$2") from $(basename "$1")"
		diag "$(cat "$T_TMP/mkmmdb.out")"
		bail "cannot build a test database"
	fi
}

# t_fake_edge NAME ARG...: start tests/tools/fake_edge ARG... as a stand-in
# edge, logging to $T_TMP/fake_NAME.log; its pid in FAKE_NAME (stopped on
# exit like the daemons).  Bails out if it does not listen (bounded).
t_fake_edge()
{
	_fn=$1
	shift
	"$T_TOOLS/fake_edge" "$@" >"$T_TMP/fake_$_fn.log" 2>&1 &
	eval "FAKE_$_fn=$!"
	T_PIDS="$T_PIDS $!"
	wait_log "$T_TMP/fake_$_fn.log" '^listening' ||
		bail "fake_edge $_fn does not start: $(cat "$T_TMP/fake_$_fn.log")"
}

# t_fixture: copy this test's fixture folder to $T_TMP/fix and print it
t_fixture()
{
	[ -d "$T_FIX" ] || bail "missing fixture folder $T_FIX"
	rm -rf "$T_TMP/fix"
	cp -R "$T_FIX" "$T_TMP/fix" || bail "cannot copy $T_FIX"
	echo "$T_TMP/fix"
}

# now_ms: milliseconds since the epoch (for measured gaps and bounds)
now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# ctl COMMAND [ARG...]: dnsdctl for the server of $CONF, output and errors
ctl()
{
	"$T_O/bin/dnsdctl" -t 10 -c "$CONF" "$@" 2>&1
}

# geo_addrs SUBNET NAME: the A addresses NAME answers a client in SUBNET
# (ECS), one a line; "timeout" without a reply, "RCODE:" for an error
# rcode
geo_addrs()
{
	_r=$(q -s "$1" "$2" A 2>/dev/null) || {
		echo timeout
		return 0
	}
	_rc=$(hdr "$_r" rcode)
	if [ "$_rc" != NOERROR ]; then
		echo "$_rc:"
		return 0
	fi
	sect "$_r" an | awk '$4 == "A" { print $5 }'
}

# ---- dnsd -------------------------------------------------------------------
# start_dnsd CONFIG [ARG...]: start dnsd on a free port of 127.0.0.1 and
# ::1 (replacing the configured listen addresses) and wait until it answers
# a SOA query for $READY_NAME (default example.net).  Sets DNSD_PID,
# DNSD_PORT, DNSD_LOG.  Returns 1 (after a diagnostic) if it does not come
# up; a port taken meanwhile is retried with another one.
READY_NAME=example.net
start_dnsd()
{
	_conf=$1
	shift
	_try=0
	while [ $_try -lt 3 ]; do
		_try=$((_try + 1))
		DNSD_PORT=$(free_port)
		DNSD_LOG=$T_TMP/dnsd.$DNSD_PORT.log
		"$DNSD" -c "$_conf" -l "$LOOP4:$DNSD_PORT" \
		    -l "[$LOOP6]:$DNSD_PORT" "$@" >"$DNSD_LOG" 2>&1 &
		DNSD_PID=$!
		T_PIDS="$T_PIDS $DNSD_PID"
		if wait_ready "$DNSD_PID" "$DNSD_PORT" "$READY_NAME"; then
			return 0
		fi
		if t_alive "$DNSD_PID"; then
			t_reap "$DNSD_PID"
			diag "dnsd did not answer in time; its log:"
			diag "$(cat "$DNSD_LOG")"
			return 1
		fi
		t_reap "$DNSD_PID"
		grep -qi 'in use' "$DNSD_LOG" && continue
		diag "dnsd exited with status $T_STATUS; its log:"
		diag "$(cat "$DNSD_LOG")"
		return 1
	done
	diag "no port could be used"
	return 1
}

# wait_ready PID PORT NAME: poll with dig until the server answers (any
# rcode), while the process lives; bounded by T_READY_TRIES
wait_ready()
{
	_i=0
	while [ $_i -lt $T_READY_TRIES ]; do
		t_alive "$1" || return 1
		if dig +tries=1 +time=1 +norec @$LOOP4 -p "$2" "$3" SOA \
		    >/dev/null 2>&1; then
			return 0
		fi
		sleep $T_POLL
		_i=$((_i + 1))
	done
	return 1
}

# stop_dnsd: SIGTERM, then one test point: dnsd left in time with status 0
# and its log shows no sanitizer report
stop_dnsd()
{
	[ -n "${DNSD_PID:-}" ] || return 0
	if t_reap "$DNSD_PID"; then
		_st=$T_STATUS
	else
		_st="killed (no exit in time)"
	fi
	DNSD_PID=""
	if [ "$_st" = 0 ] && ! san_report "$DNSD_LOG"; then
		ok 0 "dnsd stops cleanly on SIGTERM"
	else
		ok 1 "dnsd stops cleanly on SIGTERM"
		diag "exit status: $_st; log:" "$(tail -n 30 "$DNSD_LOG")"
	fi
}

# san_report LOG: the log holds an ASan/UBSan/LSan report
san_report()
{
	grep -Eq 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:' \
	    "$1"
}

# wait_log FILE ERE: wait (bounded) until a line of FILE matches
wait_log()
{
	_i=0
	while [ $_i -lt $T_LOG_TRIES ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep $T_POLL
		_i=$((_i + 1))
	done
	return 1
}

# ---- queries --------------------------------------------------------------
# q [DNSQ-OPTION...] NAME TYPE: query dnsd over IPv4, canonical output
# (see tests/tools/dnsq.c); QADDR overrides the address
q()
{
	_n=$#
	_name=$(eval "printf '%s' \"\${$((_n - 1))}\"")
	_type=$(eval "printf '%s' \"\${$_n}\"")
	# options are all but the last two arguments
	_k=0
	for _a in "$@"; do
		_k=$((_k + 1))
		[ $_k -le $((_n - 2)) ] || break
		set -- "$@" "$_a"
	done
	shift $_n
	"$T_TOOLS/dnsq" -p "$DNSD_PORT" -w $T_QUERY_MS "$@" \
	    "${QADDR:-$LOOP4}" "$_name" "$_type"
}

# t_dig ARG...: dig at dnsd (no recursion, one try), stdout and stderr
t_dig()
{
	dig +norec +tries=1 +time=$T_DIG_TIME @$LOOP4 -p "$DNSD_PORT" "$@" 2>&1
}

# t_kdig ARG...: the same with kdig (Knot's client, another parser)
t_kdig()
{
	kdig +norec +retry=0 +time=$T_DIG_TIME @$LOOP4 -p "$DNSD_PORT" "$@" 2>&1
}

# hdr OUT FIELD: a header field (rcode, flags, qd, an, ns, ar, size)
hdr()
{
	printf '%s\n' "$1" | sed -n '/^hdr /p' | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# edns OUT FIELD: an EDNS field (version, udp, do, opts, optrr)
edns()
{
	printf '%s\n' "$1" | sed -n '/^edns /p' | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# has_flag OUT FLAG: the reply header has FLAG (qr, aa, tc, rd, ra, ...)
has_flag()
{
	case ",$(hdr "$1" flags)," in
	*",$2,"*) return 0 ;;
	esac
	return 1
}

# sect OUT TAG: the lines of one section (qd, an, ns, ar), without the tag
sect()
{
	printf '%s\n' "$1" | sed -n "s/^$2 //p"
}

# is_rcode OUT RCODE DESC
is_rcode()
{
	is "$(hdr "$1" rcode)" "$2" "$3"
	[ "$(hdr "$1" rcode)" = "$2" ] || diag "reply:" "$1"
}

# is_flag OUT FLAG yes|no DESC
is_flag()
{
	if has_flag "$1" "$2"; then
		_g=yes
	else
		_g=no
	fi
	is "$_g" "$3" "$4"
}

# ---- raw packets ----------------------------------------------------------
# hexname NAME: a domain name in wire format, as hex ("." is the root)
hexname()
{
	_out=""
	_rest=${1%.}
	while [ -n "$_rest" ]; do
		_lab=${_rest%%.*}
		case $_rest in
		*.*) _rest=${_rest#*.} ;;
		*) _rest="" ;;
		esac
		_out=$_out$(printf '%02x' ${#_lab})$(printf '%s' "$_lab" |
		    od -An -v -tx1 | tr -d ' \n')
	done
	printf '%s00' "$_out"
}

# hex16 N: a 16-bit big-endian value as hex
hex16()
{
	printf '%04x' "$1"
}

# hexhdr ID FLAGS QD AN NS AR: a DNS header (FLAGS as a 16-bit number)
hexhdr()
{
	printf '%04x%04x%04x%04x%04x%04x' "$1" "$2" "$3" "$4" "$5" "$6"
}

# hexquery ID NAME QTYPE [FLAGS]: a plain query without EDNS
hexquery()
{
	printf '%s%s%04x0001' "$(hexhdr "$1" "${4:-0}" 1 0 0 0)" \
	    "$(hexname "$2")" "$3"
}

# rawq [RAWQ-OPTION...] HEX: send to dnsd over IPv4 (see tests/tools/rawq.c)
rawq()
{
	_n=$#
	_hex=$(eval "printf '%s' \"\${$_n}\"")
	_k=0
	for _a in "$@"; do
		_k=$((_k + 1))
		[ $_k -lt $_n ] || break
		set -- "$@" "$_a"
	done
	shift $_n
	"$T_TOOLS/rawq" -w $T_QUERY_MS "$@" "$LOOP4" "$DNSD_PORT" "$_hex"
}

# field LINE KEY: value of key=value in a rawq -f line
field()
{
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# ---- NSD, the oracle --------------------------------------------------------
# start_nsd NAME:FILE...: serve the zones with NSD on a free port of
# 127.0.0.1, in its own folder under $T_TMP; waits until it answers SOA for
# the first zone.  Sets NSD_PID, NSD_PORT, NSD_LOG.  Returns 1 on failure.
start_nsd()
{
	need nsd
	_dir=$T_TMP/nsd
	mkdir -p "$_dir" || return 1
	_first=${1%%:*}
	_try=0
	while [ $_try -lt 3 ]; do
		_try=$((_try + 1))
		NSD_PORT=$(free_port)
		NSD_LOG=$_dir/nsd.log
		cat >"$_dir/nsd.conf" <<CONF
server:
	ip-address: $LOOP4
	port: $NSD_PORT
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: "$_dir"
	database: ""
	pidfile: "$_dir/nsd.pid"
	xfrdfile: "$_dir/xfrd.state"
	zonelistfile: "$_dir/zone.list"
	xfrdir: "$_dir"
	logfile: "$NSD_LOG"
	verbosity: 1
	hide-version: yes
	hide-identity: yes
	refuse-any: no
	minimal-responses: no
remote-control:
	control-enable: no
CONF
		for _z in "$@"; do
			printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' \
			    "${_z%%:*}" "${_z#*:}" >>"$_dir/nsd.conf"
		done
		nsd -d -c "$_dir/nsd.conf" >"$_dir/nsd.out" 2>&1 &
		NSD_PID=$!
		T_PIDS="$T_PIDS $NSD_PID"
		if wait_ready "$NSD_PID" "$NSD_PORT" "$_first"; then
			return 0
		fi
		t_alive "$NSD_PID" || grep -qi 'in use' "$_dir/nsd.out" \
		    "$NSD_LOG" 2>/dev/null || _try=3
		t_reap "$NSD_PID"
	done
	diag "nsd did not come up; its output:" \
	    "$(cat "$_dir/nsd.out" "$NSD_LOG" 2>/dev/null)"
	return 1
}

# stop_nsd: stop it (bounded); returns 1 if it had to be killed
stop_nsd()
{
	[ -n "${NSD_PID:-}" ] || return 0
	t_reap "$NSD_PID"
	_r=$?
	NSD_PID=""
	return $_r
}

# ---- self-test, when run rather than sourced --------------------------------
if [ "$T_NAME" = lib ]; then
	need "$T_TOOLS/freeport"
	is "$(hexname www.Example.net)" 03777777074578616d706c65036e657400 \
	    "hexname: labels and case kept"
	is "$(hexname .)" 00 "hexname: the root"
	is "$(hexquery 4660 a.b 16 256)" \
	    123401000001000000000000016101620000100001 \
	    "hexquery: header, name, type, class IN"
	out="hdr rcode=NXDOMAIN opcode=0 flags=qr,aa,tc qd=1 an=0 ns=1 ar=1 size=99
edns version=0 udp=1232 do=1 opts=0 optrr=1
qd Www.example.net. IN A
ns example.net. 300 IN SOA a. b. 1 2 3 4 5
ptrs=1"
	is "$(hdr "$out" rcode)/$(hdr "$out" ns)/$(hdr "$out" size)" \
	    NXDOMAIN/1/99 "hdr: header fields"
	is "$(edns "$out" udp)/$(edns "$out" "do")" 1232/1 "edns: OPT fields"
	is "$(sect "$out" qd)" "Www.example.net. IN A" "sect: one section"
	is "$(sect "$out" an)" "" "sect: an empty section"
	check "has_flag: tc is set" has_flag "$out" tc
	check "has_flag: ra is not (and qr,aa do not match a)" \
	    eval '! has_flag "$out" ra && ! has_flag "$out" a'
	is "$(field "id=7 rcode=4 opcode=2 flags=qr" opcode)" 2 "field: rawq -f"
	p=$(free_port)
	check "free_port: a port number ($p)" test "$p" -gt 1023 -a "$p" -lt 65536
	check "t_alive: this shell" t_alive $$
	sleep 10 &
	p=$!
	T_PIDS="$T_PIDS $p"
	sleep 0.3 # let it exec: a signal before that can be lost
	t_reap $p
	check "t_reap: stops a process on SIGTERM" eval '! t_alive $p'
	is "$T_STATUS" 143 "t_reap: its status is 128+SIGTERM"
	is "$T_PIDS" "" "t_reap: forgets the process"
	f=$T_FAILED
	( ok 1 "inner failure" >/dev/null; exit $((T_FAILED - f)) )
	is $? 1 "ok: counts failures"
	done_testing
fi
