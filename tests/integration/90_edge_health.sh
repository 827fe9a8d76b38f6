#!/bin/sh
# 90_edge_health: edge-health against real stand-in edges (tests/tools/
# fake_edge) for every check kind, passing and failing: wrong status,
# missing body text, a hang past the timeout, connection refused, TLS
# verification against a self-signed certificate (on: fails, off: passes).
# The feed is watched with tests/tools/hmsg_listen: transitions arrive
# within fall x interval + slack and go back up after rise; the log gives
# the reason once.  Also -n, SIGHUP reload (good and bad), a restart that
# flaps no edge (a healthy one starts up, a down one stays down through
# state_file), and a clean SIGTERM.
. "$(dirname "$0")/lib.sh"
EH=$T_O/bin/edge-health
need "$EH" "$T_TOOLS/fake_edge" "$T_TOOLS/hmsg_listen" openssl

# Timing of the test configuration: a down needs FALL rounds, an up RISE.
INTERVAL_MS=250
TIMEOUT_MS=150
FALL=2
RISE=2
# polls (of T_POLL) for a transition: (FALL+1) intervals with +10% jitter
# and the first round's random phase, plus a generous slack for loaded
# machines and sanitizer builds
T_FEED_TRIES=60

D=$T_TMP
FEED=$D/feed.out
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=gru.example.net \
    -addext subjectAltName=DNS:gru.example.net,DNS:sin.example.net \
    -keyout "$D/key.pem" -out "$D/cert.pem" >/dev/null 2>&1 ||
	bail "openssl cannot make a certificate"

P_HTTP=$(free_port)	# lhr (http, control file), fra (tcp)
P_HANG=$(free_port)	# sjc: answers, then hangs
P_TLS=$(free_port)	# gru (verify on), sin (verify off)
P_NOPE=$(free_port)	# nrt: body without the text
P_503=$(free_port)	# syd: status 503
P_NONE=$(free_port)	# iad: nothing listens
P_UDP=$(free_port)	# the udp feed, with the right key
P_UDP2=$(free_port)	# the udp feed, listened to with another key
printf 'k3y-0f-the-feed-0123456789\n' >"$D/feed.key"
printf 'another-key-0123456789abc\n' >"$D/other.key"
t_fake_edge http -f "$D/ctl_http" "$LOOP4:$P_HTTP"
t_fake_edge hang -f "$D/ctl_hang" "$LOOP4:$P_HANG"
t_fake_edge tls -s "$D/cert.pem" -k "$D/key.pem" "$LOOP4:$P_TLS"
t_fake_edge nope -b "nope" "$LOOP4:$P_NOPE"
t_fake_edge 503 -c 503 "$LOOP4:$P_503"

cat >"$D/edges.yaml" <<YAML
edges:
  lhr: {location: [51.47, -0.45], addresses: [192.0.2.11]}
  fra: {location: [50.03, 8.57], addresses: [192.0.2.12]}
  iad: {location: [38.95, -77.45], addresses: [198.51.100.21]}
  sjc: {location: [37.36, -121.93], addresses: [198.51.100.22]}
  gru: {location: [-23.43, -46.47], addresses: [198.51.100.31]}
  sin: {location: [1.36, 103.99], addresses: [203.0.113.41]}
  nrt: {location: [35.77, 140.39], addresses: [203.0.113.42]}
  syd: {location: [-33.95, 151.18], addresses: [203.0.113.43]}
  ams: {location: [52.31, 4.76], addresses: [192.0.2.13]}
YAML

