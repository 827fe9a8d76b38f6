#!/bin/sh
# The bundled example, as `make run` starts it: one stand-in HTTP edge per
# example edge (build/tests/fake_edge on 127.0.0.21..28:8080, answering
# /health with "OK"), edge-health probing them, and dnsd answering on
# 127.0.0.1:5353 and [::1]:5353.  Ctrl-C stops everything.
#
# usage: zones/run-example.sh [BUILD_DIR]
set -u
O=${1:-build}
cd "$(dirname "$0")" || exit 1
B=../$O
pids=""

stop()
{
	trap - INT TERM EXIT
	[ -n "$pids" ] && kill $pids 2>/dev/null
	wait
	exit 0
}
trap stop INT TERM EXIT

# Stand-in edges: stop one (e.g. pkill -f 'fake_edge.*127.0.0.21:8080')
# and watch dnsd move its clients to the next nearest edge; or make one
# report a load with its health check's body:
#   echo '200 {"status": "OK", "load": 0.95}' > build/run/lhr.ctl
mkdir -p "$B/run" || exit 1
n=1
for edge in lhr fra iad sjc gru sin nrt syd; do
	"$B/tests/fake_edge" -b OK -f "$B/run/$edge.ctl" "127.0.0.2$n:8080" &
	pids="$pids $!"
	n=$((n + 1))
done
"$B/bin/dnsd" -c dnsd.yaml &
pids="$pids $!"
"$B/bin/edge-health" -c edge-health.yaml &
pids="$pids $!"
echo "run-example: dnsd on 127.0.0.1:5353, edge-health probing 8 edges;" \
    "status page http://127.0.0.1:9153/; Ctrl-C stops all" >&2
wait
