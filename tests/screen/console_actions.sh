#!/usr/bin/env bash
# console_actions.sh — the console never acts on a batch the operator did not
# pick (issue 11): the Batches cursor follows its batch when a new one
# arrives on top, the cancel prompt names the batch (id, tag, requests) and
# `y` cancels that one even if the list changed meanwhile (defect 2); status
# messages name the right thing and are not cut (16); counts stand in their
# own aligned columns, canceled apart from errors (15); a young batch's
# elapsed runs in seconds and its progress is the 24 h window (8); over a
# budget the dialog offers its own override, not --force (11); without an
# API key the pane, the list and the dialog say so up front (9).
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/console.sh"
tt_need tmux
tc_setup
export ANTHROPIC_API_KEY=sk-ant-test

# batches that run for a day (virtual time at real speed), canceled in 1 s
tt_start_fakeapi main --batch-seconds 86400
export ANTHROPIC_BASE_URL=$FK_URL
for i in 1 2 3 4 5; do
	printf '{"custom_id":"q%d","params":{"model":"claude-haiku-4-5","max_tokens":20,"messages":[{"role":"user","content":"hello %d"}]}}\n' "$i" "$i"
done >"$T/jobs.jsonl"
submit() {   # TAG: one batch of 5, its id printed
	$TT batch submit --tag "$1" "$T/jobs.jsonl" >"$T/sub.$1" 2>&1 || { cat "$T/sub.$1"; tt_die "submit $1"; }
	$TT batch list --json | jq -r --arg t "$1" '.[] | select(.tag == $t) | .id' | head -1
}
A=$(submit alpha)
B=$(submit beta)
[ -n "$A" ] && [ -n "$B" ] && [ "$A" != "$B" ] || tt_die "two batches: '$A' '$B'"

tt_console tt 120x34 "$TT"
tm send-keys -t tt F3
tt_wait_for "$B" 3 || tt_die "the list"
# newest first: B, then A; the cursor to A
tm send-keys -t tt Down
sleep 0.3
C=$(submit gamma)          # arrives on top while A is under the cursor
tt_wait_for "$C" 5 || tt_fail "the new batch shows"
tm send-keys -t tt c
if tt_wait_for "Cancel $A (tag alpha, 5 requests)? y/n" 2; then
	tt_ok "the prompt names the batch under the cursor: A, not the row number's"
else tt_fail "cancel prompt"; tt_screen | tail -1; fi
D=$(submit delta)          # and another while the question is open
tt_wait_for "$D" 5 || tt_fail "the fourth batch shows"
tm send-keys -t tt y
sleep 1.5
stats=$(curl -s "$FK_URL/_fake/stats")
n_a=$(printf '%s' "$stats" | jq -r --arg p "POST /v1/messages/batches/$A/cancel" '.requests[$p] // 0')
n_all=$(printf '%s' "$stats" | jq '[.requests | to_entries[] | select(.key | endswith("/cancel")) | .value] | add // 0')
if [ "$n_a" = 1 ] && [ "$n_all" = 1 ]; then tt_ok "y canceled the named batch A, and only it"
else tt_fail "cancels: A $n_a, all $n_all"; printf '%s\n' "$stats"; fi
if tt_wait_for "cancel of $A sent" 4; then tt_ok "the status names the batch"
else tt_fail "cancel status"; tt_screen | tail -1; fi

# ---- A ends canceled: its counts, aligned, canceled apart from errors ----------
for ((i = 0; i < 50; i++)); do
	$TT batch list --json | jq -e --arg a "$A" '.[] | select(.id == $a and .status == "ended")' >/dev/null && break
	sleep 0.2
done
tt_wait_for "cancelled" 12 || tt_fail "A ends after its cancel"
scr=$(tt_screen)
head_line=$(printf '%s\n' "$scr" | grep -F " status " | head -1)
a_line=$(printf '%s\n' "$scr" | grep -F "${A:0:8}" | grep -F "cancelled" | head -1)
# a heading ends where its figures end (right-aligned, same width)
col_end() { awk -v w="$2" '{ i = index($0, w); print (i ? i + length(w) - 1 : -1) }' <<<"$1"; }
for h in ok err cncl elapsed; do
	e=$(col_end "$head_line" " $h ")
	e=$((e - 1))
	v=$(printf '%s' "$a_line" | cut -c"$e")
	if [ "$e" -gt 0 ] && [ -n "$v" ] && [ "$v" != " " ]; then tt_ok "'$h' heading over its figures"
	else tt_fail "'$h' column alignment"; printf '%s\n%s\n' "$head_line" "$a_line"; fi