# write_conf SYD_STATUS: the configuration (SYD_STATUS: syd's accepted codes)
write_conf()
{
	cat >"$D/eh.yaml.tmp" <<YAML
edges: edges.yaml
state_file: eh.state
defaults: {interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, fall: $FALL, rise: $RISE}
checks:
  lhr:
    - {type: http, address: "$LOOP4:$P_HTTP", path: /health, host: lhr.example.net, status: [200], body: OK}
  fra:
    - {type: tcp, address: "$LOOP4:$P_HTTP"}
  iad:
    - {type: tcp, address: "$LOOP4:$P_NONE"}
  sjc:
    - {type: http, address: "$LOOP4:$P_HANG"}
  gru:
    - {type: https, address: "$LOOP4:$P_TLS", host: gru.example.net}
  sin:
    - {type: tcp, address: "$LOOP4:$P_TLS"}
    - {type: https, address: "$LOOP4:$P_TLS", host: sin.example.net, verify: false, body: OK}
  nrt:
    - {type: http, address: "$LOOP4:$P_NOPE", body: OK}
  syd:
    - {type: http, address: "$LOOP4:$P_503", status: [$1]}
feeds:
  - unix: feed.sock
  - {udp: "$LOOP4:$P_UDP", key_file: feed.key}
  - {udp: "$LOOP4:$P_UDP2", key_file: feed.key}
allow_root: true              # the tests may run as root (CI)
YAML
	mv "$D/eh.yaml.tmp" "$D/eh.yaml"
}
write_conf 200

# ---- -n ---------------------------------------------------------------------
out=$("$EH" -n -c "$D/eh.yaml" 2>&1)
is "$?" 0 "-n: a good configuration passes"
like "$out" 'ok, prober [^ ]+, 8 edges probed, 3 feeds$' "-n: says what it loaded"
cat >"$D/bad.yaml" <<YAML
edges: edges.yaml
checks:
  lhr:
    - {colour: red, type: http, address: "$LOOP4:$P_HTTP"}
  xyz:
    - {type: tcp, address: "$LOOP4"}
YAML
out=$("$EH" -n -c "$D/bad.yaml" 2>&1)
is "$?" 1 "-n: a bad configuration fails"
like "$out" 'bad\.yaml:4:8: checks: lhr: unknown key "colour"' \
    "-n: unknown key at file:line:col"
like "$out" 'bad\.yaml:5:3: checks: unknown edge "xyz"' \
    "-n: unknown edge at file:line:col"
out=$("$EH" -h)
is "$?" 0 "-h exits 0"
like "$out" '^usage: edge-health -c FILE' "-h prints the usage"

# ---- start --------------------------------------------------------------------
"$T_TOOLS/hmsg_listen" -b "unix:$D/feed.sock" >"$FEED" 2>&1 &
LISTEN_PID=$!
T_PIDS="$T_PIDS $LISTEN_PID"
i=0
while [ ! -S "$D/feed.sock" ] && [ $i -lt $T_READY_TRIES ]; do
	sleep $T_POLL
	i=$((i + 1))
done

"$T_TOOLS/hmsg_listen" -k "$D/feed.key" "udp:$LOOP4:$P_UDP" \
    >"$D/feed_udp.out" 2>&1 &
T_PIDS="$T_PIDS $!"
"$T_TOOLS/hmsg_listen" -k "$D/other.key" "udp:$LOOP4:$P_UDP2" \
    >"$D/feed_udp2.out" 2>&1 &
T_PIDS="$T_PIDS $!"

EH_LOG=$D/eh.log
start_eh()
{
	"$EH" -c "$D/eh.yaml" >>"$EH_LOG" 2>&1 &
	EH_PID=$!
	T_PIDS="$T_PIDS $EH_PID"
}
start_eh

# wait_feed ERE: poll (bounded) until the newest feed line matches
wait_feed()
{
	_i=0
	while [ $_i -lt $T_FEED_TRIES ]; do
		tail -n 1 "$FEED" 2>/dev/null | grep -Eq -- "$1" && return 0
		sleep $T_POLL
		_i=$((_i + 1))
	done
	diag "newest feed line: $(tail -n 1 "$FEED")"
	return 1
}

# state EDGE up|down: ERE for one edge's state in a feed line
st()
{
	printf ' %s %s( |$)' "$1" "$2"
}

ALL="seq [0-9]+ lhr up fra up iad down sjc up gru down sin up nrt down syd down$"
check "feed: every edge reaches its state (the failing ones go down)" \
    wait_feed "$ALL"
