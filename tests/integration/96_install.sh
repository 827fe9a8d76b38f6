#!/bin/sh
# 96_install: deploying.  `make install DESTDIR=... PREFIX=/usr` lays out
# the binaries, the systemd units (checked with systemd-analyze verify),
# their users and the example configurations; every program answers
# --help; and, as root, dnsd and edge-health drop to the user given with
# -u or `user`, or refuse to run as root without one.
. "$(dirname "$0")/lib.sh"

EH=$T_O/bin/edge-health
need "$EH" "$T_O/bin/dnsdctl" "$T_O/bin/geoq" ps make

# skip REASON: a test point that cannot run here, reported as a TAP skip
skip()
{
	T_N=$((T_N + 1))
	echo "ok $T_N # skip $1"
}

# ---- make install -------------------------------------------------------
R=$T_TMP/root
DOC=$R/usr/share/doc/dnsd
# MAKEFLAGS passes on SAN= and CC= when run from `make check`.
(cd "$T_ROOT" && \
    make -s install O="$O" DESTDIR="$R" PREFIX=/usr) >"$T_TMP/install.log" 2>&1
st=$?
is "$st" 0 "make install DESTDIR=... PREFIX=/usr succeeds"
[ "$st" -eq 0 ] || diag "$(cat "$T_TMP/install.log")"
is "$(cd "$R" && ls)" usr "nothing is installed outside PREFIX (no /etc)"
for b in dnsd edge-health dnsdctl geoq; do
	check "sbin/$b is installed and executable" test -x "$R/usr/sbin/$b"
done
for u in dnsd edge-health; do
	f=$R/usr/lib/systemd/system/$u.service
	check "unit $u.service is installed" test -f "$f"
	like "$(cat "$f" 2>/dev/null)" "^ExecStart=/usr/sbin/$u -c /etc/dnsd/$u\\.yaml\$" \
	    "$u.service: ExecStart uses SBINDIR and /etc/dnsd"
	like "$(cat "$f" 2>/dev/null)" "^ExecStartPre=/usr/sbin/$u -n -c " \
	    "$u.service: checks the configuration before starting"
	unlike "$(cat "$f" 2>/dev/null)" '@[A-Z]+@' \
	    "$u.service: every placeholder is filled in"
done
like "$(cat "$R/usr/lib/systemd/system/edge-health.service")" \
    '^SupplementaryGroups=dnsd$' "edge-health joins group dnsd (the feed socket)"
check "sysusers.d/dnsd.conf is installed" \
    test -f "$R/usr/lib/sysusers.d/dnsd.conf"
for e in dnsd.yaml edge-health.yaml edges.yaml example.net.yaml README.md; do
	check "example $e is installed" test -f "$DOC/examples/$e"
done
check "README.md is installed" test -f "$DOC/README.md"

# The examples load (with the demo database in place of GeoLite2-City, and
# the zone's signing key made as README.md tells an operator to).
sed "s|/var/lib/GeoIP/GeoLite2-City.mmdb|$T_ROOT/zones/geo/demo.mmdb|" \
    "$DOC/examples/dnsd.yaml" >"$DOC/examples/dnsd.test.yaml"
mkdir -p "$DOC/examples/keys" &&
    k=$(cd "$DOC/examples/keys" && ldns-keygen -a ECDSAP256SHA256 -k example.net) &&
    mv "$DOC/examples/keys/$k.key" "$DOC/examples/keys/example.net.key" &&
    mv "$DOC/examples/keys/$k.private" "$DOC/examples/keys/example.net.private" ||
    bail "cannot make the example's key with ldns-keygen"
out=$("$R/usr/sbin/dnsd" -n -c "$DOC/examples/dnsd.test.yaml" 2>&1)
is "$?" 0 "the example dnsd.yaml passes dnsd -n" || diag "$out"
out=$("$R/usr/sbin/edge-health" -n -c "$DOC/examples/edge-health.yaml" 2>&1)
is "$?" 0 "the example edge-health.yaml passes edge-health -n" || diag "$out"
for e in bird.conf edge-health.yaml edge-health-anycast.tmpfiles \
    edge-health.service.d/anycast.conf; do
	check "anycast example $e is installed" test -f "$DOC/examples/anycast/$e"
done
out=$("$R/usr/sbin/edge-health" -n \
    -c "$DOC/examples/anycast/edge-health.yaml" 2>&1)
