#!/usr/bin/env bash
# sync_openai.sh — `tokentop sync --provider openai` against the double's
# organisation usage and costs: several pages, rows stored as OpenAI's, a
# re-sync that adds nothing, the gap in `report org` equal to another app's
# spend, `sync` without --provider syncing every provider with an Admin key,
# a failure half-way that writes nothing, keys never printed or stored.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_need jq
ADMIN=sk-admin-sync-openai
tt_start_fakeapi main --openai-admin-key "$ADMIN"
BASE=$FK_URL
export OPENAI_BASE_URL=$BASE/v1 OPENAI_API_KEY=sk-openai-test
DB=$T/usage.db
tt() { "$B/tokentop" --db "$DB" "$@"; }
q() { sqlite3 -separator ' ' "$DB" "$1"; }
DAY=86400
SINCE=$(date -u -d "@$(($(date +%s) - 4 * DAY))" +%F)

# ---- keys ----
set +e
tt sync --provider openai >/dev/null 2>"$T/e1"; rc1=$?
OPENAI_ADMIN_KEY=$OPENAI_API_KEY tt sync --provider openai >/dev/null 2>"$T/e2"; rc2=$?
set -e
[ $rc1 = 1 ] && grep -q 'OPENAI_ADMIN_KEY is not set' "$T/e1" || tt_die "no key: $rc1 $(cat "$T/e1")"
[ $rc2 = 1 ] && grep -q '401' "$T/e2" || tt_die "a project key: $rc2 $(cat "$T/e2")"
! grep -q "$OPENAI_API_KEY" "$T/e2" || tt_die "the key was printed"
export OPENAI_ADMIN_KEY=$ADMIN

# ---- usage: tokentop's calls, and another app's $2.00 three days ago ----
for i in 1 2; do tt call --provider openai "question $i" >/dev/null 2>&1 || tt_die "call $i"; done
curl -sf -X POST "$BASE/_fake/openai/org" -d "{\"rows\":[{\"model\":\"gpt-4.1\",
  \"input_tokens\":1000000,\"ago_seconds\":$((3 * DAY))}]}" >/dev/null || tt_die "org rows"

# ---- a sync of several pages ----
tt sync --provider openai --since "$SINCE" --limit 2 --json >"$T/s1" || tt_die "sync: $(cat "$T/s1")"
jq -e '.usage.pages >= 3 and .cost.pages >= 3 and .usage.rows >= 2 and .cost.rows >= 3
	and (.providers | length) == 1 and .providers[0].provider == "openai"' "$T/s1" >/dev/null ||
	tt_die "sync JSON: $(cat "$T/s1")"
[ "$(jq .org_cost_nanos "$T/s1")" = "$(jq .priced_nanos "$T/s1")" ] ||
	tt_die "cost report and list price disagree: $(jq -c '[.org_cost_nanos,.priced_nanos]' "$T/s1")"
[ "$(q "select count(*) from org_usage where provider <> 'openai'")" = 0 ] || tt_die "rows not OpenAI's"
# the other app's row: gpt-4.1, input 1,000,000 uncached, in its own bucket; batch false
[ "$(q "select sum(input), sum(cache_read) from org_usage where model like 'gpt-4.1%'")" = "1000000 0" ] ||
	tt_die "usage rows: $(q "select * from org_usage")"
[ "$(q "select amount_nanos, token_type from org_cost where model like 'gpt-4.1-%'")" = "2000000000 input" ] ||
	tt_die "cost rows: $(q "select * from org_cost")"

