#!/usr/bin/env bash
# console_reconcile.sh — a batch whose create answer was lost (tokentop batch
# submit killed with -9 after the double made the batch, before it was
# recorded) is found when the console starts: the status line says it was
# adopted and the batch shows on the dashboard. Private tmux socket, temp dir.
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux
tt_tmpdir
tt_tmux
export ANTHROPIC_API_KEY=sk-ant-test

# time-scale 1: the batch's created_at is the real time, as the real API's
tt_start_fakeapi main --time-scale 1
URL=$FK_URL
export ANTHROPIC_BASE_URL=$URL
H=(-H "x-api-key: $ANTHROPIC_API_KEY" -H 'anthropic-version: 2023-06-01')
at_double() { curl -s "${H[@]}" "$URL/v1/messages/batches" | jq '.data | length'; }

for i in 1 2 3; do echo "{\"custom_id\":\"q$i\",\"prompt\":\"hello $i\"}"; done >"$T/jobs.jsonl"
# the double makes the batch, then holds its answer; submit dies meanwhile
curl -s -X POST "$URL/_fake/faults" --data-binary \
    '{"faults":[{"path":"/v1/messages/batches","method":"POST","delay_ms":30000,"after_commit":true}]}' >/dev/null
"$B/tokentop" --db "$T/usage.db" batch submit "$T/jobs.jsonl" --model claude-haiku-4-5 \
    >"$T/sub.out" 2>&1 &
sp=$!
for ((i = 0; i < 200; i++)); do [ "$(at_double)" = 1 ] && break; sleep 0.05; done
{ kill -9 "$sp"; wait "$sp"; } 2>/dev/null
id=$(curl -s "${H[@]}" "$URL/v1/messages/batches" | jq -r '.data[0].id')
[ "$(sqlite3 "$T/usage.db" 'SELECT count(*) FROM batch')" = 0 ] && tt_ok "the ledger lost it" ||
    tt_fail "the batch was recorded before the kill"

tm new-session -d -s tt -x 120 -y 34 -c "$T" "$B/tokentop --db $T/usage.db"
if tt_wait_for "adopted $id" 10; then tt_ok "status line: adopted $id"; else tt_screen | sed -n 24,34p; tt_fail "no adoption on the status line"; fi
if tt_wait_for "${id:0:14}" 5; then tt_ok "the batch is on the dashboard"; else tt_screen; tt_fail "batch not shown"; fi
[ "$(sqlite3 "$T/usage.db" "SELECT count(*) FROM batch WHERE id = '$id'")" = 1 ] &&
    tt_ok "the ledger has it" || tt_fail "the ledger does not have $id"
[ "$(sqlite3 "$T/usage.db" 'SELECT status FROM batch_intent')" = created ] &&
    tt_ok "the intent is created" || tt_fail "intent not marked created"
tm send-keys -t tt q
sleep 0.3
tt_done