is "$?" 0 "the anycast example passes edge-health -n" || diag "$out"

# systemd-analyze verify needs the binaries where the units say: verify
# copies pointing into the staging root.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T_TMP/units"
	for u in dnsd edge-health; do
		sed "s|/usr/sbin/|$R/usr/sbin/|g" \
		    "$R/usr/lib/systemd/system/$u.service" \
		    >"$T_TMP/units/$u.service"
	done
	out=$(systemd-analyze verify "$T_TMP/units/dnsd.service" \
	    "$T_TMP/units/edge-health.service" 2>&1)
	st=$?
	is "$st:$out" "0:" "systemd-analyze verify: both units are clean"
else
	skip "systemd-analyze not installed (make deps-check installs systemd)"
fi

# ---- --help ------------------------------------------------------------
for b in dnsd edge-health dnsdctl geoq; do
	out=$("$T_O/bin/$b" --help 2>&1)
	is "$?" 0 "$b --help exits 0"
	like "$out" '-h, --help' "$b --help: documents itself"
done

# ---- privileges ------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	for t in "dnsd -u nobody runs as nobody" "dnsd refuses root" \
	    "dnsd user: in the config" "edge-health -u nobody" \
	    "edge-health refuses root"; do
		skip "not root (uid $(id -u)): $t"
	done
	done_testing
fi

# A folder nobody can read (the zones) and write (the sockets, unlinked
# at exit).
D=$T_TMP/priv
mkdir -p "$D"
chmod 0755 "$T_TMP"
cp "$T_ROOT/tests/integration/10_answers/example.net.yaml" "$D/"
cp "$T_ROOT/zones/edges.yaml" "$D/"
cat >"$D/dnsd.yaml" <<YAML
server:
  listen: [127.0.0.1:53]
zones: [example.net.yaml]
control: dnsd.ctl
health: {socket: health.sock}
YAML
chown nobody "$D"

start_dnsd "$D/dnsd.yaml" -u nobody || bail "dnsd -u nobody does not start"
is "$(ps -o user= -p "$DNSD_PID" | tr -d ' ')" nobody \
    "dnsd -u nobody: runs as nobody"
like "$(t_dig example.net SOA)" 'status: NOERROR' \
    "dnsd -u nobody: still answers"
is "$(stat -c %U "$D/dnsd.ctl")" nobody "the control socket belongs to nobody"
is "$(stat -c %U "$D/health.sock")" nobody "the feed socket belongs to nobody"
like "$(cat "$DNSD_LOG")" 'running as user nobody' "dnsd logs the switch"
stop_dnsd

port=$(free_port)
out=$("$DNSD" -c "$D/dnsd.yaml" -l "$LOOP4:$port" 2>&1)
st=$?
is "$st" 1 "dnsd as root without user or allow_root: exits 1"
like "$out" 'refusing to run as root: set user \(or allow_root: true\)' \
    "dnsd as root: says why"

cp "$D/dnsd.yaml" "$D/dnsd-user.yaml"
echo "user: nobody" >>"$D/dnsd-user.yaml"
start_dnsd "$D/dnsd-user.yaml" || bail "dnsd with user: nobody does not start"
is "$(ps -o user= -p "$DNSD_PID" | tr -d ' ')" nobody \
    "dnsd with user: nobody in the config runs as nobody"
stop_dnsd

cat >"$D/eh.yaml" <<YAML
edges: edges.yaml
defaults: {interval: 1s, timeout: 500ms}
checks:
  lhr:
    - {type: tcp, address: "$LOOP4:$port"}
YAML
out=$("$EH" -c "$D/eh.yaml" 2>&1)
is "$?" 1 "edge-health as root without user or allow_root: exits 1"
like "$out" 'refusing to run as root: set user \(or allow_root: true\)' \
    "edge-health as root: says why"
"$EH" -c "$D/eh.yaml" -u nobody >"$T_TMP/eh.log" 2>&1 &
EH_PID=$!
T_PIDS="$T_PIDS $EH_PID"
wait_log "$T_TMP/eh.log" 'ready: edge-health' >/dev/null 2>&1
is "$(ps -o user= -p "$EH_PID" | tr -d ' ')" nobody \
    "edge-health -u nobody: runs as nobody"
t_reap "$EH_PID"
is "$T_STATUS" 0 "edge-health -u nobody: stops cleanly"

done_testing
