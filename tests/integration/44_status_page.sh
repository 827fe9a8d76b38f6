#!/bin/sh
# 44_status_page: the status page (issue 16; dnsd/status.c and
# dnsd/status_page.html) of `make run`'s configuration, moved to free
# ports with `status_page: true`, in a real browser: Debian's chromium,
# headless, driven with --dump-dom and --screenshot.
#   1. the JSON API: /api/status and /api/edges against dnsdctl, /api/map
#      as integer triples with edges in range (and its what-if), and
#      /api/explain field by field against `dnsdctl --json explain` for
#      the same clients; bad arguments are 400 with a reason;
#   2. the page, byte for byte what dnsd/status_page.html holds; in the
#      browser its edges table lists the eight edges, the explain panel
#      (?explain=81.2.69.0/24) names lhr and the scope /24; the pixel at
#      London's cell has lhr's colour (Sydney's syd's); with ?down=lhr
#      (what-if) fra's, with a banner, and nothing changed on the server;
#      after `dnsdctl drain lhr` fra's; the page refreshes by itself;
#      a failed fetch is shown with its reason;
#   3. read-only: POST, PUT, DELETE to / and /api/* are refused;
#   4. without status_page, / and /api/* are 404 and /metrics still
#      works; status_page without metrics is a configuration error.
# The screenshots are kept in $O/tests/44_status_page/ (ARTEFACTS);
# STATUS_PAGE_SCREENSHOT=1 also copies the first to docs/status-page.png
# (the README's screenshot).
# shellcheck disable=SC1091 # lib.sh: see tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
CTL=$T_O/bin/dnsdctl
PY=/usr/bin/python3
CHECK=$T_FIX/check.py
need "$CTL" "$PY" chromium
[ -r "$CHECK" ] || bail "missing $CHECK"
ARTEFACTS=${ARTEFACTS:-$T_O/tests/44_status_page}
BROWSER_S=60     # seconds one chromium run may take at most
BUDGET_MS=3000   # virtual time the page gets to load and draw
REFRESH_MS=12000 # virtual time for at least two refreshes (5 s each)
EDGES="lhr fra iad sjc gru sin nrt syd"
NAME=cdn.example.net

py()
{
	"$PY" "$CHECK" "$@"
}

# ---- the example, moved -------------------------------------------------
ex=$T_TMP/example
copy_example "$ex"
CONF=$ex/dnsd.yaml
MPORT=$(free_port)
# the example serves the page (status_page: true): only the port moves
sed "s/^metrics: .*/metrics: $LOOP4:$MPORT/" "$T_ROOT/zones/dnsd.yaml" \
    >"$CONF" || bail "cannot write $CONF"
grep -q "^metrics: $LOOP4:$MPORT\$" "$CONF" || bail "no metrics: in $CONF"
grep -q '^status_page: true$' "$CONF" ||
	bail "zones/dnsd.yaml does not serve the status page (status_page: true)"
start_dnsd "$CONF" || bail "the example does not start"
like "$(cat "$DNSD_LOG")" "status: the status page is served" \
    "dnsd logs that it serves the status page"
BASE=http://$LOOP4:$MPORT

# get PATH FILE: GET into FILE, print the status
get()
{
	py get "$BASE$1" >"$T_TMP/get.out" 2>&1 || {
		diag "$(cat "$T_TMP/get.out")"
		echo none
		return 0
	}
	head -n 1 "$T_TMP/get.out"
	tail -n +2 "$T_TMP/get.out" >"$2"
}

# ---- 1. the JSON API --------------------------------------------------------
is "$(get /api/status "$T_TMP/status.json")" 200 "GET /api/status: 200"
is "$(py field "$T_TMP/status.json" geo_names)" "[\"$NAME\"]" \
    "/api/status: the geo names"
names=""
i=0
for e in $EDGES; do
	names="$names $(py field "$T_TMP/status.json" "edges.$i.name")"
	i=$((i + 1))
