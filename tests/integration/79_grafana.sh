#!/bin/sh
# 79_grafana: dist/grafana/dnsd.json, the Grafana dashboard of both
# daemons' Prometheus metrics (zones/README.md "Metrics").  The JSON must
# be a dashboard Grafana's "Import dashboard" takes as it is (the
# Prometheus data source as the ${DS_PROMETHEUS} input, no fixed id, panels
# inside the 24-column grid without overlaps), and every metric its
# queries name must be a family of a live scrape of a running pair: dnsd
# (metrics, health feed, geo names) fed by edge-health (metrics, three
# edges of which one reports a load and weight and one is down, and the
# anycast role with a bird_reload that only succeeds).  One test point per
# metric, so a missing one is named; the labels and label values the
# queries select on, group by and show in legends must be those the
# daemons emit, the functions PromQL's, the variables defined.
. "$(dirname "$0")/lib.sh"
EH=$T_O/bin/edge-health
HTTPGET=$T_TOOLS/httpget
PY=/usr/bin/python3
TRUE=/bin/true
DASH=$T_ROOT/dist/grafana/dnsd.json
need "$EH" "$HTTPGET" "$T_TOOLS/fake_edge" "$PY" "$TRUE"

INTERVAL_MS=200
TIMEOUT_MS=150
MIN_METRICS=15
T_SCRAPE_TRIES=100 # polls (of T_POLL) for the pair to have a first state

D=$T_TMP

# ---- the dashboard parses ----------------------------------------------------
[ -r "$DASH" ] || bail "missing $DASH"
if out=$("$PY" -c 'import json, sys; json.load(open(sys.argv[1]))' \
    "$DASH" 2>&1); then
	ok 0 "dist/grafana/dnsd.json is valid JSON"
else
	ok 1 "dist/grafana/dnsd.json is valid JSON"
	diag "$out"
	bail "the dashboard does not parse"
fi

# ---- the pair ---------------------------------------------------------------------
# lhr: http, reports a load and a weight; fra: http, a plain OK; iad:
# nothing listens (down); dnsd's and edge-health's metrics
read -r P_LHR P_FRA P_NONE P_DM P_EM <<EOF
$(free_ports 5)
EOF
[ -n "$P_EM" ] || bail "no five free ports"

t_fake_edge lhr -b '{"load": 0.42, "weight": 20}' "$LOOP4:$P_LHR"
t_fake_edge fra "$LOOP4:$P_FRA"

cat >"$D/edges.yaml" <<YAML
edges:
  lhr: {location: [51.47, -0.45], addresses: [192.0.2.11, "2001:db8:11::1"]}
  fra: {location: [50.03, 8.57], addresses: [192.0.2.12]}
  iad: {location: [38.95, -77.45], addresses: [198.51.100.21]}
YAML
cat >"$D/example.net.yaml" <<YAML
zone: example.net
records:
  "@": {SOA: ns hm 1 2h 1h 2w 5m, NS: ns}
  ns: {A: 192.0.2.1}
  www: {A: 192.0.2.10}
geo:
  cdn:
    default: [lhr]
    overrides: {"10.0.0.0/8": fra}
  img:
    default: [iad]
YAML
CONF=$D/dnsd.yaml
cat >"$CONF" <<YAML
server: {listen: "$LOOP4:53"}
zones: [$D/example.net.yaml]
edges: $D/edges.yaml
health: {socket: $D/health.sock}
control: $D/dnsd.ctl
metrics: "$LOOP4:$P_DM"
allow_root: true # the tests may run as root (CI)
YAML
start_dnsd "$CONF" || bail "dnsd does not start"

cat >"$D/eh.yaml" <<YAML
edges: $D/edges.yaml
defaults: {interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, fall: 2, rise: 2}
checks:
  lhr:
    - {type: http, address: "$LOOP4:$P_LHR", path: /health}
  fra:
    - {type: http, address: "$LOOP4:$P_FRA", path: /health}
  iad:
    - {type: tcp, address: "$LOOP4:$P_NONE"}
feeds:
  - unix: $D/health.sock
anycast:
  checks:
    - {type: dns, address: "$LOOP4:$DNSD_PORT", name: example.net, qtype: SOA}
  prefixes: [10.99.53.53/32]
  bird_include: $D/anycast.conf
  bird_reload: [$TRUE]
metrics: "$LOOP4:$P_EM"
allow_root: true
YAML
if out=$("$EH" -n -c "$D/eh.yaml" 2>&1); then
	ok 0 "edge-health -n accepts the configuration (edges and anycast)"