like "$(cat "$EH_LOG")" 'notice: probe iad \(127\.0\.0\.1:[0-9]+\): tcp: connection refused: down after 2 failed rounds' \
    "log: tcp connection refused"
like "$(cat "$EH_LOG")" "probe gru \\(127\\.0\\.0\\.1:$P_TLS\\): https: certificate verify failed" \
    "log: https certificate verify failed (self-signed, verify on)"
like "$(cat "$EH_LOG")" "probe nrt \\(127\\.0\\.0\\.1:$P_NOPE\\): http: body does not contain \"OK\"" \
    "log: http body without the text"
like "$(cat "$EH_LOG")" "probe syd \\(127\\.0\\.0\\.1:$P_503\\): http: status 503" \
    "log: http wrong status"
unlike "$(cat "$FEED")" "$(st lhr down)|$(st fra down)|$(st sin down)" \
    "feed: healthy edges never reported down (start-up counts as up)"
n=$(grep -c 'probe iad .*down' "$EH_LOG")
is "$n" 1 "log: a transition is logged once, not every round"

# ---- transitions ------------------------------------------------------------
t0=$(date +%s%N)
echo 503 >"$D/ctl_http"
check "feed: lhr goes down on status 503" wait_feed "$(st lhr down)"
ms=$((($(date +%s%N) - t0) / 1000000))
limit=$(((FALL + 1) * INTERVAL_MS * 11 / 10 + 1500))
check "feed: ... within (fall+1) x interval + slack ($ms <= $limit ms)" \
    test "$ms" -le "$limit"
like "$(tail -n 1 "$FEED")" "$(st fra up)" \
    "feed: fra (tcp on the same server) stays up"
like "$(cat "$EH_LOG")" "notice: probe lhr \\(127\\.0\\.0\\.1:$P_HTTP\\): http: status 503: down after 2 failed rounds" \
    "log: lhr down with the reason"

echo "200 nope" >"$D/ctl_http"
sleep $(((FALL + 2) * INTERVAL_MS / 1000 + 1))
like "$(tail -n 1 "$FEED")" "$(st lhr down)" \
    "feed: lhr stays down while the body lacks the text"

rm -f "$D/ctl_http"
check "feed: lhr comes back up after rise good rounds" wait_feed "$(st lhr up)"
like "$(cat "$EH_LOG")" 'notice: probe lhr: up after 2 good rounds' \
    "log: lhr up"

echo hang >"$D/ctl_hang"
check "feed: sjc goes down when it hangs" wait_feed "$(st sjc down)"
like "$(cat "$EH_LOG")" "probe sjc \\(127\\.0\\.0\\.1:$P_HANG\\): timeout after $TIMEOUT_MS ms: down" \
    "log: timeout with the configured value"
rm -f "$D/ctl_hang"
check "feed: sjc comes back" wait_feed "$(st sjc up)"

