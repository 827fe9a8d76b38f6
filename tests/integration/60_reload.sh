#!/bin/sh
# 60_reload: SIGHUP reloads the configuration and the zones.  Under a
# continuous stream of queries (tests/tools/qloop) no query fails or times
# out across several reloads, the new data becomes visible, and a failed
# reload (a zone error, a configuration error) logs file:line:col and keeps
# serving the old data.
. "$(dirname "$0")/lib.sh"
need "$T_TOOLS/qloop"

fix=$(t_fixture)
start_dnsd "$fix/dnsd.yaml" || bail "dnsd does not start"
Z=example.net

# swap DEST SRC: replace a fixture file atomically
swap()
{
	cp "$2" "$1.tmp" && mv "$1.tmp" "$1"
}

# a_of NAME: the A records' addresses, sorted, on one line
a_of()
{
	q "$1" A | sed -n 's/^an .* IN A //p' | sort | tr '\n' ' ' | sed 's/ $//'
}

# wait_answer NAME EXPECTED: poll (bounded) until NAME A gives EXPECTED
wait_answer()
{
	_i=0
	while [ $_i -lt $T_RELOAD_TRIES ]; do
		[ "$(a_of "$1")" = "$2" ] && return 0
		sleep $T_POLL
		_i=$((_i + 1))
	done
	return 1
}

# start_loop NAME: qloop in the background; stop_loop waits for it (bounded)
# and sets LOOP_OUT to its summary
start_loop()
{
	"$T_TOOLS/qloop" -d $T_LOOP_S -r $T_LOOP_RATE -a "$LOOP4" "$DNSD_PORT" \
	    "$1" A >"$T_TMP/qloop.out" 2>"$T_TMP/qloop.err" &
	LOOP_PID=$!
	T_PIDS="$T_PIDS $LOOP_PID"
}
stop_loop()
{
	_i=0
	while t_alive "$LOOP_PID" && [ $_i -lt $(( (T_LOOP_S + 5) * 10 )) ]; do
		sleep $T_POLL
		_i=$((_i + 1))
	done
	t_reap "$LOOP_PID"
	LOOP_OUT=$(cat "$T_TMP/qloop.out")
	[ -s "$T_TMP/qloop.err" ] && diag "$(cat "$T_TMP/qloop.err")"
}

# loop_ok SUMMARY DESC: no failure, no timeout, enough queries
loop_ok()
{
	_sent=$(printf '%s\n' "$1" | sed -n 's/^sent \([0-9]*\) .*/\1/p')
	like "$1" '^sent [0-9]+ answered [0-9]+ failed 0 timeouts 0$' "$2"
	check "$2: at least $T_LOOP_MIN_SENT queries (sent ${_sent:-none})" \
	    test "${_sent:-0}" -ge $T_LOOP_MIN_SENT
}

is "$(a_of www.$Z)" 192.0.2.10 "version 1 served"
r=$(q new.$Z A)
is_rcode "$r" NXDOMAIN "new.$Z does not exist yet"

# ---- good reloads under load ------------------------------------------------
start_loop www.$Z
sleep 0.5
swap "$fix/example.net.yaml" "$fix/example.net.v2.yaml"
kill -HUP "$DNSD_PID"
check "version 2 visible after SIGHUP (www)" wait_answer www.$Z 192.0.2.20
is "$(a_of new.$Z)" 192.0.2.21 "version 2 visible after SIGHUP (new name)"
# more reloads while the loop runs: back and forth
for v in 1 2 1 2; do
	if [ $v = 1 ]; then
		cp "$T_FIX/example.net.yaml" "$T_TMP/v1.yaml"
		swap "$fix/example.net.yaml" "$T_TMP/v1.yaml"
		want=192.0.2.10
	else
		swap "$fix/example.net.yaml" "$fix/example.net.v2.yaml"
		want=192.0.2.20
	fi
	kill -HUP "$DNSD_PID"
	wait_answer www.$Z $want || break
done
is "$(a_of www.$Z)" 192.0.2.20 "after four more reloads: version 2"
stop_loop
loop_ok "$LOOP_OUT" "queries across five reloads"
check "dnsd still running" t_alive "$DNSD_PID"
r=$(q $Z SOA)
like "$(sect "$r" an)" " IN SOA [^ ]+ [^ ]+ 2 " "SOA serial 2 served"

# ---- a failed zone reload keeps the old data --------------------------------
line=$(grep -n '192\.0\.2\.300' "$fix/example.net.bad.yaml" | cut -d: -f1)
col=$(sed -n "${line}p" "$fix/example.net.bad.yaml" |
    awk '{ print index($0, "192.0.2.300") }')
start_loop www.$Z
sleep 0.5
swap "$fix/example.net.yaml" "$fix/example.net.bad.yaml"
kill -HUP "$DNSD_PID"
check "failed reload logged with file:line:col ($line:$col)" \
    wait_log "$DNSD_LOG" "example\\.net\\.yaml:$line:$col: "
stop_loop
loop_ok "$LOOP_OUT" "queries across a failed reload"
is "$(a_of www.$Z)" 192.0.2.20 "old data (version 2) still served"
is "$(a_of new.$Z)" 192.0.2.21 "old names still served"
r=$(q broken.$Z A)
is_rcode "$r" NXDOMAIN "nothing of the broken version is served"
check "dnsd still running after the failed reload" t_alive "$DNSD_PID"

# ---- a failed configuration reload too --------------------------------------
swap "$fix/example.net.yaml" "$fix/example.net.v2.yaml"
cp "$fix/dnsd.yaml" "$T_TMP/dnsd.good.yaml"
swap "$fix/dnsd.yaml" "$fix/dnsd.bad.yaml"
line=$(grep -n 'wrokers' "$fix/dnsd.yaml" | cut -d: -f1)
kill -HUP "$DNSD_PID"
check "failed configuration reload logged with file:line:col" \
    wait_log "$DNSD_LOG" "dnsd\\.yaml:$line:[0-9]+: "
is "$(a_of www.$Z)" 192.0.2.20 "still serving after a bad configuration"

# ---- and a good reload afterwards works -------------------------------------
swap "$fix/dnsd.yaml" "$T_TMP/dnsd.good.yaml"
cp "$T_FIX/example.net.yaml" "$T_TMP/v1.yaml"
swap "$fix/example.net.yaml" "$T_TMP/v1.yaml"
kill -HUP "$DNSD_PID"
check "a good reload after failed ones: version 1 again" \
    wait_answer www.$Z 192.0.2.10
r=$(q new.$Z A)
is_rcode "$r" NXDOMAIN "and names removed in it are gone"

stop_dnsd
done_testing