done
is "$names" " $EDGES" "/api/status: the eight edges in inventory order"
is "$(py field "$T_TMP/status.json" edges.0.lat)/$(py field \
    "$T_TMP/status.json" edges.0.lon)" 51.47/-0.45 \
    "/api/status: lhr's coordinates (zones/edges.yaml)"
st=$(ctl status)
is "$(py field "$T_TMP/status.json" version)" \
    "$(printf '%s\n' "$st" | sed -n 's/^version: //p')" \
    "/api/status: the version dnsdctl status says"
is "$(py field "$T_TMP/status.json" generation)" \
    "$(printf '%s\n' "$st" | sed -n 's/^generation: //p')" \
    "/api/status: the generation dnsdctl status says"

# /api/edges against `dnsdctl edges`: probed, override, effective, share
edges_api()
{
	get /api/edges "$T_TMP/edges.json" >/dev/null
	_i=0
	for _e in $EDGES; do
		printf '%s %s %s %s %.2f\n' \
		    "$(py field "$T_TMP/edges.json" "edges.$_i.name")" \
		    "$(py field "$T_TMP/edges.json" "edges.$_i.probed")" \
		    "$(py field "$T_TMP/edges.json" "edges.$_i.override")" \
		    "$(py field "$T_TMP/edges.json" "edges.$_i.effective")" \
		    "$(py field "$T_TMP/edges.json" "edges.$_i.share")"
		_i=$((_i + 1))
	done
}
edges_ctl()
{
	ctl edges | awk '$1 ~ /^(lhr|fra|iad|sjc|gru|sin|nrt|syd)$/ {
	    print $1, $2, $3, $4, $6 }'
}
is "$(edges_api)" "$(edges_ctl)" \
    "/api/edges: name, probed, override, effective, share as dnsdctl edges"
like "$(cat "$T_TMP/edges.json")" '"last_change":[0-9]+,"answers":[0-9]+' \
    "/api/edges: last_change and answers are counters"
a0=$(py field "$T_TMP/edges.json" edges.0.answers)
for n in 1 2 3 4 5; do
	q -s 81.2.69.0/24 $NAME A >/dev/null
done
get /api/edges "$T_TMP/edges.json" >/dev/null
is "$(($(py field "$T_TMP/edges.json" edges.0.answers) - a0))" 5 \
    "/api/edges: lhr's answers count five London queries"

is "$(get "/api/map?name=$NAME" "$T_TMP/map.json")" 200 "GET /api/map: 200"
n=$(py cells "$T_TMP/map.json" 8)
check "/api/map: integer triples, edges in -1..7 ($n cells)" \
    test "$?" -eq 0 -a "$n" -gt 10
london=$(py cell "$T_TMP/map.json" 51.5142 -0.0931)
is "$london" "103 0 0" "/api/map: London's cell (51.5, 0) gets edge 0, lhr"
sydney=$(py cell "$T_TMP/map.json" -33.8688 151.2093)
is "$sydney" "-68 302 7" "/api/map: Sydney's cell (-34, 151) gets edge 7, syd"
is "$(py field "$T_TMP/map.json" down)" null "/api/map: down is null"
is "$(get "/api/map?name=$NAME&down=lhr" "$T_TMP/map-down.json")" 200 \
    "GET /api/map?down=lhr: 200"
is "$(py field "$T_TMP/map-down.json" down)" lhr "/api/map?down=lhr: down"
is "$(py cell "$T_TMP/map-down.json" 51.5142 -0.0931)" "103 0 1" \
    "/api/map?down=lhr: London's cell would get fra"
unlike "$(py field "$T_TMP/map-down.json" cells | tr -d '[ ]' |
    tr ',' '\n' | awk 'NR % 3 == 0')" '^0$' \
    "/api/map?down=lhr: no cell gets lhr"
