#!/usr/bin/env bash
# hostile_files.sh — the files tokentop makes and the ledger it reads (issue
# 10, items 14–15): every file it creates is 0600 whatever the umask (a path
# the user names for an export follows the umask, as cp does); a ledger or a
# config file with a key that others can read gets a warning; the commands
# that only read work on a ledger they cannot write (no write permission on
# the file or its directory, a read-only mount), and an old ledger that would
# need migrating read-only is refused with the reason.
#
# Root may write anything, so the "cannot write" cases run with
# CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH taken away (setpriv).
set -u
. "$(dirname "$0")/lib/common.sh"
tt_need sqlite3 curl stat
tt_tmpdir
TT=$B/tokentop
export ANTHROPIC_API_KEY=sk-ant-test
umask 022

mode() { stat -c %a "$1"; }
msg() { printf '{"id":"%s","type":"message","model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":%s}}\n' "$1" "$2"; }

# ---- 14. the files tokentop creates ---------------------------------------
tt_start_fakeapi main --time-scale 0
export ANTHROPIC_BASE_URL=$FK_URL
mkdir -p "$T/led"
DB=$T/led/usage.db
{
	printf '{"custom_id":"a","prompt":"Translate this to French: good morning"}\n'
	printf '{"custom_id":"b","prompt":"Analyse the trade-offs of these two designs"}\n'
} >"$T/jobs.jsonl"
"$TT" --db "$DB" batch submit --route auto "$T/jobs.jsonl" >"$T/out" 2>&1 || tt_die "submit: $(cat "$T/out")"
curl -s -X POST "$FK_URL/_fake/clock" --data-binary '{"advance_seconds":3600}' >/dev/null
"$TT" --db "$DB" batch watch --interval 0.1 >"$T/out" 2>&1 || tt_die "watch: $(cat "$T/out")"
tiers=$(find "$T/led/results" -name '*.tiers' | head -1)
res=$(find "$T/led/results" -name 'msgbatch_*.jsonl' | head -1)
[ -n "$tiers" ] && [ -n "$res" ] || tt_die "no tiers or results file: $(ls -la "$T/led/results")"
tt_eq "tiers file 0600 under umask 022" "$(mode "$tiers")" 600
tt_eq "results file 0600" "$(mode "$res")" 600
tt_eq "results folder 0700" "$(mode "$T/led/results")" 700
tt_eq "ledger 0600" "$(mode "$DB")" 600
bad=$(find "$T/led" -mindepth 1 -perm /077 -printf '%m %p\n')
tt_eq "nothing under the ledger's folder readable by others" "$bad" ""
# a path the user names follows the umask, as cp does
ID=$(basename "$res" .jsonl)
"$TT" --db "$DB" batch results "$ID" -o "$T/export.jsonl" >/dev/null 2>&1 || tt_die "results -o"
tt_eq "a named export follows umask 022" "$(mode "$T/export.jsonl")" 644
(umask 077; "$TT" --db "$DB" batch results "$ID" -o "$T/export2.jsonl" >/dev/null 2>&1)
tt_eq "a named export follows umask 077" "$(mode "$T/export2.jsonl")" 600

# a ledger others can read: a warning naming it and the fix; a private one: none
cp "$DB" "$T/shared.db"
chmod 644 "$T/shared.db"
"$TT" --db "$T/shared.db" report >/dev/null 2>"$T/err"
tt_has "ledger readable by others: warned" "$(cat "$T/err")" "$T/shared.db is readable by others (mode 0644)"
"$TT" --db "$DB" report >/dev/null 2>"$T/err"
tt_eq "private ledger: no warning" "$(cat "$T/err")" ""

# a config file holding a key that others can read: warned, as ssh does
mkdir -p "$XDG_CONFIG_HOME/tokentop"
CFG=$XDG_CONFIG_HOME/tokentop/config.json
printf '{"api_key": "sk-ant-api03-secretsecretsecret"}\n' >"$CFG"
chmod 644 "$CFG"
"$TT" --db "$DB" report >/dev/null 2>"$T/err"
tt_has "config with a key, 0644: warned" "$(cat "$T/err")" "$CFG holds an API key and is readable by others (mode 0644)"
tt_hasnt "the warning shows no key" "$(cat "$T/err")" "secret"
chmod 640 "$CFG"
"$TT" --db "$DB" report >/dev/null 2>"$T/err"
tt_has "config with a key, 0640: warned" "$(cat "$T/err")" "(mode 0640)"
chmod 600 "$CFG"
"$TT" --db "$DB" report >/dev/null 2>"$T/err"
tt_eq "config with a key, 0600: no warning" "$(cat "$T/err")" ""
printf '{"tz": "UTC"}\n' >"$CFG"
chmod 644 "$CFG"
"$TT" --db "$DB" report >/dev/null 2>"$T/err"
tt_eq "config without a key, 0644: no warning" "$(cat "$T/err")" ""
rm -f "$CFG"

# ---- 15. a ledger tokentop cannot write ------------------------------------
R=$T/ro
mkdir -p "$R"
msg msg_1 5 >"$T/one.jsonl"
"$TT" --db "$R/usage.db" import "$T/one.jsonl" >/dev/null || tt_die "import"
want=$("$TT" --db "$R/usage.db" report --json)

tt_no_override

