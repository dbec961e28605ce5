#!/usr/bin/env bash
# exporter.sh — `tokentop exporter`: /metrics read by a strict parser
# (tests/lib/promcheck.py, then prometheus_client) and every counter equal
# to `report … --json` on the same ledger: cost, requests and tokens per
# model × source, also under prices that change by date and with web
# searches, to the nano-dollar; a fleet's ledger (two hosts' rows): each
# series labelled with its rows' host and equal to report --host H; unpriced
# requests, budgets and batches; hostile model names
# and tags escaped; the tag label only when configured; GET/HEAD only, 404
# elsewhere; a read-only ledger; a poisoned one (500, the reason); loopback
# by default.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
export TZ=UTC
DB=$T/usage.db
PY=/usr/bin/python3      # the Debian python that python3-prometheus-client serves
$PY -c 'import prometheus_client' 2>/dev/null || tt_die "python3-prometheus-client missing (make deps)"

# --- a ledger: transcripts (import, two tags, hostile names), proxy rows today
TAG1=$'team "a"\\x'
TAG2='검색팀'
cat >"$T/a.jsonl" <<'J'
{"type":"assistant","sessionId":"s1","timestamp":"2026-11-30T10:00:00.000Z","requestId":"req_1","message":{"id":"msg_1","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":10,"output_tokens":100,"cache_creation_input_tokens":2000,"cache_read_input_tokens":30000,"cache_creation":{"ephemeral_5m_input_tokens":1500,"ephemeral_1h_input_tokens":500}}}}
{"type":"assistant","sessionId":"s1","timestamp":"2026-11-30T11:00:00.000Z","requestId":"req_2","message":{"id":"msg_2","model":"claude-sonnet-4-5","usage":{"input_tokens":7,"output_tokens":3}}}
{"type":"assistant","sessionId":"s1","timestamp":"2026-11-30T12:00:00.000Z","requestId":"req_3","message":{"id":"msg_3","model":"we\"ird\nmodel\\x 팀","usage":{"input_tokens":5,"output_tokens":1}}}
J
cat >"$T/b.jsonl" <<'J'
{"type":"assistant","sessionId":"s2","timestamp":"2026-11-29T08:00:00.000Z","requestId":"req_4","message":{"id":"msg_4","model":"claude-haiku-4-5","usage":{"input_tokens":123,"output_tokens":45,"cache_read_input_tokens":77}}}
{"type":"assistant","sessionId":"s2","timestamp":"2026-11-29T09:00:00.000Z","requestId":"req_5","message":{"id":"msg_5","model":"claude-opus-4-6","usage":{"input_tokens":1001,"output_tokens":2003}}}
J
# the writers' host (the config's): the exporter's host label
mkdir -p "$XDG_CONFIG_HOME/tokentop"
echo '{"host":"box \"7\"","budgets":[{"daily":"50","monthly":"1500"},{"tag":"검색팀","daily":"2"}]}' \
	>"$XDG_CONFIG_HOME/tokentop/config.json"
"$B/tokentop" --db "$DB" import --tag "$TAG1" "$T/a.jsonl" >/dev/null
"$B/tokentop" --db "$DB" import --tag "$TAG2" "$T/b.jsonl" >/dev/null
tt_start_fakeapi main
tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$FK_URL"
for i in 1 2 3; do
	curl -sS -o /dev/null -H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' \
		-H 'content-type: application/json' "$PROXY/v1/messages" \
		-d '{"model":"claude-haiku-4-5","max_tokens":32,"messages":[{"role":"user","content":"hello '$i'"}]}'
done
tt_stop_proxy
[ "$(sqlite3 "$DB" "select count(*) from usage where source='proxy'")" = 3 ] || tt_die "proxy rows"
sqlite3 "$DB" "insert into batch (id, status) values ('msgbatch_a','ended'),('msgbatch_b','ended'),('msgbatch_c','in_progress')"


start_exporter() {  # extra args
	tt_start_proxy --db "$DB" exporter --listen 127.0.0.1:0 "$@"
	EXP=$PROXY
}
scrape() {  # file
	curl -sS -D "$1.h" -o "$1" "$EXP/metrics" || tt_die "scrape failed"
	$PY tests/lib/promcheck.py "$1" >"$1.json" || tt_die "not a valid exposition: $(cat "$1")"
}

