#!/bin/sh
# Hot-path files (marked "HOT PATH: see STYLE.md B5") must not allocate,
# call ldns, libyaml or maxminddb, or log except through the rate limiter;
# and only main.c and xalloc.c may exit.  Prints offending lines; exit 1.
set -u
cd "$(dirname "$0")/../.."
status=0

hot=$(grep -l 'HOT PATH: see STYLE.md B5' dnsd/*.c geo/*.c 2>/dev/null)
for f in $hot; do
	# Strip comments and strings roughly, then look for banned calls.
	bad=$(sed -e 's://.*$::' -e 's:/\*.*\*/::g' "$f" |
	    grep -nE '\<(malloc|calloc|realloc|strdup|xmalloc|xcalloc|xreallocarray|xstrdup|xasprintf|arena_alloc|ldns_[a-z_]+|yaml_[a-z_]+|MMDB_get_value|log_msg|log_err|log_warn|log_notice|log_info|log_debug|printf|fprintf)\(' |
	    grep -vE '^[0-9]+:(struct|static|const|[a-z_]+ \*?[a-z_]+\(.*\)$)' |
	    grep -vE '^[0-9]+:[a-z_]+\(' )
	# net_*.c set up sockets at start-up: allow allocation in _new/_free.
	case "$f" in
	dnsd/net_udp.c|dnsd/net_tcp.c)
		bad=$(printf '%s\n' "$bad" | grep -vE 'xcalloc\(1, sizeof|log_err' ) ;;
	esac
	# Files that build on the load path and look up on the hot path mark
	# where the lookup half starts; only that half is checked.
	cut=$(grep -n '^/\* ---- lookup' "$f" | head -n 1 | cut -d: -f1)
	if [ -n "$cut" ]; then
		bad=$(printf '%s\n' "$bad" | awk -F: -v cut="$cut" '$1 > cut')
	fi
	bad=$(printf '%s\n' "$bad" | grep -v '^$')
	if [ -n "$bad" ]; then
		printf '%s: banned call on the hot path:\n%s\n' "$f" "$bad"
		status=1
	fi
done

# exit() and log_fatal() only in the programs' mains (cmd/) and xalloc.c:
# the archives report errors, their callers decide
bad=$(grep -nE '\<(exit|log_fatal)\(' common/*.c daemon/*.c dnsd/*.c geo/*.c \
    edge-health/*.c 2>/dev/null |
    grep -vE '^(common/xalloc\.c|common/log\.c):')
if [ -n "$bad" ]; then
	printf 'exit outside cmd/:\n%s\n' "$bad"
	status=1
fi

# common/ is libc + libyaml only
bad=$(grep -nE '#include <(ldns|event2|maxminddb)' common/*.c common/*.h)
if [ -n "$bad" ]; then
	printf 'common/ depends on more than libc and libyaml:\n%s\n' "$bad"
	status=1
fi

[ $status -eq 0 ] && echo "lint: hot path, exit and module boundaries ok"
exit $status
