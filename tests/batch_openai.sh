#!/usr/bin/env bash
# batch_openai.sh — OpenAI batches end to end against the API double (issue 15):
# the file checked first (FILE:LINE, nothing uploaded when a line is bad), a
# batch mixing good requests (short and full form) and requests the API
# refuses (400: a bad temperature, an unknown argument): billed rows at the batch rate, the errors recorded, the
# ledger's cost equal to the double's own organisation costs; a split past the
# limits (small limits from TOKENTOP_BATCH_MAX_*); a cancel; a batch the double
# fails at validation shows its errors; a damaged output download is read again
# and ingested once; both providers side by side in batch list.
# Needs bash, curl, jq, sqlite3.
set -u
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
TT=$B/tokentop
tt_start_fakeapi main --time-scale 1 --batch-seconds 2 --openai-validate-seconds 1 \
    --openai-finalize-seconds 1 --cancel-seconds 1
URL=$FK_URL
export OPENAI_API_KEY=sk-openai-test OPENAI_BASE_URL=$URL/v1
export ANTHROPIC_API_KEY=sk-ant-test ANTHROPIC_BASE_URL=$URL
DB=$T/ledger.db
tt() { "$TT" --db "$DB" "$@"; }
stat_of() { curl -s "$URL/_fake/stats" | jq ".requests[\"$1\"] // 0"; }
fault() { curl -s -X POST "$URL/_fake/faults" --data-binary "{\"faults\":[$1]}" >/dev/null; }
OH=(-H "Authorization: Bearer $OPENAI_API_KEY")

# ---- every line is checked first -------------------------------------------------
cat >"$T/bad.jsonl" <<'J'
{"custom_id":"g1","prompt":"fine"}
{"custom_id":"g2","method":"GET","url":"/v1/chat/completions","body":{"model":"gpt-4.1-mini"}}
{"custom_id":"g3","method":"POST","url":"/v1/embeddings","body":{"model":"gpt-4.1-mini"}}
{"custom_id":"g1","prompt":"again"}
{"custom_id":"g5","prompt":"other model","model":"gpt-5-nano"}
J
out=$(tt batch submit --provider openai --model gpt-4.1-mini "$T/bad.jsonl" 2>&1); rc=$?
tt_eq "bad lines: exit 1" "$rc" 1
tt_has "bad lines: method named with FILE:LINE" "$out" "bad.jsonl:2: method must be \"POST\""
tt_has "bad lines: url named" "$out" "bad.jsonl:3: url \"/v1/embeddings\" is not"
tt_has "bad lines: duplicate custom_id" "$out" "bad.jsonl:4: custom_id \"g1\" repeats line 1"
tt_has "bad lines: one model per file" "$out" "bad.jsonl:5: model \"gpt-5-nano\" differs from line 1's"
tt_has "bad lines: nothing submitted" "$out" "nothing was submitted"
tt_eq "bad lines: nothing uploaded" "$(stat_of 'POST /v1/files')" 0
out=$(tt batch submit --provider openai --cache 5m --model gpt-4.1-mini "$T/bad.jsonl" 2>&1); rc=$?
tt_eq "--cache with openai: usage error" "$rc" 2

