#!/usr/bin/env bash
# import.sh — `tokentop import` end to end on a temp ledger: a transcript tree,
# a batch results file and a messages file; --json counts; re-import adds
# nothing; appended lines (and a line finished later) are the only new rows.
# Also `tokentop prices`: the table, and its --json as a user overlay file.
set -eu
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
TT=$B/tokentop
cp -R tests/data/import "$T/in"
DB="$T/usage.db"

# json KEY < text: the value of a top-level key of the one-line summary
json() { jq -r --arg k "$1" '.[$k] | if type == "array" then tojson else . end'; }

imp() {     # imp ARGS... → stdout in $out, stderr in $errs, status in $rc
	set +e
	out=$("$TT" --db "$DB" import --json "$@" 2>"$T/stderr")
	rc=$?
	set -e
	errs=$(cat "$T/stderr")
}

# --- help and usage errors ------------------------------------------------
"$TT" import --help | grep -q -- '--format auto|messages|batch-results|claude-code' ||
	tt_die "import --help"
"$TT" prices --help | grep -q -- '--json' || tt_die "prices --help"
set +e
"$TT" --db "$DB" import --format csv "$T/in" 2>/dev/null; rc=$?
set -e
tt_eq "bad format exit" "$rc" 2
set +e
"$TT" --db "$DB" import "$T/nope" 2>"$T/stderr"; rc=$?
set -e
tt_eq "missing path exit" "$rc" 1
grep -q "$T/nope: No such file or directory" "$T/stderr" || tt_die "missing path message"
set +e
"$TT" --db "$DB" import 2>"$T/stderr"; rc=$?
set -e
tt_eq "no default folders exit" "$rc" 1
grep -q "no Claude Code transcript folders" "$T/stderr" || tt_die "no default folders message"

# --- a transcript tree: streaming copies, a sidechain replay, a malformed line
imp "$T/in/projects"
tt_eq "tree exit (one malformed line)" "$rc" 1
tt_eq "tree added" "$(echo "$out" | json added)" 4
tt_eq "tree duplicates" "$(echo "$out" | json duplicates)" 2
tt_eq "tree skipped" "$(echo "$out" | json skipped)" 6
tt_eq "tree malformed" "$(echo "$out" | json malformed)" 1
tt_eq "tree files" "$(echo "$out" | json files)" 2
echo "$errs" | grep -q '1b2c3d4e-bbbb.jsonl:4: message.usage.output_tokens: not a non-negative integer' ||
	tt_die "malformed line not reported as FILE:LINE: reason: $errs"

# --- a results file (batch id from its name) and a messages file -----------
imp "$T/in/msgbatch_01TestBatch.jsonl"
tt_eq "results exit" "$rc" 0
tt_eq "results added" "$(echo "$out" | json added)" 2
tt_eq "results skipped" "$(echo "$out" | json skipped)" 3
imp --tag demo "$T/in/responses.jsonl"
tt_eq "messages exit" "$rc" 0
tt_eq "messages added" "$(echo "$out" | json added)" 3
tt_eq "messages unpriced" "$(echo "$out" | json unpriced_models)" '["gpt-imaginary-1"]'

# --- re-import: nothing new, nothing read ----------------------------------
imp "$T/in"
tt_eq "re-import added" "$(echo "$out" | json added)" 0
tt_eq "re-import duplicates" "$(echo "$out" | json duplicates)" 0
tt_eq "re-import lines" "$(echo "$out" | json lines)" 0
tt_eq "re-import exit" "$rc" 0

# forcing a re-read of everything (a fresh copy has no mark) adds nothing either
mkdir "$T/copy"
cp -R "$T/in/projects" "$T/copy/"
imp "$T/copy/projects"
tt_eq "copy added" "$(echo "$out" | json added)" 0
tt_eq "copy duplicates" "$(echo "$out" | json duplicates)" 6

# --- appended lines: only they are read -------------------------------------
S="$T/in/projects/-home-me-proj-a/0a9a8045-aaaa.jsonl"
line() {    # line MSGID OUT TIME
	printf '{"type":"assistant","isSidechain":false,"sessionId":"s","timestamp":"%s","requestId":"req_%s","message":{"id":"%s","type":"message","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":4,"output_tokens":%s}}}\n' "$3" "$1" "$1" "$2"
}
line msg_N1 10 2025-06-04T10:00:00Z >>"$S"
line msg_N1 50 2025-06-04T10:00:01Z >>"$S"
imp "$T/in"
tt_eq "append lines" "$(echo "$out" | json lines)" 2
tt_eq "append added" "$(echo "$out" | json added)" 1
tt_eq "append duplicates" "$(echo "$out" | json duplicates)" 1
tt_eq "append replaced" "$(echo "$out" | json replaced)" 1

# a line still being written is left alone, then read once finished
line msg_N2 7 2025-06-04T11:00:00Z | head -c 60 >>"$S"
imp "$S"
tt_eq "partial lines" "$(echo "$out" | json lines)" 0
tt_eq "partial malformed" "$(echo "$out" | json malformed)" 0
line msg_N2 7 2025-06-04T11:00:00Z | tail -c +61 >>"$S"
imp "$S"
tt_eq "finished lines" "$(echo "$out" | json lines)" 1
tt_eq "finished added" "$(echo "$out" | json added)" 1

