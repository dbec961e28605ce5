#!/usr/bin/env bash
# batch_once.sh — a Message Batch is created exactly once and never lost from
# the ledger, against the API double's after_commit faults (the batch is made,
# then the client hears a failure): a 500 after the batch was made, a dropped
# connection after it was made, `batch submit` killed with -9 between the
# create and its recording, a 500 before anything was made (retried), a 400
# (not retried, intent abandoned), a timeout with the batch made later
# (adopted by the next batch list), a 200 cut short. After each: the double holds exactly the
# batches the ledger holds, and every one of them is polled and ingested.
# Every part has the same request count, so each search must also skip the
# batches the ledger already has. Needs bash, curl, jq, sqlite3.
set -u
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
TT=$B/tokentop
export ANTHROPIC_API_KEY=sk-ant-test

# a double on a free port (as tests/batch.sh); sets URL and ANTHROPIC_BASE_URL
# (time-scale 1: created_at must be the real time, as the real API's is; the
# clock is moved forward only at the end, to let the batches end)
tt_start_fakeapi main --time-scale 1 --batch-seconds 60
URL=$FK_URL
export ANTHROPIC_BASE_URL=$URL
DB=$T/ledger.db
H=(-H "x-api-key: $ANTHROPIC_API_KEY" -H 'anthropic-version: 2023-06-01')

fault() { curl -s -X POST "$URL/_fake/faults" --data-binary "{\"faults\":[$1]}" >/dev/null; }
creates() { curl -s "$URL/_fake/stats" | jq '.requests["POST /v1/messages/batches"] // 0'; }
at_double() { curl -s "${H[@]}" "$URL/v1/messages/batches?limit=1000" | jq '.data | length'; }
in_ledger() { "$TT" --db "$DB" batch list --json 2>/dev/null | jq length; }
ids_double() { curl -s "${H[@]}" "$URL/v1/messages/batches?limit=1000" | jq -r '.data[].id' | sort; }
ids_ledger() { "$TT" --db "$DB" batch list --json 2>/dev/null | jq -r '.[].id' | sort; }
same_sets() {  # NAME: the double's batches are exactly the ledger's
	tt_eq "$1: the double's batches are the ledger's" "$(ids_double | tr '\n' ' ')" \
	    "$(ids_ledger | tr '\n' ' ')"
}

for i in 1 2 3 4 5; do echo "{\"custom_id\":\"q$i\",\"prompt\":\"question $i\"}"; done >"$T/q.jsonl"
submit() { "$TT" --db "$DB" batch submit "$T/q.jsonl" --model claude-haiku-4-5 --tag once "$@"; }

# ---- a 500 after the batch was made: found and adopted, not sent again ------
fault '{"path":"/v1/messages/batches","method":"POST","status":500,"after_commit":true}'
out=$(submit 2>&1); rc=$?
tt_eq "500 after commit: submit exits 0" "$rc" 0
tt_has "500 after commit: it looked" "$out" "looking for the batch in the API's list"
tt_has "500 after commit: it found the batch" "$out" "the create had gone through"
tt_eq "500 after commit: one create call" "$(creates)" 1
tt_eq "500 after commit: one batch at the double" "$(at_double)" 1
tt_eq "500 after commit: one batch in the ledger" "$(in_ledger)" 1
same_sets "500 after commit"
tt_eq "500 after commit: the row has the tag" \
    "$("$TT" --db "$DB" batch list --json | jq -r '.[0].tag')" once

# ---- the connection dropped after the batch was made ------------------------
fault '{"path":"/v1/messages/batches","method":"POST","drop":true,"after_commit":true}'
out=$(submit 2>&1); rc=$?
tt_eq "drop after commit: submit exits 0" "$rc" 0
tt_has "drop after commit: no answer" "$out" "connection error"
tt_has "drop after commit: it found the batch" "$out" "the create had gone through"
tt_eq "drop after commit: one more create call" "$(creates)" 2
tt_eq "drop after commit: two batches at the double" "$(at_double)" 2
same_sets "drop after commit"