# ---- good, 400 and 404 requests in one batch ------------------------------------
cat >"$T/mix.jsonl" <<'J'
{"custom_id":"m1","prompt":"what is a batch?"}
{"custom_id":"m2","prompt":"and a second one, a little longer","max_tokens":8}
{"custom_id":"m3","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"too hot"}],"temperature":7}}
{"custom_id":"m4","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4.1-mini","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"full form"}],"max_completion_tokens":30}}
{"custom_id":"m5","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"bad"}],"frobnicate":1}}
J
out=$(tt batch submit --provider openai --model gpt-4.1-mini --tag mix "$T/mix.jsonl" 2>&1); rc=$?
tt_eq "mix: submit exits 0" "$rc" 0
tt_has "mix: submitted" "$out" "submitted batch_"
MIX=$(sed -n 's/^submitted \(batch_[A-Za-z0-9_-]*\).*/\1/p' <<<"$out")
tt_eq "mix: one upload" "$(stat_of 'POST /v1/files')" 1
tt_eq "mix: one create" "$(stat_of 'POST /v1/batches')" 1
body=$(curl -s "$URL/_fake/stats" | jq -c '.last_body')
tt_eq "mix: the create's window" "$(jq -r .completion_window <<<"$body")" 24h
tt_has "mix: the create carries the intent token" "$(jq -r '.metadata.tokentop_intent' <<<"$body")" tt
tt_eq "mix: the intent holds that token" \
    "$(sqlite3 "$DB" "SELECT token FROM batch_intent WHERE batch_id = '$MIX'")" \
    "$(jq -r '.metadata.tokentop_intent' <<<"$body")"
tt_eq "mix: the upload was a private temp file, now gone" "$(ls "$T" | grep -c '^upload-' || :)" 0
out=$(tt batch watch --interval 0.2 "$MIX" 2>&1); rc=$?
tt_eq "mix: watch exits 0" "$rc" 0
tt_has "mix: watch shows it completed" "$out" "completed"
tt_has "mix: ingested 3 + 2" "$out" "ingested: 3 succeeded · 2 errored"
tt_eq "mix: three billed rows" "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE batch_id = '$MIX'")" 3
tt_eq "mix: rows at the batch rate, provider openai" \
    "$(sqlite3 "$DB" "SELECT DISTINCT provider || ' ' || service_tier || ' ' || source FROM usage WHERE batch_id = '$MIX'")" \
    "openai batch batch"
tt_has "mix: the 400 recorded" \
    "$(sqlite3 "$DB" "SELECT custom_id || ': ' || error FROM batch_result WHERE type = 'errored'")" \
    "m3: invalid_request_error"
tt_has "mix: the unknown argument recorded" \
    "$(sqlite3 "$DB" "SELECT custom_id || ': ' || error FROM batch_result WHERE type = 'errored'")" \
    "m5: invalid_request_error: Unrecognized request argument supplied: frobnicate"
out=$(tt batch results "$MIX" 2>&1)
tt_has "mix: results list the error" "$out" "errored m3: invalid_request_error"
# the ledger equals the double: its own organisation costs (batch at half)
since=$(( $(date +%s) - 86400 ))
dbl=$(curl -s -H "Authorization: Bearer sk-admin-test" \
    "$URL/v1/organization/costs?start_time=$since&bucket_width=1d&group_by=line_item&limit=10" |
    jq '[.data[].results[].amount.value] | add')
led=$(tt report providers --json --provider openai | jq '.totals.cost_usd')
tt_eq "mix: the ledger's cost is the double's" "$(printf %.9f "$led")" "$(printf %.9f "$dbl")"
tt_has "mix: the double billed batch lines" "$(curl -s -H "Authorization: Bearer sk-admin-test" \
    "$URL/v1/organization/costs?start_time=$since&bucket_width=1d&group_by=line_item&limit=10" |
    jq -r '[.data[].results[].line_item] | join(",")')" "batch | gpt-4.1-mini"
saved=$(tt report providers --json --provider openai | jq '.totals.saved_by_batch_usd')
tt_eq "mix: 50% off: saved equals paid" "$(printf %.9f "$saved")" "$(printf %.9f "$led")"
# ingested once: watching again adds nothing
tt batch watch --interval 0.2 "$MIX" >/dev/null 2>&1
tt_eq "mix: still three rows" "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE batch_id = '$MIX'")" 3

# ---- a split past the limits ------------------------------------------------------
for i in 1 2 3 4 5; do echo "{\"custom_id\":\"s$i\",\"prompt\":\"split $i\"}"; done >"$T/split.jsonl"
out=$(TOKENTOP_BATCH_MAX_REQUESTS=2 tt batch submit --provider openai --model gpt-4.1-nano "$T/split.jsonl" 2>&1)
tt_has "split: 5 requests in 3 batches" "$out" "5 requests in 3 batches"
tt_eq "split: three creates" "$(grep -c '^submitted batch_' <<<"$out")" 3
tt_has "split: part 3 is line 5" "$out" "(1 requests, lines 5–5)"
out=$(TOKENTOP_BATCH_MAX_BYTES=300 tt batch submit --provider openai --model gpt-4.1-nano --dry-run "$T/split.jsonl" 2>&1)
tt_has "split by bytes: 5 batches of one" "$out" "5 requests in 5 batches"
out=$(tt batch watch --interval 0.2 2>&1); rc=$?
tt_eq "split: watch of every unfinished batch exits 0" "$rc" 0
tt_eq "split: every part ingested" "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE custom_id LIKE 's%'")" 5

# ---- a cancel (a slow double: the batch is cancelled while it runs) ---------------
tt_start_fakeapi slow --time-scale 1 --batch-seconds 600 --openai-validate-seconds 0.2 \
    --cancel-seconds 1
