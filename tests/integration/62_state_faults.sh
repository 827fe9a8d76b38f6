#!/bin/sh
# 62_state_faults: the state file (operator overrides, timed drains) under
# faults.  A London client (ECS 81.2.69.0/24) whose edges rank lon < ams <
# fra < nyc.  Covered (zones/README.md, state_file):
#   1. a truncated or garbage state file at start-up: a clear error naming
#      the line, every override at its default (auto), dnsd serves;
#   2. the state file's folder full (a tiny tmpfs), then read-only: an
#      override still applies (the answer moves), dnsdctl says it could
#      not be kept, the error is logged once per command, dnsd serves;
#   3. dnsd killed with SIGKILL under load and started again: the time
#      until it answers is printed, and the drains survive (the timed one
#      goes on from where it was).
# Needs root (mount) for 2: without it the test fails, it does not skip.
. "$(dirname "$0")/lib.sh"
need "$T_TOOLS/qloop" mount umount

LONDON=81.2.69.0/24
fix=$(t_fixture)
t_mkmmdb "$fix/networks.txt" "$fix/geo.mmdb"

# conf STATE_FILE: a configuration keeping its overrides in STATE_FILE
conf()
{
	CONF=$fix/dnsd-$(basename "$(dirname "$1")").yaml
	cp "$fix/dnsd.yaml" "$CONF" && echo "state_file: $1" >>"$CONF" ||
		bail "cannot write $CONF"
}

ans()
{
	geo_addrs "$LONDON" cdn.example.net |
	    sed -e 's/^127\.0\.0\.11$/lon/' -e 's/^127\.0\.0\.12$/ams/' |
	    tr '\n' ' ' | sed 's/ $//'
}

# overrides: every edge's "NAME OVERRIDE" on one line
overrides()
{
	ctl edges | awk 'NR > 2 && NF > 4 { printf "%s %s; ", $1, $3 }'
}
AUTO="lon auto; ams auto; fra auto; nyc auto; "

# ---- 1. bad state files at start-up ------------------------------------------------
mkdir -p "$T_TMP/bad" || bail "mkdir"
conf "$T_TMP/bad/dnsd.state"
for case in truncated garbage; do
	case $case in
	truncated) printf 'lon drain\nams dra' >"$T_TMP/bad/dnsd.state" ;;
	garbage) printf 'lon \001\377\376 drain\n\033[2J\n' >"$T_TMP/bad/dnsd.state" ;;
	esac
	start_dnsd "$CONF" || bail "dnsd does not start with a $case state file"
	like "$(cat "$DNSD_LOG")" \
	    "err: health: state file .*/bad/dnsd\\.state: line [12]: .*, overrides ignored" \
	    "1. $case state file: the error names the file and the line"
	is "$(overrides)" "$AUTO" "1. $case state file: every override auto"
	is "$(ans)" lon "1. $case state file: London gets lon"
	stop_dnsd
done

# ---- 2. the folder full, then read-only ----------------------------------------------
FULL=$T_TMP/full
mkdir -p "$FULL" || bail "mkdir"
mount -t tmpfs -o size=16k tmpfs "$FULL" 2>"$T_TMP/mount.err" ||
	bail "cannot mount a tmpfs (root needed): $(cat "$T_TMP/mount.err")"
trap 'umount "$FULL" 2>/dev/null; t_cleanup' EXIT
dd if=/dev/zero of="$FULL/fill" bs=1k count=64 >/dev/null 2>&1
conf "$FULL/dnsd.state"
start_dnsd "$CONF" || bail "dnsd does not start"
is "$(ans)" lon "2. London gets lon"
n0=$(grep -c 'err: health: state file' "$DNSD_LOG")
out=$(ctl drain lon)
is "$?" 1 "2. full: dnsdctl drain lon fails (exit 1)"
like "$out" 'lon: override drain is in effect but the state file could not be written' \
    "2. full: ... saying the drain applies but is not kept"
is "$(ans)" ams "2. full: the drain applies: London gets ams"
like "$(cat "$DNSD_LOG")" 'err: health: state file .*: No space left on device' \
    "2. full: the log says why"
is "$(($(grep -c 'err: health: state file' "$DNSD_LOG") - n0))" 1 \
    "2. full: logged once for the command"
mount -o remount,ro "$FULL" 2>"$T_TMP/mount.err" ||
	bail "cannot remount read-only: $(cat "$T_TMP/mount.err")"
out=$(ctl auto lon)
is "$?" 1 "2. read-only: dnsdctl auto lon fails (exit 1)"
is "$(ans)" lon "2. read-only: auto applies: London gets lon"
like "$(cat "$DNSD_LOG")" 'err: health: state file .*: Read-only file system' \
    "2. read-only: the log says why"
is "$(($(grep -c 'err: health: state file' "$DNSD_LOG") - n0))" 2 \
    "2. read-only: logged once more"
"$T_TOOLS/qloop" -d 1 -r 500 -w 1000 -a -s "$LONDON" "$LOOP4" "$DNSD_PORT" \
    cdn.example.net A >"$T_TMP/qloop.out" 2>&1
is "$?" 0 "2. dnsd answers every query ($(cat "$T_TMP/qloop.out"))"
stop_dnsd
umount "$FULL" 2>/dev/null

# ---- 3. SIGKILL under load --------------------------------------------------------------
mkdir -p "$T_TMP/kill" || bail "mkdir"
conf "$T_TMP/kill/dnsd.state"
start_dnsd "$CONF" || bail "dnsd does not start"
ctl drain fra >/dev/null
ctl drain lon --over 10m >/dev/null
like "$(ctl edges | awk '$1 == "lon"')" ' drain:[0-9]+s +-$' \
    "3. lon drains over 10 minutes"
"$T_TOOLS/qloop" -d 3 -r 3000 -w 500 -s "$LONDON" "$LOOP4" "$DNSD_PORT" \
    cdn.example.net A >"$T_TMP/qloop.out" 2>&1 &
QLOOP=$!
T_PIDS="$T_PIDS $QLOOP"
sleep 1
kill -KILL "$DNSD_PID"
t0=$(now_ms)
start_dnsd "$CONF" || bail "dnsd does not start again after SIGKILL"
took=$(($(now_ms) - t0))
wait "$QLOOP" # bounded: its -d
diag "SIGKILL under load: answering again $took ms after the kill (start-up, zones, the geo database, the state file)"
check "3. answering again within 5 s ($took ms)" test "$took" -lt 5000
is "$(overrides)" "lon drain; ams auto; fra drain; nyc auto; " \
    "3. both drains survived the SIGKILL"
like "$(ctl edges | awk '$1 == "lon"')" ' drain:[0-9]+s +-$' \
    "3. lon's timed drain goes on"
is "$(ans)" lon "3. London still gets lon (its drain has only begun)"
stop_dnsd
done_testing
