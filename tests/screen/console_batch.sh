#!/usr/bin/env bash
# console_batch.sh — the Batches screen against the API double in tmux: an
# invalid file shows FILE:LINE in the dialog and offers no Submit; a valid
# one shows its request count and estimate, is submitted with y, appears in
# the list and ends (the console's own watcher ingests it); the Call screen
# sends a prompt and shows the answer. Private tmux socket and temp dir.
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux
tt_tmpdir
tt_tmux
export ANTHROPIC_API_KEY=sk-ant-test

# the double, on a fast virtual clock: a batch ends a fraction of a second after creation
tt_start_fakeapi main --time-scale 100 --batch-seconds 20
export ANTHROPIC_BASE_URL=$FK_URL

for i in 1 2 3 4 5; do
	printf '{"custom_id":"q%d","params":{"model":"claude-haiku-4-5","max_tokens":50,"messages":[{"role":"user","content":"hello %d"}]}}\n' "$i" "$i"
done >"$T/jobs.jsonl"
printf '{"custom_id":"ok1","params":{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"x"}]}}\n{"custom_id":"a b","params":{}}\n' >"$T/bad.jsonl"

tt_console tt 120x34 "$B/tokentop --db $T/usage.db"

# ---- an invalid file -----------------------------------------------------------
tm send-keys -t tt F3
tt_wait_for "no batches yet" 2 || tt_fail "empty batches list"
tm send-keys -t tt n
tt_wait_for "New batch" 2 || tt_fail "n opens the dialog"
tm send-keys -t tt -l "$T/bad.jsonl"
tm send-keys -t tt Enter
if tt_wait_for "bad.jsonl:2: custom_id" 3 && ! tt_screen | grep -qF "Submit"; then
	tt_ok "invalid file: FILE:LINE in the dialog, no Submit"
else tt_fail "invalid file dialog"; tt_screen | sed -n 10,25p; fi
tm send-keys -t tt y         # must not submit
sleep 0.3
tm send-keys -t tt Escape
sleep 0.3

# ---- a valid one ----------------------------------------------------------------
tm send-keys -t tt n
tt_wait_for "New batch" 2
tm send-keys -t tt -l "$T/jobs.jsonl"
tm send-keys -t tt Enter
if tt_wait_for "5 requests" 3 && tt_screen | grep -qF "claude-haiku-4-5" && tt_screen | grep -qF "estimated" &&
   tt_screen | grep -qF "Submit"; then tt_ok "valid file: count, model, estimate, Submit"
else tt_fail "valid file dialog"; tt_screen | sed -n 10,25p; fi
tm send-keys -t tt y
if tt_wait_for "in_progress" 5 || tt_wait_for "completed" 1; then tt_ok "the batch appears"; else tt_fail "batch appears"; tt_screen; fi
if tt_wait_for "completed" 25 && tt_screen | grep -qE " completed +5 +5 +0 "; then tt_ok "the batch ends, 5 succeeded, ingested"
else tt_fail "batch should end"; tt_screen | sed -n 1,6p; fi
n=$("$B/tokentop" --db "$T/usage.db" report sources --json | grep -c '"source": "batch"')
[ "$n" = 1 ] && tt_ok "batch rows in the ledger" || tt_fail "batch rows in the ledger ($n)"

# ---- the Call screen -------------------------------------------------------------
tm send-keys -t tt F4
tt_wait_for "prompt" 2 || tt_fail "call screen"
tm send-keys -t tt -l "say hi"
tm send-keys -t tt Enter
if tt_wait_for "call: answered" 10; then tt_ok "call returns"; else tt_fail "call"; tt_screen | tail -5; fi
n=$("$B/tokentop" --db "$T/usage.db" report sources --json | grep -c '"source": "call"')
[ "$n" = 1 ] && tt_ok "the call is in the ledger" || tt_fail "call row in the ledger ($n)"

tm send-keys -t tt F10
for ((i = 0; i < 30; i++)); do tm has-session -t tt 2>/dev/null || break; sleep 0.1; done
if tm has-session -t tt 2>/dev/null; then tt_fail "F10 should quit"; else tt_ok "F10 quits"; fi
sleep 0.2
if pgrep -f "tokentop --db $T/usage.db" >/dev/null; then tt_fail "background jobs left running"
else tt_ok "no background job left"; fi

tt_done
