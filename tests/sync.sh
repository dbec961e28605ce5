#!/usr/bin/env bash
# sync.sh — `tokentop sync` and `tokentop report org` against the API double:
# calls through tokentop, other apps' usage added on the double, a sync that
# pages several times, a re-sync that replaces (never doubles), the gap in
# `report org --json`, and the Admin key's errors (missing, a normal key).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
ADMIN=sk-ant-admin-sync-sh
tt_start_fakeapi main --admin-key "$ADMIN"
BASE=$FK_URL
export ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=sk-ant-test TZ=UTC
DB=$T/usage.db
tt() { "$B/tokentop" --db "$DB" "$@"; }
SINCE=$(date -u -d '10 days ago' +%F)
TWO_DAYS_AGO=$(date -u -d '2 days ago' +%F)
TODAY=$(date -u +%F)

# tokentop's own calls (in the ledger and in the organisation's report)
tt call "first question" >/dev/null 2>&1 || tt_die "call 1"
tt call "second, longer question for the ledger" >/dev/null 2>&1 || tt_die "call 2"

# other apps' usage the ledger never saw: $3 today, $5 two days ago
curl -sf -X POST "$BASE/_fake/org" -d '{"rows":[
  {"model":"claude-sonnet-4-5","uncached_input_tokens":1000000,"ago_seconds":0,
   "api_key_id":"apikey_01OtherApp","workspace_id":"wrkspc_01Other"},
  {"model":"claude-haiku-4-5","output_tokens":1000000,"ago_seconds":172800}]}' >"$T/added"
[ "$(jq .added "$T/added")" = 2 ] || tt_die "control endpoint: $(cat "$T/added")"

# no Admin key: a clear message, exit 1, nothing synced
set +e
tt sync >"$T/out" 2>"$T/err"; rc=$?
set -e
[ $rc = 1 ] || tt_die "sync without a key: exit $rc"
grep -q 'ANTHROPIC_ADMIN_KEY is not set' "$T/err" || tt_die "no-key message: $(cat "$T/err")"

# a normal API key is refused by the Admin API, and is never printed
set +e
ANTHROPIC_ADMIN_KEY=sk-ant-test tt sync >"$T/out" 2>"$T/err"; rc=$?
set -e
[ $rc = 1 ] || tt_die "sync with a normal key: exit $rc"
grep -q 'permission_error' "$T/err" || tt_die "normal key message: $(cat "$T/err")"
grep -q 'sk-ant-test' "$T/err" && tt_die "the key was printed: $(cat "$T/err")"

# usage errors exit 2
for args in "--since 2026-13-01" "--limit 0" "--limit 32" "--bogus"; do
	set +e
	# shellcheck disable=SC2086
	tt sync $args >/dev/null 2>&1; rc=$?
	set -e
	[ $rc = 2 ] || tt_die "sync $args: exit $rc"
done

export ANTHROPIC_ADMIN_KEY=$ADMIN
# 10 daily buckets at 3 a page (4 pages) + 1 page of today's minutes; cost: 11 days, 4 pages
tt sync --since "$SINCE" --limit 3 --json >"$T/s1" || tt_die "sync: $(cat "$T/s1")"
[ "$(jq .usage.pages "$T/s1")" = 5 ] || tt_die "usage pages: $(jq -c .usage "$T/s1")"
[ "$(jq .cost.pages "$T/s1")" = 4 ] || tt_die "cost pages: $(jq -c .cost "$T/s1")"
[ "$(jq .cost.buckets "$T/s1")" = 11 ] || tt_die "cost buckets: $(jq -c .cost "$T/s1")"
grep -q "$ADMIN" "$T/s1" && tt_die "the admin key was printed"

