#!/bin/sh
# 99_anycast: edge-health's anycast role with BIRD, in network namespaces
# of its own (removed on exit).  A router runs bird2 with an eBGP session
# to each of two points of presence (POPs); each POP runs dnsd on the
# anycast address (on its loopback) and its own, edge-health in the
# anycast role probing that dnsd with a dns check, and bird2 announcing
# what edge-health's include file holds.  The router prefers POP1 (local
# preference), and a client behind the router asks the anycast address
# for CHAOS id.server continuously (each dnsd has its own identity).
#   1. POP1 answers; the router's best route goes via POP1; a POP's
#      edge-health started before its BIRD retries the reload until BIRD
#      is up; the include file is what `bird -p` accepts;
#   2. dnsd in POP1 stops (SIGTERM): the route is withdrawn and POP2
#      answers; the gap (first failed query to first POP2 answer) is
#      printed and is under fall x interval + 2 s;
#   3. dnsd in POP1 comes back: announced again after rise, POP1 answers;
#   4. edge-health in POP1 restarts, and reloads (SIGHUP): the healthy POP
#      is never withdrawn, the file not rewritten;
#   5. dnsd in POP1 hangs (SIGSTOP): withdrawn the same way, gap measured;
#      SIGCONT: back to POP1;
#   6. dnsd in POP1 answers SERVFAIL for the service name (its only edge
#      forced down, all_down: servfail): withdrawn, gap measured; the
#      edge back (dnsdctl auto): announced again;
#   0. configuration errors (bad prefix, bad bird_reload) at file:line:col.
# Needs root (namespaces), bird, birdc and ip: without them it fails.
. "$(dirname "$0")/lib.sh"
EH=$T_O/bin/edge-health
CTL=$T_O/bin/dnsdctl
DNSQ=$T_TOOLS/dnsq
HTTPGET=$T_TOOLS/httpget
need "$EH" "$CTL" "$DNSQ" "$HTTPGET" bird birdc ip sysctl

# The anycast role's timing in the POPs.
INTERVAL_MS=300
TIMEOUT_MS=200
FALL=3
RISE=2
# A withdrawn POP stops getting queries within this (the brief's bound).
GAP_MAX_MS=$((FALL * INTERVAL_MS + 2000))
# Bound of every wait on routing: BIRD up, BGP established, a route moving.
T_NET_MS=20000

D=$T_TMP
SVC=10.99.53.53          # the anycast service address
SVC6=2001:db8:99::53     # announced too (no IPv6 session: BIRD's side only)
NS=dnsd-any-$$
NS_R=$NS-r
NS_P1=$NS-p1
NS_P2=$NS-p2
NS_C=$NS-c

# ---- 6 first: configuration errors need no network --------------------------
cat >"$D/good.yaml" <<YAML
anycast:
  checks:
    - {type: dns, address: "$SVC:53", name: cdn.example.net, qtype: SOA}
  prefixes: [$SVC/32, "$SVC6/128"]
  bird_include: anycast.conf
allow_root: true
YAML
out=$("$EH" -n -c "$D/good.yaml" 2>&1)
is "$?" 0 "-n: an anycast-only configuration (no edges, no checks) passes"
like "$out" 'ok, prober [^ ]+, 0 edges probed, 0 feeds, anycast role$' "-n: says what it loaded"
cat >"$D/bad.yaml" <<YAML
anycast:
  checks:
    - {type: dns, address: "$SVC:53", name: cdn.example.net, qtype: SOA}
  prefixes: [10.99.53.53/24, "2001:db8::53/129", nonsense, 10.99.53.53]
  bird_include: anycast.conf
  bird_reload: "birdc configure"
  timeout: 2s
  interval: 1s
allow_root: true
YAML
out=$("$EH" -n -c "$D/bad.yaml" 2>&1)
is "$?" 1 "-n: a bad anycast section fails"
like "$out" 'bad\.yaml:4:14: anycast: prefixes: "10\.99\.53\.53/24": host bits set \(10\.99\.53\.0/24\?\)' \
    "-n: host bits set, at file:line:col"
