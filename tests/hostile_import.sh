#!/usr/bin/env bash
# hostile_import.sh — `tokentop import` against hostile trees (issue 10,
# items 8–12): symbolic-link cycles, unreadable files and folders, a file
# replaced by another, FIFOs and devices, and a summary that counts only the
# rows that were kept.
#
# The unreadable cases must fail as root too (CI runs as root, and root reads
# everything): they run with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH taken
# away (setpriv, util-linux), so mode 000 means what it says.
set -u
. "$(dirname "$0")/lib/common.sh"
tt_need jq timeout
tt_tmpdir
TT=$B/tokentop
DB=$T/usage.db

# json KEY < text: a top-level key of the one-line summary
json() { jq -c ".$1" 2>/dev/null; }

# msg ID OUT: one Messages response line (every line the same length for ids of one length)
msg() { printf '{"id":"%s","type":"message","model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":%s}}\n' "$1" "$2"; }

# imp ARGS...: import --json under a hang guard; $out, $errs, $rc
imp() {
	out=$($RUN timeout 60 "$TT" --db "$DB" import --json "$@" 2>"$T/stderr")
	rc=$?
	errs=$(cat "$T/stderr")
}
RUN=

# rows: rows in the ledger
rows() { sqlite3 "$DB" 'SELECT count(*) FROM usage'; }

# --- 9. a symbolic-link cycle: each folder and file once, and it ends -------
mkdir -p "$T/cyc/a/b"
msg msg_c1 1 >"$T/cyc/a/one.jsonl"
msg msg_c2 2 >"$T/cyc/a/b/two.jsonl"
ln -s .. "$T/cyc/a/b/up"          # back to a
ln -s . "$T/cyc/a/b/self"         # itself
ln -s ../.. "$T/cyc/a/b/top"      # the root of the walk
ln -s "$T/cyc/a" "$T/cyc/again"   # a second path to a folder already walked
imp "$T/cyc"
tt_eq "cycle: import ends" "$rc" 0
tt_eq "cycle: each file read once" "$(echo "$out" | json files)" 2
tt_eq "cycle: lines" "$(echo "$out" | json lines)" 2
tt_eq "cycle: added" "$(echo "$out" | json added)" 2
# a file named twice (directly and through its folder) is read once too
imp "$T/cyc/a/one.jsonl" "$T/cyc/a" "$T/cyc/a/one.jsonl"
tt_eq "named twice: one file" "$(echo "$out" | json files)" 2

# --- 12. FIFOs and devices: refused at once, named as unreadable -------------
mkfifo "$T/fifo.jsonl"
msg msg_f1 1 >"$T/plain.jsonl"
imp "$T/fifo.jsonl" /dev/zero "$T/plain.jsonl"
tt_eq "fifo: exit 1, not a hang" "$rc" 1
tt_eq "fifo: the regular file is still read" "$(echo "$out" | json added)" 1
tt_eq "fifo: unreadable list" "$(echo "$out" | json unreadable)" "[\"$T/fifo.jsonl\",\"/dev/zero\"]"
tt_has "fifo: named on stderr" "$errs" "$T/fifo.jsonl: not a regular file"
tt_has "device: named on stderr" "$errs" "/dev/zero: not a regular file"
# a FIFO inside a folder is not a *.jsonl file to read
mkdir "$T/withfifo"
mkfifo "$T/withfifo/pipe.jsonl"
imp "$T/withfifo"
tt_eq "fifo in a folder: no hang" "$rc" 0
tt_eq "fifo in a folder: nothing read" "$(echo "$out" | json files)" 0