else
	ok 1 "edge-health -n accepts the configuration (edges and anycast)"
	diag "$out"
	bail "edge-health configuration refused"
fi
EH_LOG=$D/eh.log
"$EH" -c "$D/eh.yaml" >"$EH_LOG" 2>&1 &
EH_PID=$!
T_PIDS="$T_PIDS $EH_PID"
wait_log "$EH_LOG" "metrics: http://$LOOP4:$P_EM/metrics" ||
	bail "edge-health does not serve metrics: $(cat "$EH_LOG")"

# scrape ADDR OUT: GET /metrics into OUT (empty on failure)
scrape()
{
	"$HTTPGET" -w "$T_QUERY_MS" "$1" /metrics >"$2" 2>/dev/null || : >"$2"
}

# has FILE SAMPLE VALUE: FILE holds SAMPLE (name and labels, exactly)
# with VALUE, or with any value if VALUE is empty
has()
{
	awk -v s="$2" -v v="$3" '$1 == s && (v == "" || $2 == v) { f = 1 }
	    END { exit !f }' "$1"
}

# wait_pair: poll both endpoints (bounded) until a probe round went
# through the feed: iad down on both sides, lhr's report in both, the
# anycast prefix announced and every prober view there
wait_pair()
{
	_i=0
	while [ $_i -lt $T_SCRAPE_TRIES ]; do
		scrape "$LOOP4:$P_DM" "$D/dnsd.prom"
		scrape "$LOOP4:$P_EM" "$D/eh.prom"
		has "$D/eh.prom" 'edge_health_transitions_total{edge="iad",to="down"}' 1 &&
		    has "$D/eh.prom" 'edge_health_reported_load{edge="lhr"}' &&
		    has "$D/eh.prom" edge_health_anycast_announced 1 &&
		    has "$D/dnsd.prom" 'dnsd_edge_probed{edge="iad",state="down"}' 1 &&
		    has "$D/dnsd.prom" 'dnsd_edge_probed{edge="lhr",state="up"}' 1 &&
		    has "$D/dnsd.prom" 'dnsd_edge_load{edge="lhr"}' &&
		    has "$D/dnsd.prom" dnsd_feed_age_seconds &&
		    grep -q '^dnsd_prober_edge_up{.*edge="fra"}' "$D/dnsd.prom" &&
		    return 0
		sleep "$T_POLL"
		_i=$((_i + 1))
	done
	return 1
}
if wait_pair; then
	ok 0 "the pair is up: edge-health probed, fed dnsd, announced"
else
	ok 1 "the pair is up: edge-health probed, fed dnsd, announced"
	diag "after $T_SCRAPE_TRIES polls; edge-health's log:" \
	    "$(tail -n 20 "$EH_LOG")" "dnsd's log:" "$(tail -n 20 "$DNSD_LOG")"
fi

# A few queries, so that the geo and TCP counters have samples.
q example.net SOA >/dev/null
q -t www.example.net A >/dev/null
q -s 192.0.2.0/24 cdn.example.net A >/dev/null # default: lhr
q -s 10.1.2.0/24 cdn.example.net A >/dev/null  # override: fra
q -s 192.0.2.0/24 img.example.net A >/dev/null # iad down: all_down
scrape "$LOOP4:$P_DM" "$D/dnsd.prom"
scrape "$LOOP4:$P_EM" "$D/eh.prom"
check "dnsd's /metrics scraped" test -s "$D/dnsd.prom"
check "edge-health's /metrics scraped" test -s "$D/eh.prom"
check "dnsd answered geo names (per-edge samples)" \
    grep -q '^dnsd_geo_edge_answers_total{name="cdn.example.net",edge="fra"} ' \
    "$D/dnsd.prom"

# ---- the dashboard against the scrapes ----------------------------------------
# dash.py DASHBOARD MIN DAEMON=SCRAPE...: one line per test point,
# "ok<TAB>description" or "not ok<TAB>description<TAB>diagnostic", and
# "diag<TAB>text" lines
cat >"$D/dash.py" <<'PY'
import json
import re
import sys

dash_path, min_metrics, scrapes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
OUT = []


def point(good, desc, why=""):
    OUT.append(("ok\t%s" % desc) if good else
               ("not ok\t%s\t%s" % (desc, why.replace("\t", " ")
                                    .replace("\n", " | "))))


def diag(text):
    OUT.append("diag\t" + text)