like "$out" 'bad\.yaml:4:30: anycast: prefixes: "2001:db8::53/129": prefix length not in 1\.\.128' \
    "-n: prefix length out of range, at file:line:col"
like "$out" 'bad\.yaml:4:50: anycast: prefixes: "nonsense": not a prefix' \
    "-n: not a prefix, at file:line:col"
unlike "$out" 'bad\.yaml:4:60' "-n: a bare address is a host prefix"
like "$out" 'bad\.yaml:6:16: anycast: bird_reload: expected a list, the command and its arguments \(no shell\)' \
    "-n: bird_reload as a shell string, at file:line:col"
like "$out" 'bad\.yaml:2:3: anycast: timeout \(2000 ms\) is longer than interval \(1000 ms\)' \
    "-n: timeout longer than interval"
cat >"$D/bad2.yaml" <<YAML
anycast:
  checks: []
  prefixes: [$SVC/32, $SVC/32]
  bird_include: anycast.conf
  bird_reload: [/nonexistent/birdc, configure]
allow_root: true
YAML
out=$("$EH" -n -c "$D/bad2.yaml" 2>&1)
like "$out" 'bad2\.yaml:5:17: anycast: bird_reload: /nonexistent/birdc: not an executable file' \
    "-n: a bird_reload program that is not there, at file:line:col"
like "$out" 'bad2\.yaml:3:30: anycast: prefixes: 10\.99\.53\.53/32 twice' \
    "-n: a prefix twice"
like "$out" 'bad2\.yaml:2:11: anycast: checks: no checks' "-n: no checks"
out=$("$EH" -n -c "$T_ROOT/dist/anycast/edge-health.yaml" 2>&1)
is "$?" 0 "-n: dist/anycast/edge-health.yaml passes"
printf 'allow_root: true\n' >"$D/none.yaml"
out=$("$EH" -n -c "$D/none.yaml" 2>&1)
like "$out" 'none\.yaml:1:1: top level: missing required key "edges"' \
    "-n: without anycast, edges and checks stay required"

# ---- the network --------------------------------------------------------------
# Remove the namespaces (and anything left in them) on any exit, after
# lib.sh has stopped the daemons it knows (a stopped one is continued
# first, or SIGTERM could not end it).
ns_cleanup()
{
	for _ns in $NS_C $NS_P1 $NS_P2 $NS_R; do
		[ -e "/run/netns/$_ns" ] || continue
		for _p in $(ip netns pids "$_ns" 2>/dev/null); do
			kill -CONT "$_p" 2>/dev/null
			kill -KILL "$_p" 2>/dev/null
		done
		ip netns del "$_ns" 2>/dev/null
	done
}
trap 'for _c in $T_PIDS; do kill -CONT "$_c" 2>/dev/null; done
	t_cleanup; ns_cleanup' EXIT

for n in $NS_R $NS_P1 $NS_P2 $NS_C; do
	ip netns add "$n" 2>"$D/netns.err" ||
		bail "cannot create network namespace $n (root needed): $(cat "$D/netns.err")"
	ip -n "$n" link set lo up || bail "ip -n $n link set lo up failed"
done

# veth NS_A DEV_A ADDR_A NS_B DEV_B ADDR_B: a link between two namespaces
veth()
{
	ip -n "$1" link add "$2" type veth peer name "$5" netns "$4" &&
	    ip -n "$1" addr add "$3" dev "$2" &&
	    ip -n "$1" link set "$2" up &&
	    ip -n "$4" addr add "$6" dev "$5" &&
	    ip -n "$4" link set "$5" up
}
veth "$NS_R" r1 10.99.1.1/24 "$NS_P1" wan 10.99.1.2/24 &&
    veth "$NS_R" r2 10.99.2.1/24 "$NS_P2" wan 10.99.2.2/24 &&
    veth "$NS_R" rc 10.99.3.1/24 "$NS_C" wan 10.99.3.2/24 &&
    ip -n "$NS_P1" addr add $SVC/32 dev lo &&
    ip -n "$NS_P2" addr add $SVC/32 dev lo &&
    ip -n "$NS_P1" route add default via 10.99.1.1 &&
    ip -n "$NS_P2" route add default via 10.99.2.1 &&
    ip -n "$NS_C" route add default via 10.99.3.1 &&
    ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1 ||
	bail "cannot set up the test network"
