#!/usr/bin/env bash
# grafana.sh — share/grafana/tokentop.json is valid JSON, a dashboard with
# panels, and every query (panel exprs and template variables) names only
# metric families that `tokentop exporter` and `tokentop proxy --metrics`
# emit (read from their # TYPE lines; a histogram's _bucket/_sum/_count
# count as its family), with only labels those families carry.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
D=share/grafana/tokentop.json
jq -e '.panels | length > 0' "$D" >/dev/null || tt_die "$D: not JSON, or no panels"
jq -e '[.panels[] | .targets | length > 0] | all' "$D" >/dev/null || tt_die "a panel without a query"
tt_ok "valid JSON with panels, each with a query"

DB=$T/usage.db
tt_start_fakeapi main
tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$FK_URL" --metrics 127.0.0.1:0
MP=$(sed -nE 's/^metrics on 127\.0\.0\.1:([0-9]+)$/\1/p' "$T/pport")
curl -sS -o /dev/null -H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' \
	-H 'content-type: application/json' "$PROXY/v1/messages" \
	-d '{"model":"claude-haiku-4-5","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}'
curl -sS "http://127.0.0.1:$MP/metrics" >"$T/families"
tt_stop_proxy
# the ledger's families, with samples to read their labels from
sqlite3 "$DB" "insert into batch (id, status) values ('msgbatch_1', 'ended')"
mkdir -p "$XDG_CONFIG_HOME/tokentop"
echo '{"budgets":[{"daily":"5"}]}' >"$XDG_CONFIG_HOME/tokentop/config.json"
tt_start_proxy --db "$DB" exporter --listen 127.0.0.1:0
curl -sS "$PROXY/metrics" >>"$T/families"
tt_stop_proxy

{ jq -r '.. | .expr? // empty' "$D"; jq -r '.templating.list[] | .definition' "$D"; } >"$T/exprs"
python3 - "$T/families" "$T/exprs" <<'PY' || tt_die "the dashboard names what the code does not emit"
import re, sys
fam, labels = {}, {}
for line in open(sys.argv[1]):
    m = re.match(r'# TYPE (\S+) (\S+)', line)
    if m:
        fam[m.group(1)] = m.group(2)
        labels.setdefault(m.group(1), set())
        continue
    m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ', line)
    if m and not line.startswith('#'):
        name = m.group(1)
        for suf in ('_bucket', '_sum', '_count'):
            if name.endswith(suf) and fam.get(name[:-len(suf)]) == 'histogram':
                name = name[:-len(suf)]
        labels.setdefault(name, set()).update(re.findall(r'([a-zA-Z_]\w*)="', m.group(2) or ''))
bad = []
for e in open(sys.argv[2]).read().split('\n'):
    for name, sel in re.findall(r'\b(tokentop_[a-z_]+)(\{[^}]*\})?', e):
        base = name
        for suf in ('_bucket', '_sum', '_count'):
            if name.endswith(suf) and fam.get(name[:-len(suf)]) == 'histogram':
                base = name[:-len(suf)]
        if base not in fam:
            bad.append('%s: not emitted (in %s)' % (name, e))
            continue
        for l in re.findall(r'([a-zA-Z_]\w*)\s*(?:=~|!=|!~|=)', sel or ''):
            if l != 'le' and labels[base] and l not in labels[base]:
                bad.append('%s has no label %s' % (base, l))
if not fam:
    bad.append('no families read')
if bad:
    print('\n'.join(bad)); sys.exit(1)
print('families:', len(fam))
PY
tt_ok "every expression names emitted families and their labels"
tt_done