# the organisation's tokens = the ledger's + the other apps'
read -r lin lout <<<"$(sqlite3 -separator ' ' "$DB" "select sum(input), sum(output) from usage")"
[ "$(jq .tokens.input "$T/s1")" = $((lin + 1000000)) ] || tt_die "org input $(jq .tokens "$T/s1"), ledger $lin"
[ "$(jq .tokens.output "$T/s1")" = $((lout + 1000000)) ] || tt_die "org output $(jq .tokens "$T/s1"), ledger $lout"
# the cost report agrees with the price table
[ "$(jq .org_cost_nanos "$T/s1")" = "$(jq .priced_nanos "$T/s1")" ] || tt_die "cost vs priced: $(cat "$T/s1")"

# the gap: exactly the other apps' $3 today and $5 two days ago
tt report org --since "$SINCE" --json >"$T/r1"
jq -e '.rows | all(has("date") and has("org_cost_usd") and has("ledger_cost_usd") and has("gap_usd")
    and has("org_input_tokens") and has("org_output_tokens"))' "$T/r1" >/dev/null || tt_die "row keys: $(cat "$T/r1")"
gap() { jq -r --arg d "$2" '.rows[] | select(.date == $d) | .gap_nanos' "$1"; }
[ "$(gap "$T/r1" "$TODAY")" = 3000000000 ] || tt_die "today's gap: $(jq -c '.rows' "$T/r1")"
[ "$(gap "$T/r1" "$TWO_DAYS_AGO")" = 5000000000 ] || tt_die "gap two days ago: $(jq -c '.rows' "$T/r1")"
[ "$(jq .totals.gap_nanos "$T/r1")" = 8000000000 ] || tt_die "total gap: $(jq -c .totals "$T/r1")"
[ "$(jq .totals.gap_usd "$T/r1")" = 8 ] || tt_die "total gap usd: $(jq -c .totals "$T/r1")"
jq -e '.models | map(.model) | index("claude-haiku-4-5") != null' "$T/r1" >/dev/null ||
	tt_die "models: $(jq -c .models "$T/r1")"
[ "$(jq '.models[] | select(.model == "claude-haiku-4-5") | .org_cost_nanos' "$T/r1")" = 5000000000 ] ||
	tt_die "haiku's org cost: $(jq -c .models "$T/r1")"
jq -e '.rows | all(.synced)' "$T/r1" >/dev/null || tt_die "rows not marked synced: $(jq -c .rows "$T/r1")"
ledger=$(jq -r '.rows[] | select(.date == "'"$TODAY"'") | .ledger_cost_nanos' "$T/r1")
[ "$ledger" -gt 0 ] || tt_die "today's ledger cost is 0"
tt report org --since "$SINCE" >"$T/table"
grep -q '^total .*\$8\.0000' "$T/table" || tt_die "table: $(cat "$T/table")"

# a re-sync replaces: same rows, same totals
n1=$(sqlite3 "$DB" "select count(*) from org_usage").$(sqlite3 "$DB" "select count(*) from org_cost")
tt sync --since "$SINCE" --limit 3 --json >"$T/s2"
n2=$(sqlite3 "$DB" "select count(*) from org_usage").$(sqlite3 "$DB" "select count(*) from org_cost")
[ "$n1" = "$n2" ] || tt_die "re-sync changed the row counts: $n1 → $n2"
for k in .tokens .org_cost_nanos; do
	[ "$(jq -c "$k" "$T/s1")" = "$(jq -c "$k" "$T/s2")" ] || tt_die "re-sync doubled $k"
done
tt report org --since "$SINCE" --json >"$T/r2"
[ "$(jq .totals.gap_nanos "$T/r2")" = 8000000000 ] || tt_die "gap after re-sync: $(jq -c .totals "$T/r2")"