# --- 11. a file replaced by another: read again from the top -----------------
F=$T/rep/s.jsonl
mkdir "$T/rep"
{ msg msg_r1 1; msg msg_r2 2; } >"$F"
imp "$F"
tt_eq "replace: first import" "$(echo "$out" | json added)" 2
# another file (a new inode) of the same line lengths: the byte before the
# old mark is a newline, the file is larger and no older
{ msg msg_r3 3; msg msg_r4 4; msg msg_r5 5; } >"$F.new"
mv "$F.new" "$F"
imp "$F"
tt_eq "replace (new inode): every row of the new file" "$(echo "$out" | json added)" 3
tt_eq "replace: ledger" "$(rows)" 8
# rewritten in place (same inode), larger, different content
{ msg msg_r6 6; msg msg_r7 7; msg msg_r8 8; msg msg_r9 9; } >"$F"
imp "$F"
tt_eq "rewrite (same inode): every row" "$(echo "$out" | json added)" 4
# a file that only grew is still read from its mark
msg msg_rA 10 >>"$F"
imp "$F"
tt_eq "grown: only the new line" "$(echo "$out" | json lines)" 1
tt_eq "grown: added" "$(echo "$out" | json added)" 1

# --- 8. rows rolled back are not counted as added ---------------------------
# a ledger that refuses the third row: the import stops, the two before it
# are rolled back with it, and the summary says 0 added
{ msg msg_p1 1; msg msg_p2 2; msg msg_poison 3; msg msg_p4 4; } >"$T/poison.jsonl"
sqlite3 "$DB" "CREATE TRIGGER refuse BEFORE INSERT ON usage WHEN NEW.message_id = 'msg_poison'
	BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
before=$(rows)
imp "$T/poison.jsonl"
tt_eq "rollback: exit 1" "$rc" 1
tt_eq "rollback: nothing kept" "$(rows)" "$before"
tt_eq "rollback: summary says 0 added" "$(echo "$out" | json added)" 0
tt_has "rollback: why" "$errs" "refused by the test"
sqlite3 "$DB" "DROP TRIGGER refuse"

# --- 10. what cannot be read is named; the rest is imported, every time -----
# a probe: can this process be made unable to read a mode-000 file?
tt_no_override
if [ -z "$NOPRIV" ]; then
	echo "SKIP: unreadable cases (root, and setpriv cannot drop CAP_DAC_OVERRIDE here)"
else
	U=$T/u
	mkdir -p "$U/good" "$U/noread" "$U/nosearch" "$U/zfiles"
	msg msg_u1 1 >"$U/good/a.jsonl"
	msg msg_u2 2 >"$U/noread/b.jsonl"
	msg msg_u3 3 >"$U/nosearch/c.jsonl"
	msg msg_u4 4 >"$U/zfiles/locked.jsonl"
	msg msg_u5 5 >"$U/zfiles/open.jsonl"
	ln -s "$U/gone.jsonl" "$U/zfiles/dangling.jsonl"   # a file gone since it was listed
	chmod 300 "$U/noread"       # no listing
	chmod 600 "$U/nosearch"     # a listing, but no way in
	chmod 000 "$U/zfiles/locked.jsonl"
	RUN=$NOPRIV
	imp "$U"
	tt_eq "unreadable: exit 1" "$rc" 1
	tt_eq "unreadable: what can be read is imported" "$(echo "$out" | json added)" 2
	tt_eq "unreadable: --json names each path" "$(echo "$out" | json unreadable)" \
		"[\"$U/noread\",\"$U/nosearch\",\"$U/zfiles/dangling.jsonl\",\"$U/zfiles/locked.jsonl\"]"
	tt_has "unreadable: no listing" "$errs" "$U/noread: Permission denied"
	tt_has "unreadable: no search" "$errs" "$U/nosearch: Permission denied"
	tt_has "unreadable: dangling" "$errs" "$U/zfiles/dangling.jsonl: No such file or directory"
	tt_has "unreadable: mode 000" "$errs" "$U/zfiles/locked.jsonl: Permission denied"
	# the next run still imports what is new: nothing is stuck behind them
	msg msg_u6 6 >>"$U/good/a.jsonl"
	imp "$U"
	tt_eq "unreadable: next run exit" "$rc" 1
	tt_eq "unreadable: next run imports the new line" "$(echo "$out" | json added)" 1
	# the plain summary says it too
	out=$($RUN "$TT" --db "$DB" import "$U" 2>/dev/null)
	tt_has "unreadable: text summary" "$out" "4 unreadable"
	RUN=
	chmod -R u+rwx "$U"
fi

tt_done