ok 0 "network: router, two POPs and a client in namespaces $NS-*"

# ---- configurations --------------------------------------------------------------
# Short BGP timers: the test is about edge-health, not BGP convergence.
TIMERS="hold time 3; keepalive time 1; connect delay time 1;
	connect retry time 1; error wait time 1, 2;"
mkdir -p "$D/r" "$D/p1" "$D/p2" || bail "cannot create folders"
cat >"$D/r/bird.conf" <<CONF
log stderr all;
router id 10.99.3.1;
protocol device { scan time 1; }
# The best routes into this namespace's kernel: the client's queries follow.
protocol kernel { ipv4 { import none; export all; }; }
template bgp pop {
	local as 65000;
	$TIMERS
}
# POP1 is preferred while it announces: a higher local preference.
protocol bgp pop1 from pop {
	neighbor 10.99.1.2 as 65001;
	ipv4 { import filter { bgp_local_pref = 200; accept; }; export none; };
}
protocol bgp pop2 from pop {
	neighbor 10.99.2.2 as 65002;
	ipv4 { import all; export none; };
}
CONF
cat >"$D/cdn.example.net.yaml" <<YAML
zone: cdn.example.net
ttl: 1h
records:
  "@":
    SOA: ns1 hostmaster 1 2h 1h 2w 5m
    NS: ns1
  ns1: { A: $SVC }
# The service name the anycast check asks: SERVFAIL when its edge is down.
geo:
  www:
    pool: [e1]
    all_down: servfail
YAML
cat >"$D/edges.yaml" <<YAML
edges:
  e1:
    location: [51.5, -0.1]
    addresses: [192.0.2.1]
YAML
# pop_conf N: bird.conf, dnsd.yaml and edge-health.yaml of POP N
pop_conf()
{
	_d=$D/p$1
	cat >"$_d/bird.conf" <<CONF
log stderr all;
router id 10.99.$1.2;
protocol device { scan time 1; }
include "$_d/anycast.conf";
protocol bgp upstream {
	local as 6500$1;
	neighbor 10.99.$1.1 as 65000;
	$TIMERS
	ipv4 { import none; export where proto = "anycast4"; };
}
CONF
	cat >"$_d/dnsd.yaml" <<YAML
server:
  listen: [$SVC:53, 10.99.$1.2:53]
  identity: pop$1
zones: [../cdn.example.net.yaml]
edges: ../edges.yaml
control: dnsd.ctl
allow_root: true
YAML
	cat >"$_d/edge-health.yaml" <<YAML
anycast:
  checks:
    - {type: dns, address: "$SVC:53", name: www.cdn.example.net, qtype: A,
       rcode: NOERROR}
  interval: ${INTERVAL_MS}ms
  timeout: ${TIMEOUT_MS}ms
  fall: $FALL
  rise: $RISE
  prefixes: [$SVC/32, "$SVC6/128"]
  bird_include: anycast.conf
  bird_reload: [birdc, -s, $_d/bird.ctl, configure]
prober: pop$1
metrics: 127.0.0.1:9154
allow_root: true
YAML
}
pop_conf 1
pop_conf 2
out=$("$EH" -n -c "$D/p1/edge-health.yaml" 2>&1)
is "$?" 0 "-n: the POPs' configuration passes"

