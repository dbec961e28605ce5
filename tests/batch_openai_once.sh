#!/usr/bin/env bash
# batch_openai_once.sh — an OpenAI batch is created exactly once and ingested
# exactly once (issue 15), against the API double's faults: the create's
# answer lost after the batch was made (a 500, a dropped connection: adopted
# by the token in its metadata, not sent again); `batch submit` killed with -9
# between the upload and the create (no batch: the intent is abandoned and
# the uploaded file deleted) and between the create and its recording (the
# next start adopts it); `batch watch` killed with -9 in the middle of
# ingesting an output file. After each: the double's batches are the
# ledger's, and at the end the ledger's cost is the double's own.
# Needs bash, curl, jq, sqlite3.
set -u
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
TT=$B/tokentop
tt_start_fakeapi main --time-scale 1 --batch-seconds 2 --openai-validate-seconds 0.5 \
    --openai-finalize-seconds 0.5
URL=$FK_URL
export OPENAI_API_KEY=sk-openai-test OPENAI_BASE_URL=$URL/v1
DB=$T/ledger.db
OH=(-H "Authorization: Bearer $OPENAI_API_KEY")
tt() { "$TT" --db "$DB" "$@"; }
fault() { curl -s -X POST "$URL/_fake/faults" --data-binary "{\"faults\":[$1]}" >/dev/null; }
stat_of() { curl -s "$URL/_fake/stats" | jq ".requests[\"$1\"] // 0"; }
ids_double() { curl -s "${OH[@]}" "$URL/v1/batches?limit=100" | jq -r '.data[].id' | sort; }
ids_ledger() { tt batch list --json 2>/dev/null | jq -r '.[].id' | sort; }
at_double() { ids_double | wc -l; }
same_sets() {
	tt_eq "$1: the double's batches are the ledger's" "$(ids_double | tr '\n' ' ')" \
	    "$(ids_ledger | tr '\n' ' ')"
}
# batch input files at the double that no batch uses
orphans() {
	local used
	used=$(curl -s "${OH[@]}" "$URL/v1/batches?limit=100" | jq -r '[.data[].input_file_id]')
	curl -s "${OH[@]}" "$URL/v1/files?purpose=batch" |
	    jq --argjson used "$used" '[.data[] | select(.id as $i | $used | index($i) | not)] | length'
}

for i in 1 2 3 4; do echo "{\"custom_id\":\"q$i\",\"prompt\":\"question $i\"}"; done >"$T/q.jsonl"
submit() { tt batch submit --provider openai --model gpt-4.1-nano "$T/q.jsonl" "$@"; }

# ---- a 500 after the batch was made: adopted by its token ---------------------------
fault '{"path":"/v1/batches","method":"POST","status":500,"after_commit":true}'
out=$(submit 2>&1); rc=$?
tt_eq "500 after commit: exit 0" "$rc" 0
tt_has "500 after commit: found by the token" "$out" "its metadata holds this create's token"
tt_eq "500 after commit: one create sent" "$(stat_of 'POST /v1/batches')" 1
tt_eq "500 after commit: one batch at the double" "$(at_double)" 1
same_sets "500 after commit"

# ---- the connection dropped after the batch was made -----------------------------
fault '{"path":"/v1/batches","method":"POST","drop":true,"after_commit":true}'
out=$(submit 2>&1); rc=$?
tt_eq "drop after commit: exit 0" "$rc" 0
tt_has "drop after commit: found by the token" "$out" "its metadata holds this create's token"
tt_eq "drop after commit: two batches at the double" "$(at_double)" 2
same_sets "drop after commit"
tt_eq "no uploaded file is left without a batch" "$(orphans)" 0

# ---- kill -9 between the upload and the create -----------------------------------
# the create waits 30 s at the double and then fails before doing anything
fault '{"path":"/v1/batches","method":"POST","delay_ms":30000,"status":500}'
before=$(stat_of 'POST /v1/batches')
"$TT" --db "$DB" batch submit --provider openai --model gpt-4.1-nano "$T/q.jsonl" >"$T/k1.out" 2>&1 &
sp=$!
for i in $(seq 200); do [ "$(stat_of 'POST /v1/batches')" -gt "$before" ] && break; sleep 0.05; done
{ kill -9 "$sp"; wait "$sp"; } 2>/dev/null
tt_eq "kill between upload and create: no batch made" "$(at_double)" 2
tt_eq "kill between upload and create: the upload is there" "$(orphans)" 1
tt_eq "kill between upload and create: its intent is pending" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM batch_intent WHERE status = 'pending'")" 1
out=$(tt batch list 2>&1 >/dev/null)
tt_has "kill between upload and create: a fresh intent waits" "$out" "has no batch yet"
# a minute later (the intent's send time moved back): abandoned, its file deleted
sqlite3 "$DB" "UPDATE batch_intent SET created_ms = created_ms - 120000 WHERE status = 'pending'"
out=$(tt batch reconcile 2>&1); rc=$?
tt_eq "kill between upload and create: reconcile exits 0" "$rc" 0
tt_has "kill between upload and create: abandoned" "$out" "made no batch; marked abandoned, its uploaded file deleted"
tt_eq "kill between upload and create: no orphan upload" "$(orphans)" 0
tt_eq "kill between upload and create: intent abandoned" \
    "$(sqlite3 "$DB" "SELECT status FROM batch_intent ORDER BY id DESC LIMIT 1")" abandoned
