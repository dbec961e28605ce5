#!/usr/bin/env bash
# limits.sh — rate-limit headroom from the double's headers: through the
# proxy (two keys, x-api-key and Bearer; a dated model id; OpenAI's
# x-ratelimit-* with their durations), its --metrics
# page (strictly parsed: requests by code, histograms, rate-limit gauges),
# a retried 429 in `call` (both answers read), `report limits --json` (one
# row per provider, model, key and kind; RFC 3339 resets; 429s of the last
# hour), fingerprints only in the ledger.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
export TZ=UTC
DB=$T/usage.db
PY=/usr/bin/python3
KEYB=sk-ant-api03-other-key-0000WXYZ
tt_start_fakeapi main --key sk-ant-test --key "$KEYB"
FK=$FK_URL

tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$FK" --openai-upstream "$FK/v1" \
	--metrics 127.0.0.1:0
MP=$(sed -nE 's/^metrics on 127\.0\.0\.1:([0-9]+)$/\1/p' "$T/pport")
[ -n "$MP" ] || tt_die "no metrics listener: $(cat "$T/pport" "$T/perr")"
send() {  # auth-header model -> status
	curl -sS -o /dev/null -w '%{http_code}' -H "$1" -H 'anthropic-version: 2023-06-01' \
		-H 'content-type: application/json' "$PROXY/v1/messages" \
		-d '{"model":"'"$2"'","max_tokens":32,"messages":[{"role":"user","content":"hi"}]}'
}
A='x-api-key: sk-ant-test'
tt_eq "200 through the proxy" "$(send "$A" claude-haiku-4-5)" 200
send "$A" claude-haiku-4-5 >/dev/null
tt_eq "Bearer key, dated model" "$(send "Authorization: Bearer $KEYB" claude-sonnet-4-5-20250929)" 200
tt_eq "OpenAI through the proxy" "$(curl -sS -o /dev/null -w '%{http_code}' \
	-H 'Authorization: Bearer sk-openai-test' -H 'content-type: application/json' \
	"$PROXY/v1/chat/completions" -d '{"model":"gpt-4.1-2025-04-14","messages":[{"role":"user","content":"hi"}]}')" 200
curl -s -X POST "$FK/_fake/faults" -d '{"faults":[{"path":"/v1/messages","status":429,"count":2}]}' >/dev/null
tt_eq "a 429 is relayed" "$(send "$A" claude-haiku-4-5)" 429
send "$A" claude-haiku-4-5 >/dev/null

# --- the proxy's own metrics -------------------------------------------------------
curl -sS -o "$T/pm" "http://127.0.0.1:$MP/metrics"
$PY tests/lib/promcheck.py "$T/pm" >"$T/pm.json" || tt_die "metrics page invalid: $(cat "$T/pm")"
$PY - "$T/pm.json" <<'PY' || tt_die "proxy metrics wrong: $(grep -v '^#' "$T/pm" | grep -v bucket)"
import json, sys
m = json.load(open(sys.argv[1]))
def val(fam, name=None, **lab):
    for s in m[fam]:
        if (name is None or s[0] == name) and all(s[1].get(k) == v for k, v in lab.items()):
            return float(s[2])
    return None
bad = []
def eq(what, got, want):
    if got != want: bad.append('%s: %r, want %r' % (what, got, want))
eq('200s', val('tokentop_proxy_requests_total', provider='anthropic', code='200'), 3.0)
eq('429s', val('tokentop_proxy_requests_total', provider='anthropic', code='429'), 2.0)
for h in ('tokentop_proxy_request_duration_seconds', 'tokentop_proxy_upstream_first_byte_seconds'):
    eq(h + ' count', val(h, h + '_count'), 6.0)
    eq(h + ' +Inf', val(h, h + '_bucket', le='+Inf'), 6.0)
    b = [float(s[2]) for s in m[h] if s[0] == h + '_bucket']
    if b != sorted(b): bad.append(h + ' buckets not cumulative')
eq('haiku requests left', val('tokentop_ratelimit_remaining', model='claude-haiku-4-5', kind='requests'), 0.0)
eq('haiku requests limit', val('tokentop_ratelimit_limit', model='claude-haiku-4-5', kind='requests'), 4000.0)
eq('sonnet (date removed) tokens limit', val('tokentop_ratelimit_limit', model='claude-sonnet-4-5', kind='tokens'), 2000000.0)
eq('openai 200s', val('tokentop_proxy_requests_total', provider='openai', code='200'), 1.0)
if val('tokentop_ratelimit_limit', provider='openai', model='gpt-4.1', kind='requests') is None:
    bad.append('no OpenAI x-ratelimit figures')