# ---- daemons -----------------------------------------------------------------
# nsx NS CMD...: run CMD in namespace NS (not for `&`: a function in the
# background is a subshell, and $! would not be the daemon; `ip netns exec`
# itself execs CMD)
nsx()
{
	_n=$1
	shift
	ip netns exec "$_n" "$@"
}

# start_bird DIR NS: bird in the foreground with its own socket and pid
# file; waits (bounded) until birdc gets an answer.  Sets BIRD_PID.
start_bird()
{
	ip netns exec "$2" bird -f -c "$1/bird.conf" -s "$1/bird.ctl" -P "$1/bird.pid" \
	    >>"$1/bird.log" 2>&1 &
	BIRD_PID=$!
	T_PIDS="$T_PIDS $BIRD_PID"
	_i=0
	while [ $_i -lt $T_READY_TRIES ]; do
		birdc -s "$1/bird.ctl" show status >/dev/null 2>&1 && return 0
		t_alive "$BIRD_PID" || break
		sleep $T_POLL
		_i=$((_i + 1))
	done
	diag "bird in $2 does not start; its log:" "$(cat "$1/bird.log")"
	return 1
}

# start_pop_dnsd N: dnsd in POP N; waits (bounded) until it answers on the
# anycast address there.  Sets DNSD_P<N>.
start_pop_dnsd()
{
	ip netns exec "$NS-p$1" "$DNSD" -c "$D/p$1/dnsd.yaml" \
	    >>"$D/p$1/dnsd.log" 2>&1 &
	eval "DNSD_P$1=$!"
	T_PIDS="$T_PIDS $!"
	_i=0
	while [ $_i -lt $T_READY_TRIES ]; do
		nsx "$NS-p$1" "$DNSQ" -w 300 -p 53 $SVC cdn.example.net SOA \
		    >/dev/null 2>&1 && return 0
		sleep $T_POLL
		_i=$((_i + 1))
	done
	diag "dnsd in POP$1 does not answer; its log:" "$(cat "$D/p$1/dnsd.log")"
	return 1
}

# start_pop_eh N: edge-health in POP N.  Sets EH_P<N>.
start_pop_eh()
{
	ip netns exec "$NS-p$1" "$EH" -c "$D/p$1/edge-health.yaml" \
	    >>"$D/p$1/eh.log" 2>&1 &
	eval "EH_P$1=$!"
	T_PIDS="$T_PIDS $!"
}

# rt ARG...: birdc at the router
rt()
{
	birdc -s "$D/r/bird.ctl" "$@" 2>&1
}

# best_via: the next hop of the router's best route to the service
best_via()
{
	rt show route for $SVC primary | sed -n 's/^[[:space:]]*via \([0-9.]*\) .*/\1/p' |
	    head -n 1
}

# wait_for MAX_MS DESC CMD...: poll CMD (bounded) until it succeeds;
# sets WAITED_MS
wait_for()
{
	_max=$1
	_desc=$2
	shift 2
	_t0=$(now_ms)
	while :; do
		"$@" && { WAITED_MS=$(($(now_ms) - _t0)); return 0; }
		WAITED_MS=$(($(now_ms) - _t0))
		[ $WAITED_MS -lt "$_max" ] || break
		sleep $T_POLL
	done
	diag "waited $WAITED_MS ms for: $_desc"
	return 1
}

via_is()
{
	[ "$(best_via)" = "$1" ]
}

established()
{
	rt show protocols "$1" | grep -q Established
}

# dnsd first, then edge-health (it writes the include file, withdrawn,
# before BIRD, which includes it, starts: its reloads fail until BIRD is
# up), then BIRD.
for n in 1 2; do
	start_pop_dnsd $n || bail "dnsd does not start in POP$n"
	start_pop_eh $n
done
check "POP1: edge-health writes the include file at once (withdrawn)" \
    wait_for 5000 "p1/anycast.conf" test -s "$D/p1/anycast.conf"