export OPENAI_BASE_URL=$FK_URL/v1
for i in $(seq 1 40); do echo "{\"custom_id\":\"c$i\",\"prompt\":\"cancel me $i\"}"; done >"$T/c.jsonl"
out=$(tt batch submit --provider openai --model gpt-4.1-nano "$T/c.jsonl" 2>&1)
CB=$(sed -n 's/^submitted \(batch_[A-Za-z0-9_-]*\).*/\1/p' <<<"$out")
for i in $(seq 100); do
	tt batch status "$CB" 2>/dev/null | grep -q in_progress && break
	sleep 0.1
done
tt_has "cancel: the batch runs first" "$(tt batch status "$CB" 2>&1)" "in_progress"
out=$(tt batch cancel "$CB" 2>&1); rc=$?
tt_eq "cancel: exits 0" "$rc" 0
tt_has "cancel: the provider's word" "$out" "cancelling"
out=$(tt batch watch --interval 0.2 "$CB" 2>&1); rc=$?
tt_eq "cancel: watch exits 0" "$rc" 0
tt_has "cancel: watch shows cancelled" "$out" "cancelled"
n=$(sqlite3 "$DB" "SELECT count(*) FROM batch_result WHERE batch_id = '$CB'")
tt_eq "cancel: every request has an outcome" "$n" 40
tt_eq "cancel: the unrun ones are canceled" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM batch_result WHERE batch_id = '$CB' AND type = 'canceled'")" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM batch_result WHERE batch_id = '$CB' AND type <> 'succeeded'")"
tt_has "cancel: some were canceled" "$(tt batch results "$CB" 2>&1)" "canceled"
tt_eq "cancel: list says cancelled" "$(tt batch list --json | jq -r ".[] | select(.id == \"$CB\") | .state")" cancelled
export OPENAI_BASE_URL=$URL/v1

# ---- a batch the double fails at validation --------------------------------------
cat >"$T/mm.jsonl" <<'J'
{"custom_id":"x1","prompt":"one","model":"gpt-4.1-nano"}
{"custom_id":"x2","prompt":"two","model":"gpt-4.1-mini"}
J
out=$(tt batch submit --provider openai --mixed-models "$T/mm.jsonl" 2>&1)
FB=$(sed -n 's/^submitted \(batch_[A-Za-z0-9_-]*\).*/\1/p' <<<"$out")
out=$(tt batch watch --interval 0.2 "$FB" 2>&1); rc=$?
tt_eq "failed: watch exits 0" "$rc" 0
tt_has "failed: the state" "$out" "failed"
tt_has "failed: its errors" "$out" "errors: line 2: model_mismatch"
tt_has "failed: errors in batch status" "$(tt batch status "$FB" 2>&1)" "model_mismatch"
tt_has "failed: errors in list --json" "$(tt batch list --json | jq -r ".[] | select(.id == \"$FB\") | .errors")" "model_mismatch"

# ---- a damaged output download is read again, ingested once ----------------------
for i in 1 2 3 4 5 6; do echo "{\"custom_id\":\"d$i\",\"prompt\":\"damaged $i\"}"; done >"$T/d.jsonl"
out=$(tt batch submit --provider openai --model gpt-4.1-nano "$T/d.jsonl" 2>&1)
DB2=$(sed -n 's/^submitted \(batch_[A-Za-z0-9_-]*\).*/\1/p' <<<"$out")
fault '{"path":"/v1/files/","method":"GET","malformed":true},{"path":"/v1/files/","method":"GET","cut_results":true}'
out=$(tt batch watch --interval 0.2 "$DB2" 2>&1); rc=$?
tt_eq "damaged: watch exits 0" "$rc" 0
tt_has "damaged: a broken line is said" "$out" "malformed"
tt_eq "damaged: six rows, once" "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE batch_id = '$DB2'")" 6

# ---- both providers side by side -------------------------------------------------
for i in 1 2; do echo "{\"custom_id\":\"a$i\",\"prompt\":\"claude $i\"}"; done >"$T/a.jsonl"
tt batch submit --model claude-haiku-4-5 "$T/a.jsonl" >/dev/null 2>&1
out=$(tt batch list 2>&1)
tt_has "list: an anthropic row" "$out" "anthropic"
tt_has "list: an openai row" "$out" "openai"
tt_eq "list --json: providers" "$(tt batch list --json | jq -r '[.[].provider] | unique | join(",")')" "anthropic,openai"

tt_done