# ---- the scrapes: families (# TYPE) and samples with their labels ----------
family = {}   # name -> (type, daemon)
samples = {}  # sample name -> {label: set(values)}
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
for arg in scrapes:
    daemon, path = arg.split("=", 1)
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"# TYPE (\S+) (\S+)$", line)
            if m:
                family[m.group(1)] = (m.group(2), daemon)
                continue
            if not line or line.startswith("#"):
                continue
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s", line)
            if not m:
                continue
            labels = samples.setdefault(m.group(1), {})
            for k, v in LABEL.findall(m.group(3) or ""):
                labels.setdefault(k, set()).add(v)


def resolve(name):
    """The family a sample name belongs to, or None."""
    if name in family:
        return name
    for suffix, kinds in (("_bucket", ("histogram",)),
                          ("_sum", ("histogram", "summary")),
                          ("_count", ("histogram", "summary"))):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and family.get(base, ("",))[0] in kinds:
            return base
    return None


# ---- PromQL, as far as the dashboard needs it --------------------------------
FUNCTIONS = set("""abs absent absent_over_time acos acosh asin asinh atan
atanh avg_over_time ceil changes clamp clamp_max clamp_min cos cosh
count_over_time day_of_month day_of_week day_of_year days_in_month deg delta
deriv exp floor histogram_avg histogram_count histogram_fraction
histogram_quantile histogram_stddev histogram_stdvar histogram_sum
holt_winters hour idelta increase irate label_join label_replace
last_over_time ln log10 log2 mad_over_time max_over_time min_over_time
minute month pi predict_linear present_over_time quantile_over_time rad
rate resets round scalar sgn sin sinh sort sort_by_label
sort_by_label_desc sort_desc sqrt stddev_over_time stdvar_over_time
sum_over_time tan tanh time timestamp vector year""".split())
AGGREGATIONS = set("""sum min max avg group stddev stdvar count count_values
bottomk topk quantile limitk limit_ratio""".split())
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"bool", "and", "or", "unless", "offset", "atan2", "inf", "nan"}
BUILTIN_VARS = {"__rate_interval", "__interval", "__interval_ms", "__range",
                "__range_s", "__range_ms", "__dashboard", "__from", "__to"}