check "POP1: edge-health retries the reload while BIRD is not up" \
    wait_log "$D/p1/eh.log" 'warning: anycast: birdc .*: exit status 1: Unable to connect to server control socket.*retrying every 300 ms'
start_bird "$D/r" "$NS_R" || bail "the router's bird does not start"
start_bird "$D/p1" "$NS_P1" || bail "POP1's bird does not start"
start_bird "$D/p2" "$NS_P2" || bail "POP2's bird does not start"
check "POP1: the reload works once BIRD is up" \
    wait_log "$D/p1/eh.log" 'notice: anycast: birdc .*: ok after [0-9]+ failures'
check "router: BGP with POP1 established" \
    wait_for $T_NET_MS "BGP pop1" established pop1
check "router: BGP with POP2 established" \
    wait_for $T_NET_MS "BGP pop2" established pop2

# ---- 1. POP1 answers -------------------------------------------------------------
CLOG=$D/client.log
cat >"$D/client.sh" <<'EOF'
# The client: ask $2 for CHAOS id.server over and over; one line per
# query, "MS WHO": the time it was sent and who answered (or "fail").
while :; do
	t=$(date +%s%N)
	r=$("$1" -c CH -w 200 -p 53 "$2" id.server TXT 2>/dev/null |
	    sed -n 's/^an .* TXT "\(.*\)"$/\1/p')
	echo "$((t / 1000000)) ${r:-fail}"
	sleep 0.05
done
EOF
ip netns exec "$NS_C" sh "$D/client.sh" "$DNSQ" $SVC >"$CLOG" 2>&1 &
T_PIDS="$T_PIDS $!"

# last_who: who answered the client's newest query
last_who()
{
	tail -n 1 "$CLOG" 2>/dev/null | cut -d' ' -f2
}

client_is()
{
	[ "$(last_who)" = "$1" ]
}

# gap T0 WHO: ms from the client's first failed query sent at or after T0
# (or from T0 if none failed) to its first query answered by WHO after it
gap()
{
	awk -v t0="$1" -v who="$2" '$1 >= t0 {
		if (f == "" && $2 == "fail") f = $1
		if ($2 == who) { print $1 - (f == "" ? t0 : f); exit }
	}' "$CLOG"
}

# fails T0: failed queries sent at or after T0
fails()
{
	awk -v t0="$1" '$1 >= t0 && $2 == "fail" { n++ } END { print n + 0 }' \
	    "$CLOG"
}

check "router: the best route to $SVC goes via POP1" \
    wait_for $T_NET_MS "route via 10.99.1.2" via_is 10.99.1.2
like "$(rt show route for $SVC all)" 'via 10\.99\.2\.2' \
    "router: POP2's route is there too (not preferred)"
like "$(ip -n "$NS_R" route get $SVC)" 'via 10\.99\.1\.2' \
    "router: its kernel forwards to POP1"
check "client: answered by POP1" wait_for $T_NET_MS "client pop1" client_is pop1
like "$(cat "$D/p1/anycast.conf")" '^protocol static anycast4 \{' \
    "include: a static protocol for IPv4"
like "$(cat "$D/p1/anycast.conf")" "route $SVC/32 unreachable;" \
    "include: the IPv4 prefix"
like "$(cat "$D/p1/anycast.conf")" "^protocol static anycast6 \\{" \
    "include: a static protocol for IPv6"
like "$(rt show route for $SVC all)" 'AS65001' "router: POP1's route from AS65001"
out=$(bird -p -c "$D/p1/bird.conf" 2>&1)
is "$?" 0 "bird -p accepts the announcing include"
sed "s|/run/edge-health/anycast.conf|$D/p1/anycast.conf|" \
    "$T_ROOT/dist/anycast/bird.conf" >"$D/dist-bird.conf"