# --- the families, by the strict parser ----------------------------------------
start_exporter
scrape "$T/m1"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/m1.h" || tt_die "content type: $(cat "$T/m1.h")"
for f in tokentop_cost_usd_total tokentop_requests_total tokentop_tokens_total tokentop_budget_spent_usd \
	tokentop_budget_limit_usd tokentop_batches tokentop_unpriced_requests_total; do
	jq -e --arg f "$f" 'has($f)' "$T/m1.json" >/dev/null || tt_die "family $f missing"
done
tt_ok "every family, with HELP and TYPE, read by promcheck and prometheus_client"
grep -qF 'model="we\"ird\nmodel\\x 팀"' "$T/m1" || tt_die "model name not escaped: $(grep ird "$T/m1")"
grep -qF 'host="box \"7\""' "$T/m1" || tt_die "host label: $(head -5 "$T/m1")"
grep -q 'tag=' "$T/m1" && grep -q '^tokentop_cost_usd_total{.*tag=' "$T/m1" && tt_die "a tag label without metrics.tag_label"
tt_ok "hostile model name escaped, UTF-8 kept; host from the rows (the config's); no tag label by default"

# --- every counter equals report --json ----------------------------------------
for s in import proxy; do "$B/tokentop" --db "$DB" report models --source $s --json >"$T/r.$s.json"; done
"$B/tokentop" --db "$DB" report models --json >"$T/r.models.json"
"$B/tokentop" --db "$DB" report daily --since "$(date -u +%F)" --json >"$T/r.today.json"
"$B/tokentop" --db "$DB" report monthly --since "$(date -u +%Y-%m-01)" --json >"$T/r.month.json"
"$B/tokentop" --db "$DB" report daily --since "$(date -u +%F)" --tag "$TAG2" --json >"$T/r.tagtoday.json"
$PY - "$T" <<'PY' || tt_die "exporter and report disagree"
import json, sys
from decimal import Decimal
T = sys.argv[1]
m = json.load(open(T + '/m1.json'))
def nanos(x): return int((Decimal(str(x)) * 10**9).to_integral_value())
def series(fam): return [(s[1], s[2]) for s in m[fam]]
bad = []
def eq(what, got, want):
    if got != want: bad.append('%s: exporter %r, report %r' % (what, got, want))
cells = {}
for lab, v in series('tokentop_cost_usd_total'):
    cells.setdefault((lab['model'], lab['source']), {})['cost'] = nanos(v)
for lab, v in series('tokentop_requests_total'):
    cells.setdefault((lab['model'], lab['source']), {})['requests'] = int(v)
seen = set()
for src in ('import', 'proxy'):
    r = json.load(open('%s/r.%s.json' % (T, src)))
    for row in r['rows']:
        c = cells.get((row['model'], src), {})
        eq('cost %s/%s' % (row['model'], src), c.get('cost'), nanos(row['cost_usd']))
        eq('requests %s/%s' % (row['model'], src), c.get('requests'), row['requests'])
        seen.add((row['model'], src))
eq('cells', sorted(cells), sorted(seen))
tok = {(l['model'], l['type']): int(v) for l, v in series('tokentop_tokens_total')}
kinds = {'input': 'input_tokens', 'cache_write_5m': 'cache_write_5m_tokens',
         'cache_write_1h': 'cache_write_1h_tokens', 'cache_read': 'cache_read_tokens',
         'output': 'output_tokens'}
r = json.load(open(T + '/r.models.json'))
for row in r['rows']:
    for k, jk in kinds.items():
        eq('tokens %s %s' % (row['model'], k), tok.get((row['model'], k)), row[jk])