# ro_checks NAME DB: the reading commands work on DB and leave nothing behind
ro_checks() {
	local before after out
	before=$(ls -la "$(dirname "$2")" | md5sum)
	out=$($NOPRIV "$TT" --db "$2" report --json 2>"$T/err")
	tt_eq "$1: report exit" "$?" 0
	tt_eq "$1: report --json as from the writable file" "$out" "$want"
	$NOPRIV "$TT" --db "$2" report models >/dev/null 2>>"$T/err"
	tt_eq "$1: report models" "$?" 0
	$NOPRIV "$TT" --db "$2" report caps >/dev/null 2>>"$T/err"
	tt_eq "$1: report caps" "$?" 0
	$NOPRIV "$TT" --db "$2" report org >/dev/null 2>>"$T/err"
	tt_eq "$1: report org" "$?" 0
	$NOPRIV "$TT" --db "$2" batch list >/dev/null 2>>"$T/err"
	tt_eq "$1: batch list" "$?" 0
	tt_hasnt "$1: no error said" "$(grep -v 'warning:' "$T/err")" "tokentop"
	after=$(ls -la "$(dirname "$2")" | md5sum)
	tt_eq "$1: nothing created beside it" "$after" "$before"
}

if [ -z "$NOPRIV" ]; then
	echo "SKIP: read-only cases (root, and setpriv cannot drop CAP_DAC_OVERRIDE here)"
else
	# a copy without write permission, in a folder without write permission
	mkdir "$T/ro2"
	cp "$R/usage.db" "$T/ro2/usage.db"
	chmod 400 "$T/ro2/usage.db"
	chmod 500 "$T/ro2"
	ro_checks "read-only folder" "$T/ro2/usage.db"
	# a file without write permission in a writable folder
	mkdir "$T/ro3"
	cp "$R/usage.db" "$T/ro3/usage.db"
	chmod 400 "$T/ro3/usage.db"
	out=$($NOPRIV "$TT" --db "$T/ro3/usage.db" report --json 2>"$T/err")
	tt_eq "read-only file: report" "$out" "$want"
	# an older schema that would need migrating: refused, saying why
	mkdir "$T/ro4"
	cp "$R/usage.db" "$T/ro4/usage.db"
	sqlite3 "$T/ro4/usage.db" 'PRAGMA user_version = 3'
	chmod 400 "$T/ro4/usage.db"
	chmod 500 "$T/ro4"
	$NOPRIV "$TT" --db "$T/ro4/usage.db" report >/dev/null 2>"$T/err"
	tt_eq "old schema, read-only: exit 1" "$?" 1
	tt_has "old schema, read-only: why" "$(cat "$T/err")" "cannot be migrated read-only"
	chmod 700 "$T/ro2" "$T/ro4"
	# ... and migrated when it can be written
	chmod 600 "$T/ro4/usage.db"
	out=$("$TT" --db "$T/ro4/usage.db" report --json 2>"$T/err")
	tt_eq "old schema, writable: migrated and read" "$out" "$want"
fi

# a read-only mount (root, with a private mount namespace)
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
	unshare -m true 2>/dev/null; then
	mkdir -p "$T/mnt" "$T/src"
	cp "$R/usage.db" "$T/src/usage.db"
	out=$(unshare -m sh -c 'mount --bind -o ro "$1" "$2" && exec "$3" --db "$2/usage.db" report --json' \
		sh "$T/src" "$T/mnt" "$TT" 2>"$T/err")
	tt_eq "read-only mount: report" "$out" "$want"
	tt_eq "read-only mount: nothing said" "$(cat "$T/err")" ""
	if command -v tmux >/dev/null; then
		tt_tmux
		tt_console ro 100x30 "unshare -m sh -c 'mount --bind -o ro \"\$1\" \"\$2\" && exec \"\$3\" --db \"\$2/usage.db\"' sh '$T/src' '$T/mnt' '$TT'"
		tt_wait_for "ledger opened read-only" 3 ro && tt_ok "read-only mount: the console shows it and says so" ||
			tt_fail "read-only mount: no word in the console: $(tt_screen ro | tail -1)"
		tt_eq "read-only mount: the console tried no write first" "$(cat "$T/console.ro.err")" \
			"tokentop console: $T/mnt/usage.db opened read-only: launching, cancelling and calls will fail"
	fi
else
	echo "SKIP: read-only mount (needs root and unshare -m)"
fi

# a file that is not a ledger: the console says why, once, and exits 1
if command -v tmux >/dev/null; then
	[ -n "$TT_SOCK" ] || tt_tmux
	printf 'not a ledger\n' >"$T/junk.db"
	chmod 600 "$T/junk.db"
	tm new-session -d -s junk -x 100 -y 30 "$TT --db '$T/junk.db' 2>'$T/junk.err'; echo \$? >'$T/junk.rc'"
	for ((i = 0; i < 50; i++)); do [ -s "$T/junk.rc" ] && break; sleep 0.1; done
	tt_eq "not a ledger: the console exits 1" "$(cat "$T/junk.rc" 2>/dev/null)" 1
	tt_eq "not a ledger: said once, with the file" "$(cat "$T/junk.err")" \
		"tokentop: $T/junk.db: file is not a database (not a tokentop ledger, or a damaged one)"
fi

tt_done