out=$(bird -p -c "$D/dist-bird.conf" 2>&1)
is "$?" 0 "bird -p accepts dist/anycast/bird.conf with it"
[ -z "$out" ] || diag "$out"
like "$(birdc -s "$D/p1/bird.ctl" show route 2>&1)" "$SVC6/128 +unreachable \\[anycast6" \
    "POP1's BIRD holds the IPv6 route too"
like "$(cat "$D/p1/eh.log")" 'notice: anycast: dnsd answers: announcing 10\.99\.53\.53/32, 2001:db8:99::53/128 \(2 good rounds\)' \
    "log: announced after rise"
met=$(nsx "$NS_P1" "$HTTPGET" -w 2000 127.0.0.1:9154 /metrics 2>/dev/null)
like "$met" '^edge_health_anycast_announced 1$' "metrics: announced 1"
like "$met" '^edge_health_anycast_reload_failures_total [1-9][0-9]*$' \
    "metrics: the reloads that failed before BIRD was up"
like "$met" '^edge_health_anycast_transitions_total\{to="announced"\} 1$' \
    "metrics: one transition to announced"

# ---- 2. dnsd in POP1 stops ----------------------------------------------------
t0=$(now_ms)
t_reap "$DNSD_P1"
check "client: answered by POP2 once POP1's dnsd stopped" \
    wait_for $T_NET_MS "client pop2" client_is pop2
g=$(gap "$t0" pop2)
diag "dnsd stopped (SIGTERM): gap $g ms from the first failed query to the first answer from POP2 ($(fails "$t0") failed queries; bound $GAP_MAX_MS ms)"
check "SIGTERM: the gap ($g ms) is under fall x interval + 2 s ($GAP_MAX_MS ms)" \
    test -n "$g" -a "${g:-99999}" -lt $GAP_MAX_MS
unlike "$(rt show route for $SVC all)" 'via 10\.99\.1\.2' \
    "router: POP1's route withdrawn"
like "$(cat "$D/p1/eh.log")" "notice: anycast: withdrawing $SVC/32, $SVC6/128 after 3 failed rounds: $SVC:53: dns: " \
    "log: withdrawn with the reason"
like "$(head -n 1 "$D/p1/anycast.conf")" '^# edge-health anycast: withdrawn$' \
    "include: says withdrawn"
unlike "$(cat "$D/p1/anycast.conf")" 'protocol' "include: no protocol left"
out=$(bird -p -c "$D/p1/bird.conf" 2>&1)
is "$?" 0 "bird -p accepts the withdrawn include"

# ---- 3. dnsd in POP1 comes back -----------------------------------------------
start_pop_dnsd 1 || bail "dnsd does not restart in POP1"
check "router: the route via POP1 returns" \
    wait_for $T_NET_MS "route via 10.99.1.2" via_is 10.99.1.2
check "client: answered by POP1 again" wait_for $T_NET_MS "client pop1" client_is pop1
like "$(cat "$D/p1/eh.log")" 'notice: anycast: dnsd answers again: announcing' \
    "log: announced again"
n=$(grep -c 'anycast: withdrawing' "$D/p1/eh.log")
is "$n" 1 "log: the withdrawal was logged once"

# ---- 4. edge-health restarts, reloads: a healthy POP stays announced --------------
ino=$(stat -c %i "$D/p1/anycast.conf")
t1=$(now_ms)
t_reap "$EH_P1"
is "$T_STATUS" 0 "edge-health in POP1: SIGTERM, exit status 0"
like "$(head -n 1 "$D/p1/anycast.conf")" '^# edge-health anycast: announced$' \
    "stopped: the include file still announces"
start_pop_eh 1
check "restarted: it reads what the file says" \
    wait_log "$D/p1/eh.log" 'info: anycast: .*/p1/anycast\.conf announces: kept while the checks pass'
sleep $(((RISE + FALL) * INTERVAL_MS / 1000 + 1))
is "$(stat -c %i "$D/p1/anycast.conf")" "$ino" \
    "restarted: the include file is not rewritten"
