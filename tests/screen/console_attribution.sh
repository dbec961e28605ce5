#!/usr/bin/env bash
# console_attribution.sh — the Reports screen's breakdowns by project and by
# key (issue 16): `b` cycles model → source → tag → project → key, each
# table the CLI's figures (rows without a project or key as "(none)").
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/console.sh"
tt_need tmux jq
tc_setup

mkdir -p "$T/w/alpha/.git" "$T/w/alpha/src" "$T/w/beta"
at=$(date -u -d "@$(($(date +%s) - 300))" +%Y-%m-%dT%H:%M:%S.000Z)
cc() {  # id cwd input
	printf '{"type":"assistant","timestamp":"%s","requestId":"req_%s","cwd":"%s","message":{"id":"msg_%s","model":"claude-sonnet-4-5","usage":{"input_tokens":%d,"output_tokens":10}}}\n' \
		"$at" "$1" "$2" "$1" "$3"
}
{ cc a1 "$T/w/alpha/src" 300000; cc a2 "$T/w/alpha" 100000; cc b1 "$T/w/beta" 50000; } >"$T/rows.jsonl"
$TT import --format claude-code "$T/rows.jsonl" >/dev/null || tt_die "import"

tt_console tt 100x30 "$TT"
tm send-keys -t tt F2
tt_wait_for "Reports" 2 || tt_fail "reports"
tm send-keys -t tt b b b b
if tt_wait_for "by project" 3; then tt_ok "b ×4: the breakdown by project (after provider)"
else tt_fail "by project"; tt_screen; fi
scr=$(tt_screen)
tt_has "the repository's name (from a subdirectory too)" "$scr" "alpha"
tt_has "a directory outside git by its name" "$scr" "beta"
want=$($TT report projects --json | jq -r '.rows[] | select(.project == "alpha") | .requests')
printf '%s\n' "$scr" | grep -E "alpha +$want " >/dev/null && tt_ok "alpha: $want requests, as the CLI" ||
	tt_fail "alpha's row: $(printf '%s\n' "$scr" | grep alpha)"
tm send-keys -t tt b
if tt_wait_for "by key" 3; then tt_ok "b: the breakdown by key"; else tt_fail "by key"; fi
tt_has "transcript rows have no key" "$(tt_screen)" "(none)"
tm send-keys -t tt b
tt_wait_for "by host" 3 && tt_ok "b: the breakdown by host" || tt_fail "by host"
tm send-keys -t tt b
tt_wait_for "by model" 3 && tt_ok "b: back to model" || tt_fail "back to model"
tm send-keys -t tt q
tt_done
