#!/usr/bin/python3
# 24_dnssec/grokcheck.py [-w] GROK.json: every error (and warning) that
# `dnsviz grok` wrote anywhere in its tree, one a line, and every bad
# status (BOGUS, INVALID_SIG, EXPIRED, ...).  Exit 1 if any error or bad
# status was found (with -w: or any warning), else 0.
import json
import sys

BAD = {'BOGUS', 'INVALID', 'INVALID_SIG', 'INVALID_DIGEST', 'EXPIRED',
       'PREMATURE', 'INDETERMINATE', 'INDETERMINATE_NO_DNSKEY',
       'INDETERMINATE_MATCH_PRE_REVOKE', 'INDETERMINATE_UNKNOWN_ALGORITHM',
       'LAME', 'INCOMPLETE'}
args = [a for a in sys.argv[1:] if a != '-w']
strict = '-w' in sys.argv[1:]
with open(args[0]) as f:
    tree = json.load(f)
bad = 0


def walk(o, path):
    global bad
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ('errors', 'warnings') and isinstance(v, list) and v:
                for e in v:
                    print('%s %s: %s %s' % (k[:-1], '/'.join(path),
                                            e.get('code'),
                                            e.get('description', '')))
                if k == 'errors' or strict:
                    bad = 1
            elif k == 'status' and isinstance(v, str) and v in BAD:
                print('status %s: %s' % ('/'.join(path), v))
                bad = 1
            walk(v, path + [k])
    elif isinstance(o, list):
        for i, v in enumerate(o):
            walk(v, path + [str(i)])


walk(tree, [])
if not tree:
    print('empty grok output')
    bad = 1
sys.exit(bad)