if bad: print('\n'.join(bad)); sys.exit(1)
PY
tt_ok "proxy --metrics: requests by code, cumulative histograms, rate-limit gauges"
tt_stop_proxy

# --- call: a 429 retried; both answers are read ---------------------------------
curl -s -X POST "$FK/_fake/faults" -d '{"faults":[{"path":"/v1/messages","status":429,"retry_after":"1"}]}' >/dev/null
ANTHROPIC_BASE_URL=$FK ANTHROPIC_API_KEY=$KEYB "$B/tokentop" --db "$DB" call --model claude-haiku-4-5 \
	--cache off "hello" >/dev/null 2>"$T/call.err" || tt_die "call: $(cat "$T/call.err")"

# --- report limits --json ---------------------------------------------------------
"$B/tokentop" --db "$DB" report limits --json >"$T/l.json"
$PY - "$T/l.json" <<'PY' || tt_die "report limits: $(cat "$T/l.json")"
import json, re, sys
rows = json.load(open(sys.argv[1]))['rows']
bad = []
keys = {'provider', 'model', 'key', 'kind', 'limit', 'remaining', 'reset', 'rejected_last_hour'}
for r in rows:
    if set(r) != keys: bad.append('keys %s' % sorted(r))
    if r['reset'] is not None and not re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', r['reset']):
        bad.append('reset %r' % r['reset'])
groups = {}
for r in rows:
    groups.setdefault((r['provider'], r['model'], r['key']), []).append(r)
if len(rows) != sum(len(g) for g in groups.values()) or any(
        len({r['kind'] for r in g}) != len(g) for g in groups.values()):
    bad.append('a provider/model/key/kind twice')
a = [k for k in groups if k[1] == 'claude-haiku-4-5' and k[2].startswith('\u2026-')]
b = [k for k in groups if k[2].startswith('\u2026WXYZ-')]
if len(a) != 1: bad.append('key A haiku groups: %s' % list(groups))
else:
    g = {r['kind']: r for r in groups[a[0]]}
    if [r['kind'] for r in groups[a[0]]] != ['requests', 'tokens', 'input_tokens', 'output_tokens']:
        bad.append('kind order %s' % [r['kind'] for r in groups[a[0]]])
    if g['requests']['remaining'] != 0 or g['requests']['limit'] != 4000:
        bad.append('key A requests %r' % g['requests'])
    if any(r['rejected_last_hour'] != 2 for r in groups[a[0]]):
        bad.append('key A 429s %r' % [r['rejected_last_hour'] for r in groups[a[0]]])
models_b = sorted(k[1] for k in b)
if models_b != ['claude-haiku-4-5', 'claude-sonnet-4-5']:
    bad.append('key B models %s' % models_b)
for k in b:
    want = 1 if k[1] == 'claude-haiku-4-5' else 0     # call's retried 429
    if any(r['rejected_last_hour'] != want for r in groups[k]):
        bad.append('key B %s 429s' % k[1])
    if any(r['limit'] is None or r['reset'] is None for r in groups[k]):
        bad.append('key B %s figures' % k[1])
o = [r for r in rows if r['provider'] == 'openai']
if sorted(r['kind'] for r in o) != ['requests', 'tokens'] or any(r['model'] != 'gpt-4.1' or r['reset'] is None for r in o):
    bad.append('openai rows %r' % o)
if bad: print('\n'.join(bad)); sys.exit(1)
PY
tt_ok "report limits --json: rows per provider, model, key and kind; 429s of the last hour"
"$B/tokentop" --db "$DB" report limits >"$T/l.txt"
tt_has "the table" "$(head -1 "$T/l.txt")" "REMAINING"
tt_has "the table names the model" "$(cat "$T/l.txt")" "claude-sonnet-4-5"
sqlite3 "$DB" .dump | grep -qE 'sk-ant|sk-openai' && tt_die "a key reached the ledger"
tt_ok "fingerprints only: no key in the ledger"

# --- old figures never overwrite newer ones ---------------------------------------
n=$(sqlite3 "$DB" "select count(*) from ratelimit where remaining = 0")
sqlite3 "$DB" "update ratelimit set updated_ms = updated_ms + 3600000"
tt_start_fakeapi second --key sk-ant-test
ANTHROPIC_BASE_URL=$FK_URL ANTHROPIC_API_KEY=sk-ant-test "$B/tokentop" --db "$DB" call \
	--model claude-haiku-4-5 --cache off "again" >/dev/null 2>&1 || tt_die "call 2"
tt_eq "an older answer does not overwrite" \
	"$(sqlite3 "$DB" "select count(*) from ratelimit where remaining = 0")" "$n"
tt_done