eq('token series', len(tok), 5 * len(r['rows']))
unp = {l['model']: int(v) for l, v in series('tokentop_unpriced_requests_total')}
want = {row['model']: row['requests'] for row in r['rows'] if row['model'] in r['unpriced_models']}
eq('unpriced', unp, want)
spent = {(l['period'], l['tag']): nanos(v) for l, v in series('tokentop_budget_spent_usd')}
limit = {(l['period'], l['tag']): nanos(v) for l, v in series('tokentop_budget_limit_usd')}
today = json.load(open(T + '/r.today.json'))['totals']['cost_usd']
month = json.load(open(T + '/r.month.json'))['totals']['cost_usd']
tagtoday = json.load(open(T + '/r.tagtoday.json'))['totals']['cost_usd']
eq('budget spent', spent, {('daily', ''): nanos(today), ('monthly', ''): nanos(month),
                           ('daily', '검색팀'): nanos(tagtoday)})
eq('budget limits', limit, {('daily', ''): 50 * 10**9, ('monthly', ''): 1500 * 10**9,
                            ('daily', '검색팀'): 2 * 10**9})
eq('batches', {(l['provider'], l['status']): int(v) for l, v in series('tokentop_batches')},
   {('anthropic', 'ended'): 2, ('anthropic', 'in_progress'): 1})
if today <= 0: bad.append('no spend today: the proxy rows are missing')
if bad:
    print('\n'.join(bad)); sys.exit(1)
PY
tt_ok "cost, requests, tokens, unpriced, budgets and batches equal report --json"

# --- HTTP: GET and HEAD only, /metrics only -------------------------------------
tt_eq "404 elsewhere" "$(curl -s -o /dev/null -w '%{http_code}' "$EXP/")" 404
tt_eq "404 for /metrics/x" "$(curl -s -o /dev/null -w '%{http_code}' "$EXP/metrics/x")" 404
tt_eq "405 for POST" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$EXP/metrics")" 405
tt_eq "HEAD answers 200" "$(curl -s -I -o /dev/null -w '%{http_code}' "$EXP/metrics")" 200
tt_eq "a query string is fine" "$(curl -s -o /dev/null -w '%{http_code}' "$EXP/metrics?x=1")" 200
tt_stop_proxy

# --- the tag label when configured ----------------------------------------------
echo '{"metrics":{"tag_label":true}}' >"$XDG_CONFIG_HOME/tokentop/config.json"
start_exporter
scrape "$T/m2"
grep -qF 'tag="team \"a\"\\x"' "$T/m2" || tt_die "hostile tag not escaped: $(grep tag= "$T/m2" | head -3)"
"$B/tokentop" --db "$DB" report tags --json >"$T/r.tags.json"
$PY - "$T" <<'PY' || tt_die "per-tag sums differ from report tags"
import json, sys
from decimal import Decimal
T = sys.argv[1]
m = json.load(open(T + '/m2.json'))
got = {}
for s in m['tokentop_cost_usd_total']:
    got[s[1]['tag']] = got.get(s[1]['tag'], 0) + int(Decimal(s[2]) * 10**9)
want = {r['tag']: int((Decimal(str(r['cost_usd'])) * 10**9).to_integral_value())
        for r in json.load(open(T + '/r.tags.json'))['rows']}
if got != want: print(got, want); sys.exit(1)
PY
tt_ok "metrics.tag_label: a tag label, summing to report tags"
tt_stop_proxy

# --- a read-only ledger ---------------------------------------------------------
if tt_no_override; then
	mkdir "$T/ro" && cp "$DB" "$T/ro/usage.db" && chmod 0444 "$T/ro/usage.db" && chmod 0555 "$T/ro"
	: >"$T/pport"
	$NOPRIV "$B/tokentop" --db "$T/ro/usage.db" exporter --listen 127.0.0.1:0 >"$T/pport" 2>"$T/perr" &
	RO_PID=$!
	tt_track "$RO_PID"
	tt_wait_file "$T/pport" || tt_die "no start on a read-only ledger: $(cat "$T/perr")"
	EXP=http://127.0.0.1:$(sed -nE 's/^listening on 127\.0\.0\.1:([0-9]+)$/\1/p' "$T/pport")
	scrape "$T/m3"
	grep -q '^tokentop_requests_total{.*source="proxy".*} 3$' "$T/m3" || tt_die "read-only scrape: $(cat "$T/m3")"
	kill -TERM "$RO_PID"; wait "$RO_PID" || tt_die "exit status on SIGTERM"
	chmod 0755 "$T/ro"
	tt_ok "a read-only ledger is served: the file and its folder read-only"