done
cn=$(printf '%s' "$a_line" | awk '{ print $6, $7, $8 }')     # │ A id state reqs ok err cncl
tt_eq "A: 0 ok, 0 errors, 5 canceled" "$cn" "0 0 5"

# ---- save the results: the message names the file written ---------------------
tm send-keys -t tt Home
sleep 0.3
for ((i = 0; i < 4; i++)); do   # the cursor onto A (D, C, B, A)
	tt_screen | grep -F "${A:0:8}" | grep -qE '^│ ' && break
	tm send-keys -t tt Down; sleep 0.2
done
tm send-keys -t tt End        # A is the oldest: the last row
sleep 0.3
tm send-keys -t tt w
tt_wait_for "Save the results of" 2 || tt_fail "save prompt"
tm send-keys -t tt C-u
tm send-keys -t tt -l "a-results.jsonl"
tm send-keys -t tt Enter
if tt_wait_for "saved the results of $A to a-results.jsonl" 8; then tt_ok "save names its file"
else tt_fail "save status"; tt_screen | tail -1; fi
[ -s "$T/a-results.jsonl" ] && tt_ok "results file written" || tt_fail "no $T/a-results.jsonl"

# ---- a young batch: seconds, and the 24 h window as its progress ---------------
tm resize-window -t tt -x 200 -y 60
tm send-keys -t tt Escape
tt_wait_for "Daily spend" 2 || tt_fail "back to the dashboard"
line=$(tt_screen | grep -F "${D:0:8}" | head -1)
if printf '%s' "$line" | grep -qE ' [0-9]{1,2}s ' && printf '%s' "$line" | grep -qF "% of 24h"; then
	tt_ok "a running batch: elapsed in seconds, progress of 24h"
else tt_fail "running batch line"; echo "$line"; fi

# ---- over a budget: the console's own override (defect 11) ---------------------
tc_config '{ "budget": { "daily": "0.00001" } }'
tm kill-session -t tt
tt_console tt 120x34 "$TT"
tm send-keys -t tt F3
tt_wait_for "$D" 3 || tt_fail "list again"
tm send-keys -t tt n
tt_wait_for "New batch" 2 || tt_fail "the dialog"
tm send-keys -t tt -l "$T/jobs.jsonl"
tm send-keys -t tt Enter
if tt_wait_for "o Submit past the budget" 3 && ! tt_screen | grep -qF -- "--force" &&
   tt_screen | grep -qF "daily budget"; then tt_ok "over budget: the dialog names it and offers o"
else tt_fail "over-budget dialog"; tt_screen | sed -n 10,26p; fi
before=$($TT batch list --json | jq length)
tm send-keys -t tt y
sleep 1
[ "$($TT batch list --json | jq length)" = "$before" ] && tt_ok "y does not pass the budget" ||
	tt_fail "y submitted past the budget"
tm send-keys -t tt o
for ((i = 0; i < 50; i++)); do
	[ "$($TT batch list --json | jq length)" -gt "$before" ] && break
	sleep 0.2
done
[ "$($TT batch list --json | jq length)" -gt "$before" ] && tt_ok "o submits it past the budget" ||
	tt_fail "o did not submit"

# ---- no API key: said up front (defect 9) --------------------------------------
tm kill-session -t tt
tt_console tt 120x34 "env -u ANTHROPIC_API_KEY $TT"
tt_has "the pane says running batches are not followed" "$(tt_screen)" "Batches (not followed: no API key)"
tm send-keys -t tt F3
tt_wait_for "running batches are not followed: no API key" 2 && tt_ok "the list says so" ||
	tt_fail "the list: no key"
tm send-keys -t tt n
tm send-keys -t tt -l "$T/jobs.jsonl"
tm send-keys -t tt Enter
if tt_wait_for "the file can be checked, not submitted" 3 && ! tt_screen | grep -qF "Submit ]"; then
	tt_ok "the dialog: no key, no Submit"
else tt_fail "dialog without a key"; tt_screen | sed -n 10,26p; fi
tm send-keys -t tt Escape c
tt_wait_for "canceling needs an API key" 2 && tt_ok "c says the key is missing" || tt_fail "c without a key"

tm send-keys -t tt F10
tt_done