# ---- a re-sync adds nothing ----
snap() { q "select count(*), sum(input), sum(cache_read), sum(output) from org_usage;
	select count(*), sum(amount_nanos) from org_cost"; }
before=$(snap)
tt sync --provider openai --since "$SINCE" --limit 3 --json >"$T/s2" || tt_die "re-sync"
[ "$(snap)" = "$before" ] || tt_die "re-sync changed the rows: $before → $(snap)"
for k in .org_cost_nanos .tokens; do
	[ "$(jq -c "$k" "$T/s1")" = "$(jq -c "$k" "$T/s2")" ] || tt_die "re-sync doubled $k"
done

# ---- report org: the organisation, tokentop's own, the gap = the other app ----
tt report org --provider openai --since "$SINCE" --json >"$T/r1"
jq -e '.totals.gap_nanos == 2000000000 and .totals.ledger_cost_nanos > 0
	and (.providers | length) == 1 and .providers[0].provider == "openai"
	and .providers[0].last_sync != null' "$T/r1" >/dev/null || tt_die "report org: $(jq -c '.totals, .providers' "$T/r1")"
tt report org --provider openai --since "$SINCE" | grep -q '^openai  ' || tt_die "report org lacks the provider line"

# ---- sync without --provider: every provider with an Admin key ----
export ANTHROPIC_BASE_URL=$BASE ANTHROPIC_ADMIN_KEY=sk-ant-admin-test
tt sync --since "$SINCE" --json >"$T/s3" || tt_die "sync all: $(cat "$T/s3")"
[ "$(jq -c '[.providers[].provider]' "$T/s3")" = '["anthropic","openai"]' ] || tt_die "providers: $(jq -c .providers "$T/s3")"
[ "$(jq '[.providers[].org_cost_nanos] | add' "$T/s3")" = "$(jq .org_cost_nanos "$T/s3")" ] || tt_die "sums"
[ "$(snap)" = "$before" ] || tt_die "the Anthropic sync touched OpenAI's rows"
tt report org --since "$SINCE" --json >"$T/r2"
[ "$(jq -c '[.providers[].provider]' "$T/r2")" = '["anthropic","openai"]' ] || tt_die "report providers"
[ "$(jq '[.providers[].gap_nanos] | add' "$T/r2")" = "$(jq .totals.gap_nanos "$T/r2")" ] || tt_die "report sums"

# ---- a failure half-way (the costs answer 400) writes nothing ----
curl -sf -X POST "$BASE/_fake/openai/org" -d '{"rows":[{"model":"gpt-4.1","output_tokens":5000}]}' >/dev/null
curl -sf -X POST "$BASE/_fake/faults" -d '{"faults":[{"path":"/v1/organization/costs","status":400}]}' >/dev/null
set +e
tt sync --provider openai --since "$SINCE" >/dev/null 2>"$T/e3"; rc=$?
set -e
[ $rc = 1 ] && grep -q 'cost report: 400' "$T/e3" || tt_die "half-way failure: $rc $(cat "$T/e3")"
[ "$(snap)" = "$before" ] || tt_die "a failed sync changed the rows"

# ---- an older ledger's organisation rows become Anthropic's ----
OLD=$T/old.db
"$B/tokentop" --db "$OLD" report org >/dev/null
v=$(sqlite3 "$OLD" 'pragma user_version')
sqlite3 "$OLD" "drop table org_usage; drop table org_cost; drop table org_sync;
	create table org_usage (bucket_start integer not null, bucket_width integer not null,
	  model text not null, api_key_id text not null, workspace_id text not null,
	  service_tier text not null, input integer not null, write_5m integer not null,
	  write_1h integer not null, cache_read integer not null, output integer not null,
	  primary key (bucket_start, bucket_width, model, api_key_id, workspace_id, service_tier))
	  without rowid;
	create table org_cost (bucket_start integer not null, description text not null,
	  model text not null, token_type text not null, service_tier text not null,
	  amount_nanos integer not null,
	  primary key (bucket_start, description, model, token_type, service_tier)) without rowid;
	create table org_sync (id integer primary key check (id = 1), synced_ms integer not null,
	  since_ms integer not null, until_ms integer not null);
	insert into org_usage values (1795737600000, 86400, 'claude-sonnet-4-5', 'k', '', '', 5, 0, 0, 0, 1);
	insert into org_cost values (1795737600000, 'd', 'claude-sonnet-4-5', 'input', '', 15);
	insert into org_sync values (1, 1795800000000, 1795737600000, 1795824000000);
	pragma user_version = 11;"   # migration 11 → 12 made org rows per provider (append-only: it stays 12)
"$B/tokentop" --db "$OLD" report org --since 2026-11-27 --until 2026-11-27 --json >"$T/old.json" ||
	tt_die "report org on a migrated ledger"
[ "$(sqlite3 "$OLD" "select provider, input from org_usage; select provider, amount_nanos from org_cost;
	select provider from org_sync; pragma user_version" | tr '\n' ' ')" = "anthropic|5 anthropic|15 anthropic $v " ] ||
	tt_die "migrated rows: $(sqlite3 "$OLD" 'select * from org_usage; select * from org_sync')"
jq -e '.providers[0].provider == "anthropic" and .totals.org_cost_nanos == 15' "$T/old.json" >/dev/null ||
	tt_die "migrated report: $(cat "$T/old.json")"

# keys never reach the ledger
if grep -qa "$ADMIN" "$DB"* 2>/dev/null; then tt_die "the admin key is in the database"; fi
tt_done
