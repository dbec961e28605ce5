#!/usr/bin/env bash
# console_batch.sh — the Batches screen against the API double in tmux: an
# invalid file shows FILE:LINE in the dialog and offers no Submit; a valid
# one shows its request count and estimate, is submitted with y, appears in
# the list and ends (the console's own watcher ingests it); the Call screen
# sends a prompt and shows the answer. Private tmux socket and temp dir.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${TOKENTOP_BUILD:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }

T=$(mktemp -d)
S=ttb$$
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
# under a sanitizer build, reports go to files checked at the end
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

# the double, on a fast virtual clock: a batch ends a fraction of a second after creation
"$B/fakeapi" --port 0 --time-scale 100 --batch-seconds 20 >"$T/fk.out" 2>"$T/fk.err" &
FKPID=$!
for ((i = 0; i < 100; i++)); do grep -q '^port [0-9]' "$T/fk.out" && break; sleep 0.05; done
export ANTHROPIC_BASE_URL=http://127.0.0.1:$(sed -n 's/^port //p' "$T/fk.out")

for i in 1 2 3 4 5; do
	printf '{"custom_id":"q%d","params":{"model":"claude-haiku-4-5","max_tokens":50,"messages":[{"role":"user","content":"hello %d"}]}}\n' "$i" "$i"
done >"$T/jobs.jsonl"
printf '{"custom_id":"ok1","params":{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"x"}]}}\n{"custom_id":"a b","params":{}}\n' >"$T/bad.jsonl"

cd "$T"
$TM new-session -d -s tt -x 120 -y 34 "$B/tokentop --db $T/usage.db"
cd "$ROOT"
wait_for "live" 5 || { screen; echo "FAIL: the console did not start"; exit 1; }

# ---- an invalid file -----------------------------------------------------------
$TM send-keys -t tt F3
wait_for "no batches yet" 2 || fail "empty batches list"
$TM send-keys -t tt n
wait_for "New batch" 2 || fail "n opens the dialog"
$TM send-keys -t tt -l "$T/bad.jsonl"
$TM send-keys -t tt Enter
if wait_for "bad.jsonl:2: custom_id" 3 && ! screen | grep -qF "Submit"; then
	ok "invalid file: FILE:LINE in the dialog, no Submit"
else fail "invalid file dialog"; screen | sed -n 10,25p; fi
$TM send-keys -t tt y         # must not submit
sleep 0.3
$TM send-keys -t tt Escape
sleep 0.3

# ---- a valid one ----------------------------------------------------------------
$TM send-keys -t tt n
wait_for "New batch" 2
$TM send-keys -t tt -l "$T/jobs.jsonl"
$TM send-keys -t tt Enter
if wait_for "5 requests" 3 && screen | grep -qF "claude-haiku-4-5" && screen | grep -qF "estimated" &&
   screen | grep -qF "Submit"; then ok "valid file: count, model, estimate, Submit"
else fail "valid file dialog"; screen | sed -n 10,25p; fi
$TM send-keys -t tt y
if wait_for "in_progress" 5 || wait_for "ended" 1; then ok "the batch appears"; else fail "batch appears"; screen; fi
if wait_for "5/0" 25 && screen | grep -q "ended"; then ok "the batch ends, 5 succeeded, ingested"
else fail "batch should end"; screen | sed -n 1,6p; fi
n=$("$B/tokentop" --db "$T/usage.db" report sources --json | grep -c '"source": "batch"')
[ "$n" = 1 ] && ok "batch rows in the ledger" || fail "batch rows in the ledger ($n)"

# ---- the Call screen -------------------------------------------------------------
$TM send-keys -t tt F4
wait_for "prompt" 2 || fail "call screen"
$TM send-keys -t tt -l "say hi"
$TM send-keys -t tt Enter
if wait_for "call: done" 10; then ok "call returns"; else fail "call"; screen | tail -5; fi
n=$("$B/tokentop" --db "$T/usage.db" report sources --json | grep -c '"source": "call"')
[ "$n" = 1 ] && ok "the call is in the ledger" || fail "call row in the ledger ($n)"

$TM send-keys -t tt F10
for ((i = 0; i < 30; i++)); do $TM has-session -t tt 2>/dev/null || break; sleep 0.1; done
$TM has-session -t tt 2>/dev/null && fail "F10 should quit" || ok "F10 quits"
sleep 0.2
if pgrep -f "tokentop --db $T/usage.db" >/dev/null; then fail "background jobs left running"
else ok "no background job left"; fi

for f in "$T"/san.*; do
	[ -f "$f" ] || continue
	fail "sanitizer report $(basename "$f")"; head -20 "$f"
done

echo "$fails failed"
[ "$fails" -eq 0 ]