# new usage on both sides, re-sync: the ledger call closes no gap, the other app's $0.15 opens one
tt call "a third question" >/dev/null 2>&1 || tt_die "call 3"
curl -sf -X POST "$BASE/_fake/org" -d '{"rows":[{"model":"claude-sonnet-4-5","output_tokens":10000}]}' >/dev/null
tt sync --since "$SINCE" >"$T/s3" || tt_die "sync 3"
grep -q '^usage report: [0-9]* pages' "$T/s3" || tt_die "sync output: $(cat "$T/s3")"
tt report org --since "$SINCE" --json >"$T/r3"
[ "$(jq .totals.gap_nanos "$T/r3")" = 8150000000 ] || tt_die "gap after new usage: $(jq -c .totals "$T/r3")"

# a zone east of UTC syncs by the minute from the earlier UTC midnight: still no doubling
TZ=Asia/Seoul tt sync --since "$SINCE" >/dev/null || tt_die "sync in Asia/Seoul"
tt report org --since "$SINCE" --json >"$T/r4"
[ "$(jq .totals.gap_nanos "$T/r4")" = 8150000000 ] || tt_die "gap after a Seoul sync: $(jq -c .totals "$T/r4")"

# a later sync of today only: the older days are kept but marked as outside its range
tt sync --since "$TODAY" >/dev/null || tt_die "sync of today"
tt report org --since "$SINCE" --json >"$T/r5"
[ "$(jq -r --arg d "$TWO_DAYS_AGO" '.rows[] | select(.date == $d) | .synced' "$T/r5")" = false ] ||
	tt_die "two days ago still marked synced: $(jq -c .rows "$T/r5")"
[ "$(jq -r --arg d "$TODAY" '.rows[] | select(.date == $d) | .synced' "$T/r5")" = true ] ||
	tt_die "today not marked synced: $(jq -c .rows "$T/r5")"
[ "$(jq .totals.gap_nanos "$T/r5")" = 8150000000 ] || tt_die "gap after a sync of today: $(jq -c .totals "$T/r5")"
tt report org --since "$SINCE" | grep -q "outside the last sync's range" || tt_die "table lacks the unsynced note"

# the double's batch results are in the organisation's usage, as service tier batch
H=(-H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01')
curl -sf "${H[@]}" "$BASE/v1/messages/batches" -d '{"requests":[
  {"custom_id":"a","params":{"model":"claude-haiku-4-5","max_tokens":50,"messages":[{"role":"user","content":"batch one"}]}},
  {"custom_id":"b","params":{"model":"claude-haiku-4-5","max_tokens":50,"messages":[{"role":"user","content":"batch two, longer"}]}}]}' >"$T/b"
curl -sf -X POST "$BASE/_fake/clock" -d '{"advance_seconds":120}' >/dev/null
curl -sf "${H[@]}" "$BASE/v1/messages/batches/$(jq -r .id "$T/b")/results" >"$T/res"
bout=$(jq -s 'map(.result.message.usage.output_tokens) | add' "$T/res")
curl -sf -g "${H[@]/sk-ant-test/$ADMIN}" "$BASE/v1/organizations/usage_report/messages?starting_at=${TODAY}T00:00:00Z&bucket_width=1d&group_by[]=service_tier&limit=1" >"$T/u"
[ "$(jq '.data[0].results[] | select(.service_tier == "batch") | .output_tokens' "$T/u")" = "$bout" ] ||
	tt_die "batch usage in the report: $(jq -c .data "$T/u"), results $bout"

# the double keeps one row per minute and group, not one per request
r0=$(curl -sf "$BASE/_fake/org" | jq .rows)
for _ in $(seq 20); do
	curl -sf "${H[@]}" "$BASE/v1/messages" -d '{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}' >/dev/null
done
r1=$(curl -sf "$BASE/_fake/org" | jq .rows)
[ $((r1 - r0)) -ge 1 ] && [ $((r1 - r0)) -le 2 ] || tt_die "20 calls added $((r1 - r0)) org rows"

# the Admin key never reaches the database
if grep -qa "$ADMIN" "$DB"* 2>/dev/null; then tt_die "the admin key is in the database"; fi
tt_done