is "$(py cells "$T_TMP/map-down.json" 8)" "$n" \
    "/api/map?down=lhr: the same cells"
like "$(ctl edges)" '^lhr +[a-z]+ +auto +up ' \
    "the what-if changed nothing: lhr still up"
is "$(get "/api/map?name=nope.example.net" "$T_TMP/bad")" 400 \
    "/api/map: an unknown geo name is 400 ..."
like "$(cat "$T_TMP/bad")" "no such geo name" "... with the reason"
is "$(get "/api/map?name=$NAME&down=xyz" "$T_TMP/bad")" 400 \
    "/api/map: an unknown edge is 400 ..."
check "... with a reason" test -s "$T_TMP/bad"

# /api/explain and `dnsdctl --json explain`, field by field
for c in 81.2.69.0/24 216.160.83.0/24 175.16.199.0/24 2001:218::/32 \
    198.18.0.0/24 121.98.1.0/24 10.1.2.0/24; do
	enc=$(printf '%s' "$c" | sed 's|/|%2F|g; s|:|%3A|g')
	s=$(get "/api/explain?client=$enc&name=$NAME" "$T_TMP/x-api.json")
	ctl --json explain "$c" $NAME >"$T_TMP/x-ctl.json"
	out=$(py same "$T_TMP/x-api.json" "$T_TMP/x-ctl.json")
	r=$?
	is "$s/$r" 200/0 "/api/explain $c: as dnsdctl --json explain ($out)"
	[ "$r" -eq 0 ] || diag "$out"
done
is "$(py field "$T_TMP/x-api.json" names.0.rule)" default \
    "/api/explain: the last one (not located) is the default"
is "$(get "/api/explain?client=999.1.1.1&name=$NAME" "$T_TMP/bad")" 400 \
    "/api/explain: a bad client is 400 ..."
like "$(cat "$T_TMP/bad")" "expected ADDRESS or ADDRESS/PREFIX" \
    "... with the reason dnsdctl gives"
is "$(get "/api/explain?name=$NAME" "$T_TMP/bad")" 400 \
    "/api/explain: no client is 400"

# ---- 2. the page, in a browser ------------------------------------------
is "$(get / "$T_TMP/page.html")" 200 "GET /: 200"
check "GET /: the page, byte for byte dnsd/status_page.html" \
    cmp -s "$T_TMP/page.html" "$T_ROOT/dnsd/status_page.html"
unlike "$(cat "$T_TMP/page.html")" '(src|href)="(https?:)?//' \
    "the page loads nothing from elsewhere"