is "$(fails "$t1")" 0 "restarted: no query failed meanwhile"
check "restarted: the client stays with POP1" client_is pop1
kill -HUP "$EH_P1"
check "SIGHUP: reloaded" wait_log "$D/p1/eh.log" 'notice: reload: 0 edges probed'
sleep $(((RISE + FALL) * INTERVAL_MS / 1000 + 1))
is "$(stat -c %i "$D/p1/anycast.conf")" "$ino" \
    "SIGHUP: the include file is not rewritten"
is "$(grep -c 'anycast: withdrawing' "$D/p1/eh.log")" 1 \
    "restart and SIGHUP: nothing withdrawn"

# ---- 5. dnsd in POP1 hangs ------------------------------------------------------
t0=$(now_ms)
kill -STOP "$DNSD_P1"
check "client: answered by POP2 while POP1's dnsd hangs" \
    wait_for $T_NET_MS "client pop2" client_is pop2
g=$(gap "$t0" pop2)
diag "dnsd hung (SIGSTOP): gap $g ms from the first failed query to the first answer from POP2 ($(fails "$t0") failed queries; bound $GAP_MAX_MS ms)"
check "SIGSTOP: the gap ($g ms) is under fall x interval + 2 s ($GAP_MAX_MS ms)" \
    test -n "$g" -a "${g:-99999}" -lt $GAP_MAX_MS
like "$(cat "$D/p1/eh.log")" "withdrawing $SVC/32, $SVC6/128 after 3 failed rounds: $SVC:53: timeout after $TIMEOUT_MS ms" \
    "log: withdrawn on timeouts"
unlike "$(rt show route for $SVC all)" 'via 10\.99\.1\.2' \
    "router: POP1's route withdrawn"
kill -CONT "$DNSD_P1"
check "SIGCONT: the route via POP1 returns" \
    wait_for $T_NET_MS "route via 10.99.1.2" via_is 10.99.1.2
check "SIGCONT: the client is answered by POP1 again" \
    wait_for $T_NET_MS "client pop1" client_is pop1

# ---- 6. dnsd in POP1 answers SERVFAIL ------------------------------------------
t0=$(now_ms)
out=$("$CTL" -c "$D/p1/dnsd.yaml" force-down e1 2>&1)
is "$?" 0 "dnsdctl force-down e1 in POP1: its service name answers SERVFAIL" ||
    diag "$out"
check "client: answered by POP2 while POP1's dnsd answers SERVFAIL" \
    wait_for $T_NET_MS "client pop2" client_is pop2
g=$(gap "$t0" pop2)
diag "dnsd answers SERVFAIL: $g ms from dnsdctl force-down to the first answer from POP2 ($(fails "$t0") failed queries; bound $GAP_MAX_MS ms)"
check "SERVFAIL: the gap ($g ms) is under fall x interval + 2 s ($GAP_MAX_MS ms)" \
    test -n "$g" -a "${g:-99999}" -lt $GAP_MAX_MS
like "$(cat "$D/p1/eh.log")" "withdrawing $SVC/32, $SVC6/128 after 3 failed rounds: $SVC:53: dns: rcode SERVFAIL \\(expected NOERROR\\)" \
    "log: withdrawn on SERVFAIL, with the rcode"
"$CTL" -c "$D/p1/dnsd.yaml" auto e1 >/dev/null 2>&1
check "dnsdctl auto e1: the route via POP1 returns" \
    wait_for $T_NET_MS "route via 10.99.1.2" via_is 10.99.1.2
check "dnsdctl auto e1: the client is answered by POP1 again" \
    wait_for $T_NET_MS "client pop1" client_is pop1

# ---- stop -----------------------------------------------------------------------
for n in 1 2; do
	eval "t_reap \$EH_P$n"
	is "$T_STATUS" 0 "edge-health in POP$n: clean stop"
	check "edge-health in POP$n: no sanitizer report" \
	    eval '! san_report "$D/p$n/eh.log"'
done
done_testing
