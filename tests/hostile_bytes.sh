#!/usr/bin/env bash
# hostile_bytes.sh — outside text carrying terminal escapes (ESC, BEL, OSC 8,
# C1 CSI as UTF-8 and as a raw byte, bidi overrides) and spreadsheet formulas
# reaches every printing command: import (summary, unpriced line, FILE:LINE
# errors), report (table, unpriced footer, --csv), report caps, batch list and
# results, error messages echoing argv or a server's message, and the
# console. No ESC, no C1, no bidi control may come out, and every CSV text
# cell that a spreadsheet would run as a formula starts with a quote.
set -u
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_need python3 sqlite3
TT=$B/tokentop
DB=$T/usage.db
tt() { "$TT" --db "$DB" "$@"; }

# run NAME ARGS...: tt ARGS with stdout and stderr in $T/out/NAME.out/.err,
# checked at the end by check_clean.
mkdir -p "$T/out"
run() {
	local name=$1
	shift
	tt "$@" >"$T/out/$name.out" 2>"$T/out/$name.err"
}

# check_clean: every file of run is valid UTF-8 with no control character
# but LF, no C1 control and no bidi mark, embedding, override or isolate
# (one python3 for all: it starts slowly on a busy machine).
check_clean() {
	local verdict name why
	while IFS='|' read -r verdict name why; do
		if [ "$verdict" = ok ]; then tt_ok "$name"; else tt_fail "$name: $why"; fi
	done < <(python3 - "$T"/out/* <<'EOF'
import os, sys
for path in sys.argv[1:]:
    name = os.path.basename(path)
    b = open(path, 'rb').read()
    try:
        s = b.decode('utf-8')
    except UnicodeDecodeError as e:
        print('FAIL|%s|invalid UTF-8 at byte %d: %r' % (name, e.start, b[max(0, e.start - 20):e.start + 10]))
        continue
    bad = [i for i, c in enumerate(s) if (ord(c) < 0x20 and c != '\n') or 0x7f <= ord(c) <= 0x9f
           or 0x202a <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069 or ord(c) in (0x061c, 0x200e, 0x200f)]
    if bad:
        i = bad[0]
        print('FAIL|%s|U+%04X at %d: %r' % (name, ord(s[i]), i, s[max(0, i - 20):i + 10]))
    else:
        print('ok|%s clean|' % name)
EOF
	)
}

# ---- a transcript whose models (and file name) carry escapes and formulas ----
ESC=$'\e'
DIR=$T/in/projects/-p
EVIL="$DIR/evil${ESC}]0;pwned${ESC}\\x.jsonl"
mkdir -p "$DIR"
line() {   # line N MODEL-AS-JSON-STRING-BODY
	printf '{"type":"assistant","isSidechain":false,"sessionId":"s","message":{"id":"msg_H%s","type":"message","role":"assistant","model":"%s","content":[],"stop_reason":"max_tokens","usage":{"input_tokens":10,"output_tokens":5,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}},"requestId":"req_H%s","uuid":"h%s","timestamp":"2025-06-02T10:00:0%s.000Z"}\n' \
		"$1" "$2" "$1" "$1" "$1"
}
{
	line 1 '\u001b]0;pwned\u0007x'                         # OSC title + BEL
	line 2 'm\u009b31mred'                                  # C1 CSI as UTF-8
	line 3 '=HYPERLINK(\"http://evil.example\",\"cl\")'    # a formula
	line 4 'ab\u202eevil'                                   # bidi override
	line 5 '\u001b]8;;http://evil.example\u001b\\\\link\u001b]8;;\u001b\\\\'   # OSC 8 hyperlink
	line 6 '+SUM(1)'
	line 7 '@cmd'
	line 8 '-2+3'
	# malformed: a string where a count belongs, holding an escape
	printf '{"type":"assistant","message":{"id":"msg_HX","model":"m","usage":{"input_tokens":"\\u001b[2J","output_tokens":1}},"requestId":"req_HX","timestamp":"2025-06-02T10:00:09.000Z"}\n'
	# malformed: a raw C1 byte (invalid UTF-8) inside the line
	printf '{"type":"assistant","message":{"id":"msg_HY","model":"x\x9b31my"}}\n'
} >"$EVIL"
run import import "$T/in/projects"
tt_has "import: the unpriced line is there" "$(cat "$T/out/import.out")" "unpriced models"
tt_has "import: FILE:LINE names the file" "$(cat "$T/out/import.err")" "evil"
# tags from the command line: a formula, an escape with a C1 CSI
mkdir -p "$T/t1" "$T/t2"
line 1 claude-haiku-4-5 | sed 's/_H1/_T1/g' >"$T/t1/a.jsonl"
line 2 claude-haiku-4-5 | sed 's/_H2/_T2/g' >"$T/t2/a.jsonl"
run import_tag import --tag $'=HYPERLINK("http://evil.example","t")' "$T/t1/a.jsonl"
run import_tag2 import --tag $'\e[31mred\u009b' "$T/t2/a.jsonl"

# ---- reports ------------------------------------------------------------------
run models report models
tt_has "report: the unpriced footer is there" "$(cat "$T/out/models.out")" "unpriced"
run tags report tags
run daily report daily
run caps report caps
run models_json report models --json
run import_json import --json "$EVIL"
grep -qF 'u009b' "$T/out/models_json.out" && tt_ok "json: a C1 control is an escape" ||
	tt_fail "json: $(head -c 400 "$T/out/models_json.out")"
run models_csv report models --csv
run tags_csv report tags --csv
python3 - "$T/out/models_csv.out" "$T/out/tags_csv.out" <<'EOF' && tt_ok "csv: no cell starts a formula" || tt_fail "csv: a formula cell"
import csv, sys
seen = 0
for path in sys.argv[1:]:
    for row in csv.reader(open(path, encoding='utf-8', newline='')):
        for cell in row:
            if cell[:1] in ('=', '+', '@', '\t', '\r') or (cell[:1] == '-' and not cell[1:2].isdigit()):
                print('%s: %r' % (path, cell)); sys.exit(1)
            if cell.startswith("'"):
                seen += 1
if seen < 5:
    print('only %d neutralised cells' % seen); sys.exit(1)
EOF
grep -qF "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"cl\"\")\"" "$T/out/models_csv.out" &&
	tt_ok "csv: the formula is quoted text" || tt_fail "csv: $(cat "$T/out/models_csv.out")"
grep -q "^\"'-2+3\"," "$T/out/models_csv.out" && tt_ok "csv: a leading minus is text" ||
	tt_fail "csv: -2+3 $(cat "$T/out/models_csv.out")"

# ---- batches: ids, statuses, custom_ids and error messages from the API -------
sqlite3 "$DB" "INSERT INTO batch (id, status, input_file, models, tag, ingested, created_ms)
	VALUES ('msgbatch_H' || char(27) || '[2J', 'ended' || char(155), 'in' || char(27) || ']0;t' || char(7),
	        'm', '=1+1' || char(8238), 1, 1700000000000);
	INSERT INTO batch_result VALUES ('msgbatch_H' || char(27) || '[2J', 'cid' || char(27) || '[31m',
	        'errored', 'boom ' || char(27) || ']8;;http://evil' || char(27) || '\\link ' || char(155) || '31m '
	        || CAST(X'9B' AS TEXT) || ' ' || char(7));" || tt_die "seed batch rows"
run batch_list batch list
tt_has "batch list shows the batch" "$(cat "$T/out/batch_list.out")" "msgbatch_H"
run batch_results batch results $'msgbatch_H\e[2J'
tt_has "batch results shows the error" "$(cat "$T/out/batch_results.out")" "boom"

# ---- error messages that echo argv ----------------------------------------------
run bad_kind report $'\e]0;pwned\a'
run bad_tz report --tz $'\e[2J\u009b'
run bad_opt batch list $'\e[31m'
tt_has "an echoed argument is still shown" "$(cat "$T/out/bad_kind.err")" "pwned"

# ---- a server's error message echoing a hostile model -------------------------
tt_start_fakeapi main --time-scale 0
export ANTHROPIC_BASE_URL=$FK_URL ANTHROPIC_API_KEY=sk-ant-test
run call_404 call --model $'claude-\e]0;pwned\a' "hi"
tt_has "the server's message is shown" "$(cat "$T/out/call_404.err")" "pwned"
run status_404 batch status $'msgbatch_\e]0;pwned\a'

check_clean

# ---- the console: the same names drawn, nothing reaching the terminal ---------
if command -v tmux >/dev/null; then
	tt_tmux
	tt_noon        # rows minutes old are today at any hour (common.sh)
	CDB=$T/console.db
	ts=$(date -u -d "@$(($(date +%s) - 120))" +%Y-%m-%dT%H:%M:%S)
	sed "s/2025-06-02T10:00:0\(.\)/${ts%?}\1/" "$EVIL" >"$T/now.jsonl"
	"$TT" --db "$CDB" import "$T/now.jsonl" >/dev/null 2>&1
	tt_console tt 140x40 "$TT --db $CDB"
	tt_wait_for "pwned" 5 || :
	scr=$(tt_screen)
	tt_has "console: the model is shown, its escape replaced" "$scr" $'\uFFFD]0;pwned'
	tt_has "console: the C1 CSI replaced" "$scr" $'m\uFFFD31mred'
	tt_hasnt "console: no title was set" "$(tm display -p -t tt '#{pane_title}')" "pwned"
	tm send-keys -t tt q
fi

tt_done