# ---- kill -9 between the create and its recording ---------------------------
# the double makes the batch, then holds the answer; submit dies meanwhile
fault '{"path":"/v1/messages/batches","method":"POST","delay_ms":30000,"after_commit":true}'
"$TT" --db "$DB" batch submit "$T/q.jsonl" --model claude-haiku-4-5 --tag once \
    >"$T/k.out" 2>&1 &
sp=$!
for i in $(seq 200); do [ "$(at_double)" = 3 ] && break; sleep 0.05; done
{ kill -9 "$sp"; wait "$sp"; } 2>/dev/null
tt_eq "kill -9: the batch exists at the double" "$(at_double)" 3
# (sqlite3 directly: every batch command would reconcile first)
tt_eq "kill -9: the ledger does not have it yet" "$(sqlite3 "$DB" "SELECT count(*) FROM batch")" 2
tt_eq "kill -9: its intent is pending" \
    "$(sqlite3 "$DB" "SELECT status FROM batch_intent ORDER BY id DESC LIMIT 1")" pending
out=$("$TT" --db "$DB" batch list 2>&1); rc=$?
tt_eq "kill -9: the next batch list exits 0" "$rc" 0
tt_has "kill -9: batch list adopts it" "$out" "q.jsonl part 1: adopted msgbatch_"
tt_eq "kill -9: three batches in the ledger" "$(in_ledger)" 3
same_sets "kill -9"
out=$("$TT" --db "$DB" batch reconcile 2>&1)
tt_has "kill -9: nothing left to reconcile" "$out" "no unconfirmed batch creates"

# ---- a 500 before anything was made: retried, one batch ---------------------
fault '{"path":"/v1/messages/batches","method":"POST","status":500}'
out=$(submit 2>&1); rc=$?
tt_eq "500 before commit: submit exits 0" "$rc" 0
tt_has "500 before commit: looked first" "$out" "looking for the batch in the API's list"
tt_has "500 before commit: then sent again" "$out" "sending it again in"
tt_eq "500 before commit: two create calls" "$(creates)" 5
tt_eq "500 before commit: one more batch" "$(at_double)" 4
same_sets "500 before commit"

# ---- 529 with retry-after, three times: the budget is spent, nothing made ---
fault '{"path":"/v1/messages/batches","method":"POST","status":529,"retry_after":"0.1","count":3}'
out=$(submit 2>&1); rc=$?
tt_eq "529 x3: submit fails" "$rc" 1
tt_eq "529 x3: three attempts (max_retries 2)" "$(creates)" 8
tt_eq "529 x3: no batch made" "$(at_double)" 4
same_sets "529 x3"

# ---- a 400: not retried, nothing to look for --------------------------------
fault '{"path":"/v1/messages/batches","method":"POST","status":400}'
out=$(submit 2>&1); rc=$?
tt_eq "400: submit fails" "$rc" 1
tt_hasnt "400: did not look" "$out" "looking for the batch"
tt_eq "400: one attempt" "$(creates)" 9
tt_eq "400: no batch made" "$(at_double)" 4
out=$("$TT" --db "$DB" batch reconcile 2>&1)
tt_has "failed creates leave nothing pending" "$out" "no unconfirmed batch creates"

# ---- no answer in time, and the batch is made only later --------------------
# timeout 1 s, no retries; the double waits 2.5 s, then makes the batch: the
# submit finds nothing, keeps the intent pending (it may yet appear), and the
# next batch list adopts it
printf '{"timeout_seconds":1,"max_retries":0}\n' >"$T/slow.json"
fault '{"path":"/v1/messages/batches","method":"POST","delay_ms":2500}'
out=$("$TT" --db "$DB" --config "$T/slow.json" batch submit "$T/q.jsonl" \
    --model claude-haiku-4-5 --tag once 2>&1); rc=$?
tt_eq "timeout: submit fails" "$rc" 1
tt_has "timeout: it timed out" "$out" "timed out"
tt_has "timeout: the intent stays pending" "$out" "no answer and no batch yet"
tt_eq "timeout: pending in the ledger" \
    "$(sqlite3 "$DB" "SELECT status FROM batch_intent ORDER BY id DESC LIMIT 1")" pending
