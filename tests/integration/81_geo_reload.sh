#!/bin/sh
# 81_geo_reload: the geo database on SIGHUP (zones/README.md, geo_database:
# "a missing or corrupt file stops start-up, and on reload keeps the
# running data").  Under continuous ECS queries (tests/tools/qloop -s) no
# query fails or times out while a rebuilt database (a network moved to
# another continent) is loaded and its answer changes, nor while corrupt
# databases (random bytes, truncated, a broken search tree) are refused
# and logged with their path; a good one afterwards loads.  `dnsd -n` with
# a corrupt database and a start with a missing one exit 1 saying why.
. "$(dirname "$0")/lib.sh"
need perl "$T_TOOLS/qloop"

fix=$(t_fixture)
Z=example.net
DB=$fix/geo.mmdb

t_mkmmdb "$fix/networks.txt" "$T_TMP/v1.mmdb"
t_mkmmdb "$fix/networks.v2.txt" "$T_TMP/v2.mmdb"
check "the two databases differ" \
    eval '! cmp -s "$T_TMP/v1.mmdb" "$T_TMP/v2.mmdb"'
# corrupt ones: random bytes (seeded), a truncated file (its metadata at
# the end is gone), and a valid file whose search tree is overwritten
perl -e 'srand(42); print map { chr int rand 256 } 1 .. 4096' \
    >"$T_TMP/random.mmdb"
size=$(wc -c <"$T_TMP/v1.mmdb")
head -c $((size / 2)) "$T_TMP/v1.mmdb" >"$T_TMP/truncated.mmdb"
cp "$T_TMP/v1.mmdb" "$T_TMP/badtree.mmdb"
perl -e 'open(my $f, "+<", $ARGV[0]) or die; seek($f, 70, 0);
    print $f "\xff" x 64; close($f) or die' "$T_TMP/badtree.mmdb"
check "corrupt copies made" test -s "$T_TMP/random.mmdb" -a \
    -s "$T_TMP/truncated.mmdb" -a -s "$T_TMP/badtree.mmdb"

cp "$T_TMP/v1.mmdb" "$DB"
start_dnsd "$fix/dnsd.yaml" || bail "dnsd does not start"

# swap DEST SRC: replace a file atomically
swap()
{
	cp "$2" "$1.tmp" && mv "$1.tmp" "$1"
}

# edge ECS TYPE: the edge that answers cdn TYPE for client ECS, with
# its scope ("lon/24"); the addresses are edges.yaml's
edge()
{
	_r=$(q -s "$1" cdn.$Z "$2")
	_e=$(sect "$_r" an | sed -n -e 's/.* IN A //p' -e 's/.* IN AAAA //p' |
	    sed \
	    -e 's/^192\.0\.2\.1$/lon/' -e 's/^2001:db8:1::1$/lon/' \
	    -e 's/^192\.0\.2\.3$/nyc/' -e 's/^2001:db8:3::1$/nyc/' \
	    -e 's/^192\.0\.2\.9$/syd/' -e 's/^2001:db8:9::1$/syd/' |
	    tr '\n' ' ' | sed 's/ $//')
	printf '%s/%s\n' "$_e" "$(printf '%s\n' "$_r" |
	    sed -n 's/^ecs .* scope=\([0-9]*\) .*/\1/p')"
}

# wait_edge ECS TYPE WANT: poll (bounded) until edge gives WANT
wait_edge()
{
	_i=0
	while [ $_i -lt $T_RELOAD_TRIES ]; do
		[ "$(edge "$1" "$2")" = "$3" ] && return 0
		sleep $T_POLL
		_i=$((_i + 1))
	done
	return 1
}

# count_log ERE: lines of the dnsd log that match
count_log()
{
	grep -Ec -- "$1" "$DNSD_LOG"
}

# wait_count ERE N: wait (bounded) until at least N log lines match
wait_count()
{
	_i=0
	while [ $_i -lt $T_LOG_TRIES ]; do
		[ "$(count_log "$1")" -ge "$2" ] && return 0
		sleep $T_POLL
		_i=$((_i + 1))
	done
	return 1
}

# start_loops / stop_loops: two qloops in the background (IPv4 ECS for A,
# IPv6 ECS for AAAA, each with a non-empty answer required); stop_loops
# waits for them (bounded) and checks them (loop_ok)
start_loops()
{
	"$T_TOOLS/qloop" -d $T_LOOP_S -r $T_LOOP_RATE -a -s 81.2.69.0/24 \
	    "$LOOP4" "$DNSD_PORT" cdn.$Z A \
	    >"$T_TMP/loop4.out" 2>"$T_TMP/loop4.err" &
	LOOP4_PID=$!
	"$T_TOOLS/qloop" -d $T_LOOP_S -r $T_LOOP_RATE -a -s 2a00:1000::/32 \
	    "$LOOP6" "$DNSD_PORT" cdn.$Z AAAA \
	    >"$T_TMP/loop6.out" 2>"$T_TMP/loop6.err" &
	LOOP6_PID=$!
	T_PIDS="$T_PIDS $LOOP4_PID $LOOP6_PID"
}
stop_loops()
{
	for _l in 4 6; do
		eval "_p=\$LOOP${_l}_PID"
		_i=0
		while t_alive "$_p" &&
		    [ $_i -lt $(( (T_LOOP_S + 5) * 10 )) ]; do
			sleep $T_POLL
			_i=$((_i + 1))
		done
		t_reap "$_p"
		[ -s "$T_TMP/loop$_l.err" ] &&
		    diag "$(cat "$T_TMP/loop$_l.err")"
		loop_ok "$(cat "$T_TMP/loop$_l.out")" "$1 (IPv$_l ECS)"
	done
}