same_sets "kill between upload and create"
curl -s -X POST "$URL/_fake/reset" >/dev/null 2>&1 || :
# (reset dropped the double's batches: start the comparison again from an empty ledger)
rm -f "$DB" "$DB"-wal "$DB"-shm

# ---- kill -9 between the create and its recording --------------------------------
fault '{"path":"/v1/batches","method":"POST","delay_ms":30000,"after_commit":true}'
"$TT" --db "$DB" batch submit --provider openai --model gpt-4.1-nano "$T/q.jsonl" >"$T/k2.out" 2>&1 &
sp=$!
for i in $(seq 200); do [ "$(at_double)" = 1 ] && break; sleep 0.05; done
{ kill -9 "$sp"; wait "$sp"; } 2>/dev/null
tt_eq "kill between create and record: the batch exists" "$(at_double)" 1
tt_eq "kill between create and record: not in the ledger yet" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM batch")" 0
out=$(tt batch list 2>&1); rc=$?
tt_eq "kill between create and record: batch list exits 0" "$rc" 0
tt_has "kill between create and record: adopted" "$out" "q.jsonl part 1: adopted batch_"
same_sets "kill between create and record"
tt_eq "kill between create and record: no orphan upload" "$(orphans)" 0
out=$(tt batch watch --interval 0.2 2>&1); rc=$?
tt_eq "kill between create and record: watch ingests it" "$rc" 0
tt_eq "kill between create and record: four rows" "$(sqlite3 "$DB" "SELECT count(*) FROM usage")" 4

# ---- kill -9 in the middle of ingesting an output file ---------------------------
for i in $(seq 1 2400); do echo "{\"custom_id\":\"big$i\",\"prompt\":\"line $i\"}"; done >"$T/big.jsonl"
out=$(tt batch submit --provider openai --model gpt-4.1-nano "$T/big.jsonl" 2>&1)
BIG=$(sed -n 's/^submitted \(batch_[A-Za-z0-9_-]*\).*/\1/p' <<<"$out")
for i in $(seq 200); do
	tt batch status "$BIG" 2>/dev/null | grep -q completed && break
	sleep 0.1
done
# half the output lines, then a long pause: the watch has committed some
fault '{"path":"/v1/files/","method":"GET","stall_ms":30000}'
"$TT" --db "$DB" batch watch --interval 0.2 "$BIG" >"$T/k3.out" 2>&1 &
wp=$!
got=0
for i in $(seq 400); do
	got=$(sqlite3 "$DB" "PRAGMA busy_timeout = 2000; SELECT count(*) FROM batch_result WHERE batch_id = '$BIG'" 2>/dev/null | tail -1)
	[ "${got:-0}" -ge 1000 ] && break
	sleep 0.05
done
{ kill -9 "$wp"; wait "$wp"; } 2>/dev/null
tt_eq "kill mid-ingest: some outcomes were committed" "$([ "${got:-0}" -ge 1000 ] && echo yes)" yes
tt_eq "kill mid-ingest: not all" "$([ "$(sqlite3 "$DB" "SELECT count(*) FROM batch_result WHERE batch_id = '$BIG'")" -lt 2400 ] && echo yes)" yes
tt_eq "kill mid-ingest: not marked ingested" \
    "$(sqlite3 "$DB" "SELECT ingested FROM batch WHERE id = '$BIG'")" 0
out=$(tt batch watch --interval 0.2 "$BIG" 2>&1); rc=$?
tt_eq "kill mid-ingest: watch again exits 0" "$rc" 0
tt_eq "kill mid-ingest: every outcome once" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM batch_result WHERE batch_id = '$BIG'")" 2400
done_n=$(curl -s "${OH[@]}" "$URL/v1/batches/$BIG" | jq .request_counts.completed)
tt_eq "kill mid-ingest: a row per completed request, once" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE batch_id = '$BIG'")" "$done_n"
tt_eq "kill mid-ingest: no custom_id twice" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT custom_id FROM usage WHERE batch_id = '$BIG' GROUP BY custom_id HAVING count(*) > 1)")" 0

# ---- the ledger equals the double ----------------------------------------------
same_sets "end"
since=$(( $(date +%s) - 86400 ))
dbl=$(curl -s -H "Authorization: Bearer sk-admin-test" \
    "$URL/v1/organization/costs?start_time=$since&bucket_width=1d&group_by=line_item&limit=10" |
    jq '[.data[].results[].amount.value] | add')
led=$(tt report providers --json --provider openai | jq '.totals.cost_usd')
tt_eq "end: the ledger's cost is the double's" "$(printf %.9f "$led")" "$(printf %.9f "$dbl")"

tt_done
