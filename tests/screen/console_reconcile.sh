#!/usr/bin/env bash
# console_reconcile.sh — a batch whose create answer was lost (tokentop batch
# submit killed with -9 after the double made the batch, before it was
# recorded) is found when the console starts: the status line says it was
# adopted and the batch shows on the dashboard. Private tmux socket, temp dir.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${TOKENTOP_BUILD:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }

T=$(mktemp -d)
S=ttr$$
TM="tmux -L $S -f /dev/null"
FKPID=
cleanup() {
	$TM kill-server 2>/dev/null
	[ -n "$FKPID" ] && kill "$FKPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

export TOKENTOP_DATADIR=$ROOT/share LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC
export XDG_CONFIG_HOME=$T/config XDG_DATA_HOME=$T/data HOME=$T
export ANTHROPIC_API_KEY=sk-ant-test
unset NO_COLOR TOKENTOP_DB
export ASAN_OPTIONS="log_path=$T/san:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="log_path=$T/san:${UBSAN_OPTIONS:-}"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
screen() { $TM capture-pane -p -t tt; }
wait_for() {
	local i n=$(( ${2:-5} * 10 ))
	for ((i = 0; i < n; i++)); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# time-scale 1: the batch's created_at is the real time, as the real API's
"$B/fakeapi" --port 0 --time-scale 1 >"$T/fk.out" 2>"$T/fk.err" &
FKPID=$!
for ((i = 0; i < 100; i++)); do grep -q '^port [0-9]' "$T/fk.out" && break; sleep 0.05; done
URL=http://127.0.0.1:$(sed -n 's/^port //p' "$T/fk.out")
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
kill -9 "$sp"
wait "$sp" 2>/dev/null
id=$(curl -s "${H[@]}" "$URL/v1/messages/batches" | jq -r '.data[0].id')
[ "$(sqlite3 "$T/usage.db" 'SELECT count(*) FROM batch')" = 0 ] && ok "the ledger lost it" ||
    fail "the batch was recorded before the kill"

cd "$T"
$TM new-session -d -s tt -x 120 -y 34 "$B/tokentop --db $T/usage.db"
cd "$ROOT"
if wait_for "adopted $id" 10; then ok "status line: adopted $id"; else screen; fail "no adoption on the status line"; fi
if wait_for "${id:0:14}" 5; then ok "the batch is on the dashboard"; else screen; fail "batch not shown"; fi
[ "$(sqlite3 "$T/usage.db" "SELECT count(*) FROM batch WHERE id = '$id'")" = 1 ] &&
    ok "the ledger has it" || fail "the ledger does not have $id"
[ "$(sqlite3 "$T/usage.db" 'SELECT status FROM batch_intent')" = created ] &&
    ok "the intent is created" || fail "intent not marked created"
$TM send-keys -t tt q
sleep 0.3
if ls "$T"/san* >/dev/null 2>&1; then cat "$T"/san*; fail "sanitizer reports"; fi
[ "$fails" -eq 0 ] && echo "console_reconcile: all passed"
[ "$fails" -eq 0 ]