fi

# --- a ledger poisoned by hand: 500 with the reason, no made-up numbers ----------
cp "$DB" "$T/poison.db"
sqlite3 "$T/poison.db" "UPDATE rollup_lt SET input = -5"
tt_start_proxy --db "$T/poison.db" exporter --listen 127.0.0.1:0
tt_eq "a poisoned ledger answers 500" "$(curl -s -o "$T/p" -w '%{http_code}' "$PROXY/metrics")" 500
tt_has "and says why" "$(cat "$T/p")" "no rows can make"
tt_stop_proxy

# --- prices that change by date, web searches: still the reports' cost ------------
# A user price file moves claude-sonnet-4-5 and the web-search rate on
# 2026-11-30, and gives claude-haiku-4-5 rates of fractions of a nano-dollar
# a token (the grouping decides the last nano-dollar); transcripts on both
# sides of the date carry web searches. Every cost series (summed over its
# tags) equals report models --source S to the nano-dollar.
cat >"$XDG_CONFIG_HOME/tokentop/prices.json" <<'P'
{"models":[{"id":"claude-sonnet-4-5","since":"2026-11-30","input":"4","write_5m":"5","write_1h":"8",
  "cache_read":"0.40","output":"20"},
 {"id":"claude-haiku-4-5","input":"0.0125","write_5m":"0.0313","write_1h":"2","cache_read":"0.0025",
  "output":"0.1"}],
 "server_tools":[{"id":"web_search","usd_per_1000":"12.5","since":"2026-11-30"}]}
P
cat >"$T/c.jsonl" <<'J'
{"type":"assistant","sessionId":"s3","timestamp":"2026-11-29T23:00:00.000Z","requestId":"req_6","message":{"id":"msg_6","model":"claude-sonnet-4-5","usage":{"input_tokens":100001,"output_tokens":7,"server_tool_use":{"web_search_requests":3}}}}
{"type":"assistant","sessionId":"s3","timestamp":"2026-11-30T01:00:00.000Z","requestId":"req_7","message":{"id":"msg_7","model":"claude-sonnet-4-5","usage":{"input_tokens":100001,"output_tokens":7,"server_tool_use":{"web_search_requests":1}}}}
{"type":"assistant","sessionId":"s3","timestamp":"2026-11-29T05:00:00.000Z","requestId":"req_8","message":{"id":"msg_8","model":"claude-haiku-4-5","usage":{"input_tokens":3,"output_tokens":5,"cache_read_input_tokens":333}}}
{"type":"assistant","sessionId":"s3","timestamp":"2026-11-30T05:00:00.000Z","requestId":"req_9","message":{"id":"msg_9","model":"claude-haiku-4-5","usage":{"input_tokens":7,"output_tokens":1,"cache_read_input_tokens":111}}}
J
"$B/tokentop" --db "$DB" import "$T/c.jsonl" >/dev/null
"$B/tokentop" prices --at 2026-11-29 | grep -q 'web_search: \$10.00 per 1,000' || tt_die "the shipped rate before the date"
start_exporter
scrape "$T/m4"
tt_stop_proxy
for s in import proxy; do "$B/tokentop" --db "$DB" report models --source $s --json >"$T/r4.$s.json"; done
$PY - "$T" <<'PY' || tt_die "exporter and report disagree under dated prices and web searches"
import json, sys
from decimal import Decimal
T = sys.argv[1]
m = json.load(open(T + '/m4.json'))
def nanos(x): return int((Decimal(str(x)) * 10**9).to_integral_value())
cost, req = {}, {}
for s in m['tokentop_cost_usd_total']:
    k = (s[1]['model'], s[1]['source'])
    cost[k] = cost.get(k, 0) + nanos(s[2])
for s in m['tokentop_requests_total']:
    k = (s[1]['model'], s[1]['source'])
    req[k] = req.get(k, 0) + int(s[2])
bad, want, tools = [], {}, 0
for src in ('import', 'proxy'):
    for row in json.load(open('%s/r4.%s.json' % (T, src)))['rows']:
        want[(row['model'], src)] = (nanos(row['cost_usd']), row['requests'])
        tools += nanos(row['tool_cost_usd'])
