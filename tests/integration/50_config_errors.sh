#!/bin/sh
# 50_config_errors: `dnsd -n` on broken configurations and zones.  Every
# error is printed as file:line:col: message; the expected places and
# message patterns are marker comments in the fixtures (see
# 50_config_errors/README).  good.conf.yaml must pass; a broken one must
# also stop a real start.
. "$(dirname "$0")/lib.sh"

fix=$(t_fixture)

# files CONF: the configuration, the zone files it lists, their zonefile_path
files()
{
	echo "$1"
	_d=$(dirname "$1")
	sed -n 's/^ *- *\([^ #]*\.yaml\).*/\1/p' "$1" | while read -r _z; do
		[ -f "$_d/$_z" ] || continue
		echo "$_d/$_z"
		sed -n 's/^zonefile_path: *\([^ #]*\).*/\1/p' "$_d/$_z" |
		    while read -r _p; do
			[ -f "$_d/$_p" ] && echo "$_d/$_p"
		done
	done
}

# markers FILE: "LINE<TAB>TOKENS<TAB>ERE" for every marker of FILE
markers()
{
	grep -n '[#;]! ' "$1" | sed 's/^\([0-9]*\):.*[#;]! \(.*\) | \(.*\)$/\1	\2	\3/'
}

# expect ERRFILE FILE LINE TOKENS ERE: one error line as the marker says
expect()
{
	_errs=$1 _file=$2 _line=$3 _tokens=$4 _ere=$5
	_base=$(basename "$_file")
	_text=$(sed -n "${_line}p" "$_file")
	_what="$_base:$_line ($_ere)"
	if [ "$_tokens" = - ]; then
		_cand=$(cat "$_errs")
	else
		_cand=$(grep -E "(^|/)$(printf '%s' "$_base" |
		    sed 's/[.]/[.]/g'):$_line:[0-9]+: " "$_errs")
	fi
	_found=no
	_old_ifs=$IFS
	IFS=,
	set -f # the tokens are literal ("*" is not a glob)
	for _t in $_tokens; do
		IFS=$_old_ifs
		case $_t in
		\* | -) _col='[0-9]+' ;;
		*) _col=$(printf '%s\n' "$_text" | awk -v t="$_t" '{ print index($0, t) }')
		   [ "$_col" -gt 0 ] || bail "token $_t not on $_base:$_line" ;;
		esac
		if [ "$_tokens" = - ]; then
			_pat=$_ere
		else
			_pat=":$_line:$_col: .*($_ere)"
		fi
		if printf '%s\n' "$_cand" | grep -Eiq -- "$_pat"; then
			_found=yes
			break
		fi
	done
	IFS=$_old_ifs
	set +f
	if [ $_found = yes ]; then
		ok 0 "reported: $_what"
	else
		ok 1 "reported: $_what"
		diag "marker line: $_text" "errors printed:" "$(cat "$_errs")"
	fi
}

for conf in "$fix"/*.conf.yaml; do
	name=$(basename "$conf")
	"$DNSD" -n -c "$conf" >"$T_TMP/out" 2>"$T_TMP/err"
	st=$?
	san_report "$T_TMP/err" && diag "sanitizer report:" "$(cat "$T_TMP/err")"
	check "$name: no sanitizer report" eval '! san_report "$T_TMP/err"'
	case $name in
	good*)
		is "$st" 0 "$name: dnsd -n accepts it"
		unlike "$(cat "$T_TMP/err")" ':[0-9]+:[0-9]+: ' \
		    "$name: no error printed"
		like "$(cat "$T_TMP/out")" '^dnsd: .*: ok, [0-9]+ zones?, ' \
		    "$name: the ok line"
		# The line is whole: a script reading it, or the next
		# prompt, must not run into it.
		is "$(tail -c 1 "$T_TMP/out" | od -An -c | tr -d ' ')" '\n' \
		    "$name: the ok line ends with a newline"
		continue
		;;
	esac
	is "$st" 1 "$name: dnsd -n rejects it with status 1"
	nmark=0
	for f in $(files "$conf"); do
		markers "$f" >"$T_TMP/markers"
		while IFS='	' read -r line tokens ere; do
			nmark=$((nmark + 1))
			expect "$T_TMP/err" "$f" "$line" "$tokens" "$ere"
		done <"$T_TMP/markers"
	done
	[ $nmark -gt 0 ] || bail "$name has no markers"
done

# a broken configuration also stops a real start (bounded wait)
port=$(free_port)
"$DNSD" -c "$fix/all.conf.yaml" -l "$LOOP4:$port" >"$T_TMP/start.log" 2>&1 &
pid=$!
T_PIDS="$T_PIDS $pid"
i=0
while t_alive $pid && [ $i -lt $T_READY_TRIES ]; do
	sleep $T_POLL
	i=$((i + 1))
done
if t_alive $pid; then
	ok 1 "dnsd with a broken configuration exits"
	t_reap $pid
else
	t_reap $pid
	check "dnsd with a broken configuration exits non-zero ($T_STATUS)" \
	    test "$T_STATUS" -ne 0
fi
like "$(cat "$T_TMP/start.log")" 'records\.zone\.yaml:[0-9]+:[0-9]+: ' \
    "and logs the errors with file:line:col"

done_testing