# loop_ok SUMMARY DESC: no failure, no timeout, enough queries
loop_ok()
{
	_sent=$(printf '%s\n' "$1" | sed -n 's/^sent \([0-9]*\) .*/\1/p')
	like "$1" '^sent [0-9]+ answered [0-9]+ failed 0 timeouts 0$' "$2"
	check "$2: at least $T_LOOP_MIN_SENT queries (sent ${_sent:-none})" \
	    test "${_sent:-0}" -ge $T_LOOP_MIN_SENT
}

# ---- version 1 --------------------------------------------------------------
is "$(edge 81.2.69.0/24 A)" lon/24 "v1: 81.2.69.0/24 (London) from lon"
is "$(edge 2a00:1000::/32 AAAA)" lon/32 "v1: 2a00:1000::/32 (Paris) from lon"
is "$(edge 203.2.218.0/24 A)" syd/24 "v1: 203.2.218.0/24 (Sydney) from syd"

# ---- a rebuilt database under load ------------------------------------------
gens=$(count_log 'reload: generation')
start_loops
sleep 0.5
swap "$DB" "$T_TMP/v2.mmdb"
kill -HUP "$DNSD_PID"
check "v2 visible after SIGHUP: 81.2.69.0/24 moved to Auckland, syd" \
    wait_edge 81.2.69.0/24 A syd/24
is "$(edge 2a00:1000::/32 AAAA)" syd/32 "v2: 2a00:1000::/32 moved too, syd"
is "$(edge 203.2.218.0/24 A)" syd/24 "v2: Sydney's network unchanged"
check "the reload is logged" wait_count 'reload: generation' $((gens + 1))
stop_loops "queries across the database reload"
check "dnsd still running" t_alive "$DNSD_PID"

# ---- corrupt databases keep the running data --------------------------------
# all under one stream of queries, then a good database again
start_loops
sleep 0.5
n=0
for bad in random truncated badtree; do
	n=$((n + 1))
	swap "$DB" "$T_TMP/$bad.mmdb"
	kill -HUP "$DNSD_PID"
	check "$bad database: the failed reload is logged" \
	    wait_count 'reload: failed' $n
	check "$bad database: the error names the file" \
	    wait_count 'warning: (.*/)?geo\.mmdb: ' $n
	is "$(edge 81.2.69.0/24 A)" syd/24 "$bad database: v2 still served (A)"
	is "$(edge 2a00:1000::/32 AAAA)" syd/32 \
	    "$bad database: v2 still served (AAAA)"
	check "$bad database: dnsd still running" t_alive "$DNSD_PID"
done
log=$(cat "$DNSD_LOG")
like "$log" 'warning: (.*/)?geo\.mmdb: .*(invalid|metadata)' \
    "a database without metadata is reported as such"
like "$log" 'warning: (.*/)?geo\.mmdb: .*corrupt' \
    "a broken search tree is reported as corrupt"

gens=$(count_log 'reload: generation')
swap "$DB" "$T_TMP/v1.mmdb"
kill -HUP "$DNSD_PID"
check "a good database after the failed reloads: v1 again" \
    wait_edge 81.2.69.0/24 A lon/24
is "$(edge 2a00:1000::/32 AAAA)" lon/32 "v1 again: Paris from lon"
check "and logged as a new generation" \
    wait_count 'reload: generation' $((gens + 1))
stop_loops "queries across three failed reloads and a good one"

check "dnsd still running" t_alive "$DNSD_PID"
stop_dnsd

# ---- dnsd -n and start-up ---------------------------------------------------
for bad in random truncated; do
	swap "$DB" "$T_TMP/$bad.mmdb"
	out=$("$DNSD" -n -c "$fix/dnsd.yaml" 2>&1)
	is $? 1 "dnsd -n, $bad database: exit 1"
	like "$out" "$fix/geo\\.mmdb: " "dnsd -n, $bad database: names the file"
done

# start_fails DESC: dnsd must exit by itself (bounded) with status 1
start_fails()
{
	_port=$(free_port)
	"$DNSD" -c "$fix/dnsd.yaml" -l "$LOOP4:$_port" \
	    >"$T_TMP/start.log" 2>&1 &
	_pid=$!
	T_PIDS="$T_PIDS $_pid"
	_i=0
	while t_alive $_pid && [ $_i -lt $T_READY_TRIES ]; do
		sleep $T_POLL
		_i=$((_i + 1))
	done
	if t_alive $_pid; then
		t_reap $_pid
		ok 1 "$1: dnsd exits"
		diag "still running; its log:" "$(cat "$T_TMP/start.log")"
		return
	fi
	t_reap $_pid
	is "$T_STATUS" 1 "$1: dnsd exits with status 1"
}
start_fails "start with a corrupt database"
like "$(cat "$T_TMP/start.log")" 'geo\.mmdb: .*(invalid|metadata)' \
    "start with a corrupt database: says why"
rm -f "$DB"
start_fails "start with a missing database"
like "$(cat "$T_TMP/start.log")" 'geo\.mmdb: .*No such file' \
    "start with a missing database: says why (the file and the error)"
out=$("$DNSD" -n -c "$fix/dnsd.yaml" 2>&1)
is $? 1 "dnsd -n, missing database: exit 1"
like "$out" "$fix/geo\\.mmdb: .*No such file" \
    "dnsd -n, missing database: names the file"

done_testing