got = {k: (cost.get(k), req.get(k)) for k in set(cost) | set(req)}
for k in sorted(set(got) | set(want)):
    if got.get(k) != want.get(k):
        bad.append('%s: exporter %r, report %r' % (k, got.get(k), want.get(k)))
# 3 searches at $10/1000 before the date, 1 at $12.50 from it
if tools != 3 * 10**7 + 125 * 10**5: bad.append('web-search cost %d' % tools)
if bad: print('\n'.join(bad)); sys.exit(1)
PY
tt_ok "dated prices and web searches: every cost series equals report models --source to the nano-dollar"

# --- a fleet's ledger: each series labelled with the host that wrote its rows ----
# Two hosts (TOKENTOP_HOST; no config host) import into one ledger, the same
# models on both. Each host's series equals report models --source S --host H
# to the nano-dollar, under the dated prices above (rollup_ds) and without
# them (rollup_lt).
echo '{}' >"$XDG_CONFIG_HOME/tokentop/config.json"
H2='béta "2"'
FL=$T/fleet.db
sed 's/"req_/"rq2_/; s/"msg_/"mg2_/' "$T/c.jsonl" >"$T/c2.jsonl"
TOKENTOP_HOST=alpha "$B/tokentop" --db "$FL" import "$T/a.jsonl" "$T/c.jsonl" >/dev/null
TOKENTOP_HOST="$H2" "$B/tokentop" --db "$FL" import "$T/b.jsonl" "$T/c2.jsonl" >/dev/null
fleet_check() {  # name
	tt_start_proxy --db "$FL" exporter --listen 127.0.0.1:0
	EXP=$PROXY
	scrape "$T/$1"
	tt_stop_proxy
	for h in alpha "$H2"; do
		"$B/tokentop" --db "$FL" report models --source import --host "$h" --json >"$T/$1.$h.json"
	done
	$PY - "$T" "$1" "$H2" <<'PY' || tt_die "$1: a host's series differ from report --host"
import json, sys
from decimal import Decimal
T, name, h2 = sys.argv[1:4]
m = json.load(open('%s/%s.json' % (T, name)))
def nanos(x): return int((Decimal(str(x)) * 10**9).to_integral_value())
got = {}
for s in m['tokentop_cost_usd_total']:
    got.setdefault((s[1]['model'], s[1]['source'], s[1]['host']), [None, None])[0] = nanos(s[2])
for s in m['tokentop_requests_total']:
    got.setdefault((s[1]['model'], s[1]['source'], s[1]['host']), [None, None])[1] = int(s[2])
want = {}
for h in ('alpha', h2):
    for row in json.load(open('%s/%s.%s.json' % (T, name, h)))['rows']:
        want[(row['model'], 'import', h)] = [nanos(row['cost_usd']), row['requests']]
bad = ['%s: exporter %r, report %r' % (k, got.get(k), want.get(k))
       for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)]
if {k[2] for k in got} != {'alpha', h2}: bad.append('hosts %r' % sorted({k[2] for k in got}))
if not any(k[0] == 'claude-sonnet-4-5' and k[2] == h2 for k in got) or \
   not any(k[0] == 'claude-sonnet-4-5' and k[2] == 'alpha' for k in got):
    bad.append('one model on both hosts')
if bad: print('\n'.join(bad)); sys.exit(1)
PY
}
fleet_check f1
grep -qF 'host="béta \"2\""' "$T/f1" || tt_die "host label escaped: $(grep -m1 béta "$T/f1")"
tt_ok "a fleet's ledger, dated prices: each host's series equals report models --source S --host H"
rm -f "$XDG_CONFIG_HOME/tokentop/prices.json"
fleet_check f2
tt_ok "and without dates (the lifetime cells by host)"

# --- loopback by default --------------------------------------------------------
set +e
"$B/tokentop" --db "$DB" exporter --listen 0.0.0.0:0 >/dev/null 2>"$T/e"; rc=$?
set -e
tt_eq "non-loopback --listen refused (usage)" "$rc" 2
tt_has "says why" "$(cat "$T/e")" "not a loopback address"
tt_done