for i in $(seq 100); do [ "$(at_double)" = 5 ] && break; sleep 0.05; done
tt_eq "timeout: the double made it after all" "$(at_double)" 5
out=$("$TT" --db "$DB" batch list 2>&1)
tt_has "timeout: batch list adopts it" "$out" "q.jsonl part 1: adopted msgbatch_"
same_sets "timeout"

# ---- no answer in time, and no batch ever: pending, then abandoned ----------
fault '{"path":"/v1/messages/batches","method":"POST","delay_ms":1500,"status":500}'
out=$("$TT" --db "$DB" --config "$T/slow.json" batch submit "$T/q.jsonl" \
    --model claude-haiku-4-5 --tag once 2>&1)
tt_has "no batch: the intent stays pending" "$out" "no answer and no batch yet"
out=$("$TT" --db "$DB" batch reconcile 2>&1)
tt_has "no batch: a young intent is looked for again" "$out" "has no batch yet"
sqlite3 "$DB" "UPDATE batch_intent SET created_ms = created_ms - 120000 WHERE status = 'pending'"
out=$("$TT" --db "$DB" batch reconcile 2>&1)
tt_has "no batch: a minute later it is abandoned" "$out" "made no batch"
tt_eq "no batch: abandoned in the ledger" \
    "$(sqlite3 "$DB" "SELECT status FROM batch_intent ORDER BY id DESC LIMIT 1")" abandoned
tt_eq "no batch: still five at the double" "$(at_double)" 5
same_sets "no batch"

# ---- a 200 whose body is cut in half: made, so looked for, not sent again ---
fault '{"path":"/v1/messages/batches","method":"POST","truncate":true}'
out=$(submit 2>&1); rc=$?
tt_eq "cut 200: submit exits 0" "$rc" 0
tt_has "cut 200: it found the batch" "$out" "the create had gone through"
tt_eq "cut 200: six batches at the double" "$(at_double)" 6
same_sets "cut 200"

# ---- kill -9 of a routed submit: the adopter keeps its routing tiers ---------
fault '{"path":"/v1/messages/batches","method":"POST","delay_ms":30000,"after_commit":true}'
"$TT" --db "$DB" batch submit "$T/q.jsonl" --route auto --tag once >"$T/kr.out" 2>&1 &
sp=$!
for i in $(seq 200); do [ "$(at_double)" = 7 ] && break; sleep 0.05; done
{ kill -9 "$sp"; wait "$sp"; } 2>/dev/null
tt_eq "routed kill -9: the batch exists at the double" "$(at_double)" 7
tt_eq "routed kill -9: its tiers wait beside the intent" "$(ls "$T/results" | grep -c '^intent-.*\.tiers$')" 1
out=$("$TT" --db "$DB" batch list 2>&1)
tt_has "routed kill -9: batch list adopts it" "$out" "q.jsonl part 1: adopted msgbatch_"
KID=$(grep -o 'adopted msgbatch_[A-Za-z0-9]*' <<<"$out" | head -1 | cut -d' ' -f2)
tt_eq "routed kill -9: the tiers follow the batch" "$(ls "$T/results" | grep -c "^$KID\.tiers\$")" 1
tt_eq "routed kill -9: no intent tiers left" "$(ls "$T/results" | grep -c '^intent-')" 0
same_sets "routed kill -9"

# ---- every batch is polled and ingested --------------------------------------
curl -s -X POST "$URL/_fake/clock" --data-binary '{"advance_seconds":120}' >/dev/null
out=$("$TT" --db "$DB" batch watch --interval 0.1 2>&1); rc=$?
tt_eq "watch exits 0" "$rc" 0
tt_eq "every batch ingested" \
    "$("$TT" --db "$DB" batch list --json | jq '[.[] | select(.ingested)] | length')" 7
tt_eq "every batch billed" \
    "$("$TT" --db "$DB" batch list --json | jq '[.[] | select(.actual_usd > 0)] | length')" 7
tt_eq "every result once: 7 x 5 succeeded" \
    "$("$TT" --db "$DB" batch list --json | jq '[.[].request_counts.succeeded] | add')" 35
tt_eq "the adopted routed batch's rows carry their tier" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE batch_id = '$KID' AND tier != ''")" 5

tt_done