mkdir -p "$ARTEFACTS" || bail "cannot create $ARTEFACTS"
rm -f "$ARTEFACTS"/*.png "$ARTEFACTS"/*.html

# browser MODE OUT PATH [BUDGET]: chromium headless on $BASE$PATH; MODE dom
# (--dump-dom into OUT) or shot (--screenshot OUT); bounded by BROWSER_S
browser()
{
	_m=$1
	_out=$2
	_arg=--dump-dom
	[ "$_m" = shot ] && _arg=--screenshot=$_out
	rm -rf "$T_TMP/chrome"
	if [ "$_m" = shot ]; then
		timeout "$BROWSER_S" chromium --headless --no-sandbox \
		    --disable-gpu --no-first-run --disable-extensions \
		    --hide-scrollbars --force-device-scale-factor=1 \
		    --user-data-dir="$T_TMP/chrome" --window-size=1280,1400 \
		    --virtual-time-budget="${4:-$BUDGET_MS}" "$_arg" \
		    "$BASE$3" >"$T_TMP/chrome.log" 2>&1
	else
		timeout "$BROWSER_S" chromium --headless --no-sandbox \
		    --disable-gpu --no-first-run --disable-extensions \
		    --user-data-dir="$T_TMP/chrome" --window-size=1280,1400 \
		    --virtual-time-budget="${4:-$BUDGET_MS}" "$_arg" \
		    "$BASE$3" >"$_out" 2>"$T_TMP/chrome.log"
	fi
	_r=$?
	[ "$_r" -eq 0 ] && [ -s "$_out" ] && return 0
	diag "chromium ($_m $3) exited with $_r:" "$(tail -n 20 "$T_TMP/chrome.log")"
	return 1
}
PAGE=$T_ROOT/dnsd/status_page.html

# pixel PNG LAT LON INDEX DESC: one test point, the found colour as diag
pixel()
{
	_o=$(py pixel "$1" "$PAGE" "$2" "$3" "$4")
	ok $? "$5"
	diag "$_o"
}

browser dom "$ARTEFACTS/page.html" "/?explain=81.2.69.0/24" ||
    bail "chromium cannot load the page"
dom=$(cat "$ARTEFACTS/page.html")
for e in $EDGES; do
	like "$dom" "<tr data-edge=\"$e\"><td><span class=\"sw\"[^>]*></span>$e</td>" \
	    "the edges table lists $e, with its colour"
done
is "$(printf '%s\n' "$dom" | grep -o '<tr data-edge=' | wc -l)" 8 \
    "the edges table has eight rows"
like "$dom" '<tr data-edge="lhr"><td><span[^>]*></span>lhr</td><td>[a-z]+</td><td>auto</td><td class="up">up</td>' \
    "the table: lhr effective up"
like "$dom" '<dd id="x-answer-A">lhr</dd>' "explain 81.2.69.0/24: A is lhr"
like "$dom" '<dd id="x-answer-AAAA">lhr</dd>' "explain 81.2.69.0/24: AAAA is lhr"
like "$dom" '<dd id="x-scope">/24</dd>' "explain 81.2.69.0/24: scope /24"
like "$dom" '<dd id="x-rule">nearest</dd>' "explain 81.2.69.0/24: rule nearest"
like "$dom" '<td class="num">1</td><td><span class="sw"[^>]*></span>lhr</td><td class="num">25</td>' \
    "explain 81.2.69.0/24: lhr ranked first, 25 km"
like "$dom" 'id="whatif"[^>]* hidden' "no what-if banner"
unlike "$dom" '<div id="errors"[^>]*>.*failed' "no fetch error shown"
like "$dom" '<canvas id="map"[^>]*data-cells="'"$n"'"' \
    "the map drew the $n cells of /api/map"

# a fetch that fails is shown on the page, with the server's reason
browser dom "$T_TMP/error.html" "/?explain=999.1.1.1" ||
    bail "chromium cannot load the page"
like "$(cat "$T_TMP/error.html")" \
    '<div id="errors"[^>]*><p>GET api/explain\?client=999\.1\.1\.1[^<]* failed: HTTP 400: [^<]*expected ADDRESS or ADDRESS/PREFIX' \
    "a failed fetch shows an error with the server's reason"

SHOT1=$ARTEFACTS/1-live.png
browser shot "$SHOT1" "/?explain=81.2.69.0/24" ||
    bail "chromium cannot take a screenshot"
pixel "$SHOT1" 51.5 0 0 "screenshot: London's cell has lhr's colour"
pixel "$SHOT1" -34 151 7 "screenshot: Sydney's cell has syd's colour"
if [ "${STATUS_PAGE_SCREENSHOT:-0}" = 1 ]; then
	check "the screenshot copied to docs/status-page.png" \
	    eval 'mkdir -p "$T_ROOT/docs" &&
	        cp "$SHOT1" "$T_ROOT/docs/status-page.png"'
fi

# what-if in the page: recoloured, a banner, nothing changed
SHOT2=$ARTEFACTS/2-whatif-lhr-down.png
browser shot "$SHOT2" "/?down=lhr" || bail "chromium: no what-if screenshot"
pixel "$SHOT2" 51.5 0 1 "what-if lhr down: London's cell has fra's colour"
browser dom "$T_TMP/whatif.html" "/?down=lhr" || bail "chromium: no what-if DOM"
unlike "$(cat "$T_TMP/whatif.html")" 'id="whatif"[^>]* hidden' \
    "what-if: the banner is shown ..."
like "$(cat "$T_TMP/whatif.html")" '<b id="whatif-edge">lhr</b>' \
    "... and names lhr"
like "$(ctl edges)" '^lhr +[a-z]+ +auto +up ' "what-if: lhr is still up"
is "$(geo_addrs 81.2.69.0/24 $NAME)" 192.0.2.11 "what-if: London still gets lhr"

# the operator drains lhr: the next load shows fra
like "$(ctl drain lhr)" "ok" "dnsdctl drain lhr"
is "$(geo_addrs 81.2.69.0/24 $NAME)" 192.0.2.12 "drained: London gets fra"
SHOT3=$ARTEFACTS/3-lhr-drained.png
browser shot "$SHOT3" "/" || bail "chromium: no screenshot after the drain"
pixel "$SHOT3" 51.5 0 1 "lhr drained: London's cell has fra's colour"
pixel "$SHOT3" -34 151 7 "lhr drained: Sydney's cell still has syd's"
browser dom "$T_TMP/drained.html" "/?explain=81.2.69.0/24" ||
    bail "chromium: no DOM after the drain"
like "$(cat "$T_TMP/drained.html")" \
    '<tr data-edge="lhr"><td><span[^>]*></span>lhr</td><td>[a-z]+</td><td>drain</td><td class="down">down</td>' \
    "the table: lhr drained, effective down"
like "$(cat "$T_TMP/drained.html")" '<dd id="x-answer-A">fra</dd>' \
    "explain 81.2.69.0/24 after the drain: fra"
# left open long enough (virtual time), the page polls again by itself:
# answers per second appear once two polls were made
browser dom "$T_TMP/refreshed.html" "/" "$REFRESH_MS" ||
    bail "chromium: no DOM after refreshes"
like "$(cat "$T_TMP/refreshed.html")" \
    '<tr data-edge="lhr">(<td[^>]*>[^<]*(<span[^>]*></span>[^<]*)?</td>){7}<td class="num">[0-9]+\.[0-9]</td>' \
    "the page refreshed by itself: answers/s computed from two polls"
ctl auto lhr >/dev/null

# ---- 3. read-only ------------------------------------------------------------
for p in / /api/status /api/edges "/api/map?name=$NAME" \
    "/api/explain?client=81.2.69.0/24&name=$NAME" /metrics; do
	for m in POST PUT DELETE; do
		s=$(py method "$BASE$p" $m)
		check "$m $p is refused ($s)" test "$s" != 200 -a "$s" -ge 400
	done
done

stop_dnsd

# ---- 4. off unless configured --------------------------------------------
grep -v '^status_page:' "$CONF" >"$CONF.off" && mv "$CONF.off" "$CONF" ||
    bail "cannot write $CONF"
start_dnsd "$CONF" || bail "dnsd without status_page does not start"
for p in / /api/status /api/edges "/api/map?name=$NAME" \
    "/api/explain?client=81.2.69.0/24&name=$NAME"; do
	is "$(py method "$BASE$p" GET)" 404 "without status_page: GET $p is 404"
done
is "$(get /metrics "$T_TMP/metrics")" 200 "without status_page: /metrics 200"
like "$(cat "$T_TMP/metrics")" '^dnsd_' "... with dnsd's metrics"
stop_dnsd
grep -v '^metrics:' "$CONF" >"$CONF.nom" && echo "status_page: true" >>"$CONF.nom"
out=$("$DNSD" -c "$CONF.nom" -n 2>&1)
check "status_page without metrics: dnsd -n fails" test $? -ne 0
like "$out" "status_page: needs metrics" "... and says why"

diag "screenshots in $ARTEFACTS"
done_testing
