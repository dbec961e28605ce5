#!/usr/bin/env bash
# console_keys.sh — keys that must act only where they are seen (issue 11):
# below 80×24 only quit and help act (defect 5); the Call screen types q as
# text and says F10 quits, wraps the answer, shows the time while sending
# and Esc stops a call in flight, has system and document fields (17), and
# past a budget offers F9, not --force (11); a status message sits at the
# right of the key bar, the keys stay (16); j/k move a dashboard cursor.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/console.sh"
tt_need tmux jq curl
tc_setup
export ANTHROPIC_API_KEY=sk-ant-test
tt_start_fakeapi main
export ANTHROPIC_BASE_URL=$FK_URL
{ tc_cc_line a claude-sonnet-4-5 300000 0 30; tc_cc_line b claude-haiku-4-5 200000 0 20; } >"$T/r.jsonl"
$TT import --format claude-code "$T/r.jsonl" >/dev/null || tt_die "import"
printf '{"custom_id":"q1","params":{"model":"claude-haiku-4-5","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}}\n' >"$T/jobs.jsonl"

tt_console tt 120x34 "$TT"

# ---- below 80×24: nothing acts unseen (defect 5) ----------------------------------
tm resize-window -t tt -x 60 -y 15
tt_wait_for "needs at least 80x24" 2 || tt_fail "too small"
tm send-keys -t tt F3 n
# the console's folder is $T: a relative path, since $T's random name may
# hold a q, which is the one key (with help) that acts here
tm send-keys -t tt -l "jobs.jsonl"
tm send-keys -t tt Enter y
sleep 0.5
tm resize-window -t tt -x 120 -y 34
sleep 0.8
if tt_screen | grep -qF "Daily spend" && ! tt_screen | grep -qF "New batch"; then
	tt_ok "keys below 80x24 did nothing: still the dashboard"
else tt_fail "keys acted while too small"; tt_screen | head -3; fi
[ "$($TT batch list --json | jq length)" = 0 ] && tt_ok "no batch submitted blind" ||
	tt_fail "a batch was submitted while nothing showed"
tm resize-window -t tt -x 60 -y 15
sleep 0.5
tm send-keys -t tt F1
sleep 0.3
tm resize-window -t tt -x 120 -y 34
tt_wait_for "Everywhere" 2 && tt_ok "help still opens below 80x24" || tt_fail "help when small"
tm send-keys -t tt Escape
tt_wait_for "Daily spend" 2 || tt_fail "back from help"

# ---- j/k move the dashboard's cursor ---------------------------------------------
tm send-keys -t tt j Enter         # the second model by cost: haiku
if tt_wait_for "model claude-haiku-4-5" 2; then tt_ok "j moves the cursor (Enter drills the second model)"
else tt_fail "j in the Models pane"; tt_screen | head -2; fi
tm send-keys -t tt x Escape
tt_wait_for "Daily spend" 2 || tt_fail "back"

# ---- the Call screen at 80×24 (defect 17) ----------------------------------------
tm resize-window -t tt -x 80 -y 24
# (tmux may size the pty after the keys sent next are read: the console
# then draws at 120x34, tmux cuts that frame to 80x24 until the console's
# SIGWINCH redraw, and a capture in between saw the cut frame)
sleep 0.3
tm send-keys -t tt F4
# (the key bar is drawn last: a wait for a word above it caught frames half drawn)
tt_wait_for "F8 clear" 2 || tt_fail "call screen"
bar=$(tt_screen | tail -1)
tt_hasnt "the key bar does not offer q where q types" "$bar" "q quit"
tt_has "…it names F10" "$bar" "F10 quit"
scr=$(tt_screen)
tt_has "a system field" "$scr" "system"
tt_has "a documents field" "$scr" "docs"
# a slow answer: the time runs, Esc stops it
curl -s -X POST "$FK_URL/_fake/faults" -d '{"faults":[{"path":"/v1/messages","delay_ms":6000,"count":1}]}' >/dev/null
tm send-keys -t tt -l "quiet please"
tm send-keys -t tt Enter
if tt_wait_for "(Esc stops it)" 3 && tt_wait_for "s  (Esc stops it)" 3; then tt_ok "sending: the time runs"
else tt_fail "no time while sending"; tt_screen | sed -n 8,10p; fi
tm send-keys -t tt Escape
if tt_wait_for "canceled (Esc)" 3; then tt_ok "Esc stops the call in flight"; else tt_fail "Esc"; tt_screen | sed -n 8,12p; fi
tt_screen | grep -qF "tokentop  Call" && tt_ok "…and stays on the Call screen" || tt_fail "Esc left the screen"
# q is text; a long answer wraps (the double echoes the prompt five times)
tm send-keys -t tt F8
tm send-keys -t tt -l "q is a letter here and this prompt is long"
tm send-keys -t tt Enter
tt_wait_for "call: answered" 10 || tt_fail "the call returns"
n=$(tt_screen | grep -o "echo:" | wc -l)
[ "$n" -ge 5 ] && tt_ok "the answer wraps: all five echoes in view" || { tt_fail "wrap ($n)"; tt_screen | sed -n 9,20p; }
tt_screen | grep -qF "│ prompt   q is a letter" && tt_ok "q typed into the prompt" || tt_fail "q typed"
bar=$(tt_screen | tail -1)
tt_has "the status at the right of the key bar" "$bar" "call: answered"
tt_has "…the keys stay" "$bar" "Tab field"

# ---- past a budget: F9, not --force (defect 11) ---------------------------------
tc_config '{ "budget": { "daily": "0.01" } }'
tm kill-session -t tt
tt_console tt 80x24 "$TT"
tm send-keys -t tt F4
tt_wait_for "prompt" 2
tm send-keys -t tt -l "over budget"
tm send-keys -t tt Enter
if tt_wait_for "F9 sends it past the budget" 8 && ! tt_screen | grep -qF -- "--force"; then
	tt_ok "refused: the console's own override"
else tt_fail "budget refusal"; tt_screen | sed -n 8,22p; fi
ncalls() { $TT report sources --json | jq '[.rows[] | select(.source == "call") | .requests] | add // 0'; }
before=$(ncalls)
tm send-keys -t tt F9
tt_wait_for "call: answered" 10 && tt_ok "F9 sends it" || tt_fail "F9"
tt_eq "the refused call was not sent, F9's was" "$(ncalls)" "$((before + 1))"

tm send-keys -t tt F10
tt_done
