#!/usr/bin/env bash
# console_batch_openai.sh — both providers on the Batches screen (issue 15):
# the launch dialog names its provider and p switches it (the file is checked
# again in that provider's format); an OpenAI file is refused as Anthropic's,
# accepted as OpenAI's and submitted; its batch shows with the O mark beside a
# Claude batch's A, moves through OpenAI's states with real counts and lands
# in the ledger at the batch rate. Private tmux socket and temp dir.
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux
tt_tmpdir
tt_tmux
tt_start_fakeapi main --time-scale 1 --batch-seconds 3 --openai-validate-seconds 0.5 \
    --openai-finalize-seconds 0.5
export ANTHROPIC_API_KEY=sk-ant-test ANTHROPIC_BASE_URL=$FK_URL
export OPENAI_API_KEY=sk-openai-test OPENAI_BASE_URL=$FK_URL/v1
DB=$T/usage.db

for i in 1 2 3 4; do
	printf '{"custom_id":"o%d","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4.1-nano","messages":[{"role":"user","content":"hello %d"}],"max_completion_tokens":40}}\n' "$i" "$i"
done >"$T/gpt.jsonl"
printf '{"custom_id":"c1","prompt":"claude one"}\n{"custom_id":"c2","prompt":"claude two"}\n' >"$T/claude.jsonl"
"$B/tokentop" --db "$DB" batch submit --model claude-haiku-4-5 "$T/claude.jsonl" >/dev/null 2>&1 ||
	tt_die "the Claude batch"

tt_console tt 120x34 "$B/tokentop --db $DB"
tm send-keys -t tt F3
tt_wait_for "msgbatch_" 3 || tt_fail "the Claude batch is listed"
tm send-keys -t tt n
tt_wait_for "New batch" 2 || tt_fail "n opens the dialog"
tm send-keys -t tt -l "$T/gpt.jsonl"
tm send-keys -t tt Enter
if tt_wait_for "gpt.jsonl:1: params missing" 3 && tt_screen | grep -qF "Anthropic" &&
   ! tt_screen | grep -qF "Submit ]"; then tt_ok "as Anthropic's: FILE:LINE, no Submit"
else tt_fail "the Anthropic check"; tt_screen | sed -n 8,26p; fi
tm send-keys -t tt p
if tt_wait_for "4 requests" 3 && tt_screen | grep -qF "OpenAI" && tt_screen | grep -qF "gpt-4.1-nano" &&
   tt_screen | grep -qF "Submit ]"; then tt_ok "p: checked again as OpenAI's, Submit offered"
else tt_fail "the OpenAI check"; tt_screen | sed -n 8,26p; fi
tm send-keys -t tt y
if tt_wait_for "O batch_" 8; then tt_ok "the OpenAI batch shows with its mark"
else tt_fail "the OpenAI batch"; tt_screen; fi
tt_screen | grep -qE "A msgbatch_" && tt_ok "beside the Claude batch's A" || tt_fail "the A mark"
for i in $(seq 150); do      # the console polls every 10 s
	o=$(tt_screen | grep -E "O batch_")
	grep -qE " completed +4 +4 +0 " <<<"$o" && break
	sleep 0.2
done
if grep -qE " completed +4 +4 +0 " <<<"$o"; then
	tt_ok "the OpenAI batch completes, 4 succeeded"
else tt_fail "the OpenAI batch should complete"; tt_screen | sed -n 1,8p; fi
n=""
for i in $(seq 60); do
	n=$(sqlite3 "$DB" "PRAGMA busy_timeout = 1000; SELECT count(*) FROM usage WHERE provider = 'openai' AND service_tier = 'batch'" 2>/dev/null | tail -1)
	[ "$n" = 4 ] && break
	sleep 0.2
done
tt_eq "the console's watcher ingested it at the batch rate" "$n" 4
tt_done