# ---- the feed itself ----------------------------------------------------------
boots=$(sed -n 's/^boot \([0-9a-f]*\) .*/\1/p' "$FEED" | sort -u | wc -l)
is "$boots" 1 "feed: one boot id per process"
seqs=$(sed -n 's/^boot [0-9a-f]* seq \([0-9]*\) .*/\1/p' "$FEED")
first=$(printf '%s\n' "$seqs" | head -n 1)
bad=$(printf '%s\n' "$seqs" | awk 'NR > 1 && $1 != prev + 1 { n++ }
    { prev = $1 } END { print n + 0 }')
is "$first/$bad" "1/0" "feed: seq starts at 1 and grows by one"
n=$(wc -l <"$FEED")
sleep 1
m=$(wc -l <"$FEED")
check "feed: a snapshot every interval without changes ($n -> $m in 1s)" \
    test $((m - n)) -ge 2
unlike "$(cat "$FEED")" '^bad:' "feed: every message decodes"
like "$(tail -n 1 "$D/feed_udp.out")" "^seq [0-9]+ lhr up fra up iad down" \
    "feed over udp: the mac checks with the shared key"
unlike "$(cat "$D/feed_udp.out")" '^bad:' "feed over udp: every message decodes"
like "$(tail -n 1 "$D/feed_udp2.out")" '^bad: .*mac' \
    "feed over udp: another key is refused"

# ---- reload -------------------------------------------------------------------
write_conf "200, 503"
kill -HUP "$EH_PID"
check "reload: syd accepted with 503 now" wait_feed "$(st syd up)"
like "$(cat "$EH_LOG")" 'notice: reload: 8 edges probed, 3 feeds' \
    "reload: logged"
unlike "$(sed -n '/reload/,$p' "$FEED")" "$(st lhr down)" \
    "reload: lhr keeps its state (no flap)"
like "$(tail -n 1 "$FEED")" "$(st iad down)" \
    "reload: iad keeps its down state"

cp "$D/bad.yaml" "$D/eh.yaml"
n=$(wc -l <"$FEED")
kill -HUP "$EH_PID"
check "reload: a bad file is reported with file:line:col" \
    wait_log "$EH_LOG" 'warning: .*eh\.yaml:4:8: checks: lhr: unknown key "colour"'
like "$(cat "$EH_LOG")" 'reload: failed, keeping the running configuration' \
    "reload: the old configuration is kept"
sleep 1
check "reload: probing and the feed go on" test "$(wc -l <"$FEED")" -gt "$n"
like "$(tail -n 1 "$FEED")" "$(st syd up)" "reload: old states still served"
check "reload: still running" t_alive "$EH_PID"

# ---- stop, restart --------------------------------------------------------------
# boot id of the newest complete feed line that has one
last_boot()
{
	sed -n 's/^boot \([0-9a-f]\{16\}\) .*/\1/p' "$FEED" | tail -n 1
}
old_boot=$(last_boot)
t_reap "$EH_PID"
is "$T_STATUS" 0 "SIGTERM: exit status 0"
like "$(cat "$EH_LOG")" 'info: stopped: [0-9]+ messages sent' "SIGTERM: logged"
check "no sanitizer report" eval '! san_report "$EH_LOG"'

write_conf 200
: >"$FEED"
start_eh
# The old process's last snapshot may still be printed after the file was
# emptied (it was queued in the listener's socket): wait (bounded) for a
# line from another boot.
_i=0
while [ $_i -lt $T_FEED_TRIES ]; do
	new_boot=$(last_boot)
	[ -n "$new_boot" ] && [ "$new_boot" != "$old_boot" ] && break
	sleep $T_POLL
	_i=$((_i + 1))
done
check "restart: the feed resumes" wait_feed "$(st syd down)"
unlike "$(cat "$FEED")" "$(st lhr down)|$(st fra down)" \
    "restart: healthy edges do not flap"
unlike "$(cat "$FEED")" "$(st iad up)|$(st gru up)|$(st nrt up)" \
    "restart: down edges stay down (state_file)"
like "$(cat "$EH_LOG")" 'info: state: .*eh\.state: 3 edges start down' \
    "restart: the state file is read"
check "restart: a new boot id ($old_boot -> $new_boot)" \
    test -n "$old_boot" -a -n "$new_boot" -a "$old_boot" != "$new_boot"

# dnsd down (no listener) never stops probing
t_reap "$LISTEN_PID"
rm -f "$D/feed.sock"
sleep 1
check "feed target gone: edge-health keeps running" t_alive "$EH_PID"
like "$(cat "$EH_LOG")" 'warning: feed unix:.*feed\.sock: send failed' \
    "feed target gone: logged"
t_reap "$EH_PID"
is "$T_STATUS" 0 "SIGTERM after the feed target went: exit status 0"
check "no sanitizer report (second run)" eval '! san_report "$EH_LOG"'

for f in http hang tls nope 503; do
	eval "t_reap \$FAKE_$f"
done
done_testing