ALWAYS_LABELS = {"instance", "job"}  # added by Prometheus at scrape
TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<range>\[[^\]]*\])
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>=~|!~|!=|==|>=|<=|[-+*/%^<>=,(){}])
''', re.X)


def parse(expr):
    """Metric names, matchers (metric, label, op, value), grouping labels,
    functions and errors of one PromQL expression."""
    toks, pos, errors = [], 0, []
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            errors.append("cannot read %r" % expr[pos:pos + 20])
            break
        pos = m.end()
        if m.lastgroup != "ws":
            toks.append((m.lastgroup, m.group()))
    res = {"metrics": [], "matchers": [], "grouping": set(),
           "functions": set(), "errors": errors}
    depth = 0
    i = 0
    while i < len(toks):
        kind, text = toks[i]
        nxt = toks[i + 1][1] if i + 1 < len(toks) else None
        if kind == "op" and text == "(":
            depth += 1
        elif kind == "op" and text == ")":
            depth -= 1
            if depth < 0:
                errors.append("unbalanced )")
        elif kind == "op" and text == "}":
            errors.append("unbalanced }")
        elif kind == "op" and text == "{":
            metric = None
            if i > 0 and toks[i - 1][0] == "ident" and \
                    toks[i - 1][1] in res["metrics"]:
                metric = toks[i - 1][1]
            j = i + 1
            while j < len(toks) and toks[j][1] != "}":
                if toks[j][0] == "ident" and j + 2 < len(toks) and \
                        toks[j + 1][1] in ("=", "!=", "=~", "!~") and \
                        toks[j + 2][0] == "str":
                    res["matchers"].append((metric, toks[j][1],
                                            toks[j + 1][1],
                                            toks[j + 2][1][1:-1]))
                    j += 3
                elif toks[j][1] == ",":
                    j += 1
                else:
                    errors.append("bad matcher at %r" % toks[j][1])
                    j += 1
            if j >= len(toks):
                errors.append("unbalanced {")
            i = j + 1
            continue
        if kind == "ident":
            if text in GROUPING:
                if nxt == "(":
                    j = i + 2
                    while j < len(toks) and toks[j][1] != ")":
                        if toks[j][0] == "ident":
                            res["grouping"].add(toks[j][1])
                        j += 1
                    i = j + 1
                    continue
            elif text in AGGREGATIONS:
                res["functions"].add(text)
            elif text in KEYWORDS:
                pass
            elif nxt == "(":
                res["functions"].add(text)
                if text not in FUNCTIONS:
                    errors.append("unknown function %s" % text)
            else:
                res["metrics"].append(text)
        i += 1
    if depth != 0:
        errors.append("unbalanced parentheses")
    return res


# ---- the dashboard --------------------------------------------------------------
with open(dash_path) as f:
    dash = json.load(f)
DS = "${DS_PROMETHEUS}"

point(isinstance(dash.get("title"), str) and dash["title"] != "",
      "dashboard: a title (%r)" % dash.get("title"))
uid = dash.get("uid")
point(isinstance(uid, str) and 0 < len(uid) <= 40 and
      re.match(r"^[A-Za-z0-9_-]+$", uid or "") is not None,
      "dashboard: a uid of at most 40 characters (%r)" % uid)
point(isinstance(dash.get("schemaVersion"), int) and
      dash["schemaVersion"] >= 36,
      "dashboard: schemaVersion 36 or later (%r)" % dash.get("schemaVersion"))
point(dash.get("id") is None, "dashboard: no fixed id (importable)",
      "id is %r" % dash.get("id"))
inputs = [x for x in dash.get("__inputs", [])
          if x.get("name") == "DS_PROMETHEUS" and
          x.get("type") == "datasource" and x.get("pluginId") == "prometheus"]
point(len(inputs) == 1, "dashboard: __inputs has the Prometheus data source "
      "DS_PROMETHEUS", json.dumps(dash.get("__inputs")))
requires = {(x.get("type"), x.get("id")) for x in dash.get("__requires", [])}
panels = dash.get("panels", [])
flat = []
for p in panels:
    flat.append(p)
    flat.extend(p.get("panels", []))  # collapsed rows hold theirs
graphs = [p for p in flat if p.get("type") != "row"]
point(len(graphs) > 0, "dashboard: panels (%d)" % len(graphs))
wanted = {("grafana", "grafana"), ("datasource", "prometheus")} | \
    {("panel", p.get("type")) for p in graphs}
point(wanted <= requires, "dashboard: __requires names Grafana, Prometheus "
      "and every panel type", "missing %s" % sorted(wanted - requires))

ids = [p.get("id") for p in flat]
point(len(ids) == len(set(ids)) and None not in ids,
      "panels: ids unique", "ids %s" % ids)
boxes, bad = [], []
for p in flat:
    g = p.get("gridPos", {})
    try:
        x, y, w, h = g["x"], g["y"], g["w"], g["h"]
    except KeyError:
        bad.append("%r: no gridPos" % p.get("title"))
        continue
    if x < 0 or w < 1 or h < 1 or x + w > 24:
        bad.append("%r: outside the grid %s" % (p.get("title"), g))
    for q, (qx, qy, qw, qh) in boxes:
        if x < qx + qw and qx < x + w and y < qy + qh and qy < y + h:
            bad.append("%r overlaps %r" % (p.get("title"), q))
    boxes.append((p.get("title"), (x, y, w, h)))
point(not bad, "panels: inside the 24-column grid, no overlaps",
      "; ".join(bad))

bad = []
for p in graphs:
    if (p.get("datasource") or {}).get("uid") != DS:
        bad.append("%r: panel" % p.get("title"))
    for t in p.get("targets", []):
        if (t.get("datasource") or {}).get("uid") != DS:
            bad.append("%r: target %s" % (p.get("title"), t.get("refId")))
for v in dash.get("templating", {}).get("list", []):
    if v.get("type") == "query" and \
            (v.get("datasource") or {}).get("uid") != DS:
        bad.append("variable %s" % v.get("name"))
point(not bad, "every panel, query and variable uses ${DS_PROMETHEUS}",
      "; ".join(bad))

# every expression: (where, expr, legend)
exprs = []
bad = []
for p in graphs:
    targets = p.get("targets", [])
    refs = [t.get("refId") for t in targets]
    if not targets or len(refs) != len(set(refs)):
        bad.append("%r: refIds %s" % (p.get("title"), refs))
    for t in targets:
        if not t.get("expr"):
            bad.append("%r %s: no expr" % (p.get("title"), t.get("refId")))
            continue
        exprs.append(("panel %r %s" % (p.get("title"), t.get("refId")),
                      t["expr"], t.get("legendFormat", "")))
point(not bad, "panels: each has targets, each target an expr, refIds "
      "unique", "; ".join(bad))
for a in dash.get("annotations", {}).get("list", []):
    if a.get("expr"):
        exprs.append(("annotation %r" % a.get("name"), a["expr"],
                      a.get("titleFormat", "") + a.get("textFormat", "")))
variables = set()
var_labels = []  # (where, metric expr, label)
for v in dash.get("templating", {}).get("list", []):
    variables.add(v.get("name"))
    q = v.get("query")
    if isinstance(q, dict):
        q = q.get("query")
    if v.get("type") != "query":
        continue
    m = re.match(r"^\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)\s*$",
                 q or "")
    if m:
        exprs.append(("variable %s" % v.get("name"), m.group(1), ""))
        var_labels.append(("variable %s" % v.get("name"), m.group(1),
                           m.group(2)))
    else:
        point(False, "variable %s: a label_values() query" % v.get("name"),
              repr(q))
point("instance" in variables, "templating: an instance variable",
      "variables %s" % sorted(variables))

# ---- metrics ---------------------------------------------------------------------------
parsed = [(w, e, lg, parse(e)) for w, e, lg in exprs]
bad = ["%s: %s (%s)" % (w, "; ".join(r["errors"]), e)
       for w, e, lg, r in parsed if r["errors"]]
point(not bad, "every expression reads as PromQL (known functions, "
      "balanced)", "; ".join(bad))
used = {}
for w, e, lg, r in parsed:
    for name in r["metrics"]:
        used.setdefault(name, []).append(w)
for name in sorted(used):
    fam = resolve(name)
    if not fam:
        point(False, "metric %s: exported" % name,
              "in neither scrape; used by %s" % ", ".join(used[name]))
        continue
    kind, daemon = family[fam]
    point(name in samples, "metric %s: a %s of %s's /metrics%s, with samples"
          % (name, kind, daemon, "" if fam == name else " (" + fam + ")"),
          "a family without samples: the test's setup misses a case")
families_used = {resolve(n) or n for n in used}
point(len(families_used) >= min_metrics,
      "the dashboard queries at least %d metric families (%d)" %
      (min_metrics, len(families_used)))
unused = sorted(set(family) - families_used)
if unused:
    diag("exported but not on the dashboard: " + " ".join(unused))

# ---- labels, label values, legends, variables -------------------------------------------


def labels_of(names):
    out = {}
    for n in names:
        for k, vs in samples.get(n, {}).items():
            out.setdefault(k, set()).update(vs)
    return out


for w, e, lg, r in parsed:
    have = labels_of(r["metrics"])
    bad = []
    for metric, label, op, value in r["matchers"]:
        own = labels_of([metric]) if metric else have
        if label in ALWAYS_LABELS:
            continue
        if label not in own:
            bad.append("%s has no label %s" % (metric, label))
        elif op == "=" and "$" not in value and value not in own[label]:
            bad.append('%s{%s="%s"}: no such value (%s)' % (
                metric, label, value, ", ".join(sorted(own[label]))))
    for label in r["grouping"] - ALWAYS_LABELS:
        if label not in have:
            bad.append("grouping by %s: no metric of it has it" % label)
    for var in re.findall(r"\$\{?(\w+)", e):
        if var not in variables and var not in BUILTIN_VARS:
            bad.append("$%s is not a variable" % var)
    shown = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", lg))
    allowed = r["grouping"] if r["grouping"] else \
        (set(have) | ALWAYS_LABELS)
    for label in shown - allowed:
        bad.append("legend {{%s}}: not a label of the result" % label)
    point(not bad, "%s: labels, values, variables and legend exist" % w,
          "; ".join(bad) + " in: " + e)
for w, e, label in var_labels:
    have = labels_of(parse(e)["metrics"])
    point(label in have or label in ALWAYS_LABELS,
          "%s: label %s exists" % (w, label), "in: " + e)

print("\n".join(OUT))
PY
if ! "$PY" "$D/dash.py" "$DASH" $MIN_METRICS "dnsd=$D/dnsd.prom" \
    "edge-health=$D/eh.prom" \
    >"$D/dash.out" 2>"$D/dash.err"; then
	ok 1 "the dashboard check ran"
	diag "$(cat "$D/dash.err")"
fi
TAB=$(printf '\t')
while IFS=$TAB read -r st desc why; do
	case $st in
	ok) ok 0 "$desc" ;;
	"not ok")
		ok 1 "$desc"
		diag "$why"
		;;
	diag) diag "$desc" ;;
	esac
done <"$D/dash.out"

t_reap "$EH_PID"
is "$T_STATUS" 0 "edge-health stops cleanly on SIGTERM"
stop_dnsd
done_testing