# a rewritten (shrunk) file is read again from the top; its rows are duplicates
line msg_N1 50 2025-06-04T10:00:01Z >"$S"
imp "$S"
tt_eq "shrunk lines" "$(echo "$out" | json lines)" 1
tt_eq "shrunk duplicates" "$(echo "$out" | json duplicates)" 1

# --- one mark per file, whatever the path leads to it: a linked folder, a
# linked file, a relative path, "." and ".." on the way
mkdir "$T/links"
ln -s "$T/in/projects" "$T/links/dir"
ln -s "$S" "$T/links/file.jsonl"
line msg_L1 9 2025-06-06T00:00:00Z >>"$S"
imp "$T/links/dir"
tt_eq "linked folder: only the new line" "$(echo "$out" | json lines)" 1
imp "$T/links/file.jsonl" "$T/links/./dir/../projects" "$T/in/projects"
tt_eq "linked file, dots, real path: nothing new" "$(echo "$out" | json lines)" 0
(cd "$T/in" && "$TT" --db "$DB" import --json projects) >"$T/rel.json" || tt_die "relative import"
tt_eq "relative path: nothing new" "$(json lines <"$T/rel.json")" 0

# --- a file replaced by another of the same size and time (another inode):
# read again, not taken for the one already read to its end
R="$T/in/projects/-home-me-proj-a/replaced.jsonl"
line msg_X1 5 2025-06-07T00:00:00Z >"$R"
imp "$R"
tt_eq "replaced: first read" "$(echo "$out" | json added)" 1
line msg_X2 5 2025-06-07T00:00:00Z >"$R.new"
touch -r "$R" "$R.new"
mv "$R.new" "$R"
imp "$R"
tt_eq "replaced, same size and time: read again" "$(echo "$out" | json lines)" 1
tt_eq "replaced: its row added" "$(echo "$out" | json added)" 1
imp "$R"
tt_eq "then unchanged: nothing read" "$(echo "$out" | json lines)" 0
rm "$R"

# --- default folders: CLAUDE_CONFIG_DIR ------------------------------------
mkdir -p "$T/cc/projects/p"
line msg_D1 3 2025-06-05T00:00:00Z >"$T/cc/projects/p/s.jsonl"
set +e
out=$(CLAUDE_CONFIG_DIR="$T/cc" "$TT" --db "$DB" import --json); rc=$?
set -e
tt_eq "default dirs exit" "$rc" 0
tt_eq "default dirs added" "$(echo "$out" | json added)" 1

# --- the text summary ------------------------------------------------------
"$TT" --db "$DB" import "$T/in" | grep -q '^4 files, 0 lines: 0 added, 0 duplicates, 0 skipped$' ||
	tt_die "text summary"
# --- prices: every shipped model listed; --json is a valid user file --------
"$TT" prices >"$T/prices.txt"
for m in claude-opus-5 claude-opus-4-8 claude-opus-4-7 claude-opus-4-6 claude-opus-4-5 \
	claude-opus-4-1 claude-opus-4-0 claude-sonnet-5 claude-sonnet-4-6 claude-sonnet-4-5 \
	claude-sonnet-4-0 claude-3-7-sonnet claude-haiku-4-5 claude-3-5-haiku claude-3-haiku; do
	grep -q "^$m " "$T/prices.txt" || tt_die "prices lacks $m"
done
grep -q '^claude-3-haiku  *0.25  *0.30  *0.50  *0.03  *1.25 ' "$T/prices.txt" || tt_die "haiku 3 row"
mkdir -p "$XDG_CONFIG_HOME/tokentop"
"$TT" prices --json | python3 -c '
import json, sys
t = json.load(sys.stdin)
for m in t["models"]:
    if m["id"] == "claude-sonnet-4-6":
        m["output"] = "16.5"
t["models"].append({"id": "gpt-imaginary-1", "input": "1", "write_5m": "1", "write_1h": "1",
                    "cache_read": "1", "output": "1"})
json.dump(t, sys.stdout)' >"$T/user-prices.json"
mv "$T/user-prices.json" "$XDG_CONFIG_HOME/tokentop/prices.json"
"$TT" prices >"$T/prices2.txt"
grep -q '^claude-sonnet-4-6 .* 16.50 ' "$T/prices2.txt" || tt_die "user overlay not applied"
grep -q '^gpt-imaginary-1 ' "$T/prices2.txt" || tt_die "user model not added"
imp "$T/in/responses.jsonl" "$T/copy/projects"
tt_eq "priced now" "$(echo "$out" | json unpriced_models)" '[]'
echo '{"models":[{"id":"x","input":3.75}]}' >"$XDG_CONFIG_HOME/tokentop/prices.json"
set +e
"$TT" prices 2>"$T/stderr"; rc=$?
set -e
tt_eq "broken user prices exit" "$rc" 1
grep -q 'prices.json: models\[0\].input: not a decimal string' "$T/stderr" || tt_die "broken prices message: $(cat "$T/stderr")"
tt_done
