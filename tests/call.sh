#!/usr/bin/env bash
# call.sh — `tokentop call` as a user runs it, against the API double:
# two cached documents (a write, then a read), the ledger rows and their
# price, --json, --stream, a closed stdout, a retried 429, errors that never
# show the key, Bearer auth from the config file.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_start_fakeapi main
BASE=$FK_URL
export ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=sk-ant-test
DB=$T/usage.db
tt() { "$B/tokentop" --db "$DB" "$@"; }
rows() { sqlite3 "$DB" "select count(*) from usage where source='call'"; }

# two documents: 8000 + 6000 bytes of text, plus a short system prompt
printf 'You answer briefly.' >"$T/sys.txt"
head -c 8000 /dev/zero | tr '\0' 'a' >"$T/a.txt"
head -c 6000 /dev/zero | tr '\0' 'b' >"$T/b.txt"

tt call --system "$T/sys.txt" --doc "$T/a.txt" --doc "$T/b.txt" "first question" >"$T/out1" 2>"$T/err1"
grep -q '^echo: first question' "$T/out1" || tt_die "answer: $(cat "$T/out1")"
grep -Eq '^in [0-9]+ · cache write [1-9][0-9,]* \(5m\) · cache read 0 · out [0-9]+ · \$[0-9.]+ · hit 0%$' \
	"$T/err1" || tt_die "first usage line: $(cat "$T/err1")"
W=$(sed -E 's/.*cache write ([0-9,]+).*/\1/' "$T/err1")

tt call --system "$T/sys.txt" --doc "$T/a.txt" --doc "$T/b.txt" "second question" >"$T/out2" 2>"$T/err2"
grep -q "cache write 0 · cache read $W · " "$T/err2" || tt_die "second usage line: $(cat "$T/err2")"
[ "$(rows)" = 2 ] || tt_die "expected 2 ledger rows, got $(rows)"

# the ledger holds both buckets, with ids, and the price matches the table:
# Sonnet 4.5: input $3, 5m write $3.75, read $0.30, output $15 per MTok
read -r w5 rd <<<"$(sqlite3 -separator ' ' "$DB" \
	"select sum(write_5m), sum(cache_read) from usage where source='call'")"
[ "$w5" = "${W//,/}" ] && [ "$rd" = "${W//,/}" ] || tt_die "ledger buckets: $w5 $rd (want $W)"
[ "$(sqlite3 "$DB" "select count(*) from usage where request_id like 'req_%' and message_id like 'msg_%'")" = 2 ] ||
	tt_die "ledger rows lack request/message ids"

# the printed cost is the table's price of the printed tokens
for f in "$T/err1" "$T/err2"; do
	want=$(sed -E 's/,//g; s/^in ([0-9]+) · cache write ([0-9]+)( \(5m\))? · cache read ([0-9]+) · out ([0-9]+) · .*/\1 \2 \4 \5/' "$f" |
		awk '{ printf "$%.4f", ($1 * 3 + $2 * 3.75 + $3 * 0.30 + $4 * 15) / 1e6 }')
	grep -qF "· $want · " "$f" || tt_die "cost in $(cat "$f"), want $want"
done

# --json carries the answer, usage, cost, ids
tt call --json --tag t1 --doc "$T/a.txt" "json please" >"$T/j" 2>/dev/null
jq -e '.answer | startswith("echo: json please")' "$T/j" >/dev/null || tt_die "json answer"
jq -e '.cost_usd > 0 and (.request_id | startswith("req_")) and (.model | startswith("claude-sonnet-4-5"))
	and .stop_reason == "end_turn" and .usage.cache_write_5m_tokens > 2000' "$T/j" >/dev/null ||
	tt_die "json fields: $(cat "$T/j")"
[ "$(sqlite3 "$DB" "select tag from usage where message_id = '$(jq -r .message_id "$T/j")'")" = t1 ] ||
	tt_die "tag not recorded"

# --stream prints the same answer
tt call --stream --cache off "stream me" >"$T/s" 2>"$T/se"
grep -q '^echo: stream me' "$T/s" || tt_die "stream answer: $(cat "$T/s")"
grep -q '· out [1-9]' "$T/se" || tt_die "stream usage: $(cat "$T/se")"

# stdout closed or a pipe closed early: the row is still recorded, exit 0
n=$(rows)
tt call "closed stdout" >&- 2>/dev/null || tt_die "closed stdout: exit $?"
tt call --stream "early close" 2>/dev/null | head -c 1 >/dev/null
[ "$(rows)" = $((n + 2)) ] || tt_die "closed-pipe calls not recorded: $(rows) rows"

# a 429 with retry-after 1: retried, one row
curl -s -X POST "$BASE/_fake/reset" >/dev/null
curl -s -X POST "$BASE/_fake/faults" -d '{"faults":[{"path":"/v1/messages","status":429,"retry_after":"1"}]}' >/dev/null
n=$(rows)
tt call "after a 429" >/dev/null 2>&1 || tt_die "429 not retried"
[ "$(curl -s "$BASE/_fake/stats" | jq '.requests["POST /v1/messages"]')" = 2 ] || tt_die "429: not 2 attempts"
[ "$(rows)" = $((n + 1)) ] || tt_die "429: not one row"

# errors: status, type, request-id; exit 1; never the key
curl -s -X POST "$BASE/_fake/faults" -d '{"faults":[{"path":"/v1/messages","status":400}]}' >/dev/null
set +e
tt call "bad" >/dev/null 2>"$T/e400"; rc=$?
ANTHROPIC_API_KEY=sk-ant-api03-VERYSECRETKEY-zz9 tt call "wrong key" >/dev/null 2>"$T/e401"; rc2=$?
ANTHROPIC_API_KEY= tt call "no key" >/dev/null 2>"$T/enokey"; rc3=$?
ANTHROPIC_BASE_URL=http://api.anthropic.com tt call "plain http" >/dev/null 2>"$T/ehttp"; rc4=$?
tt call --max-tokens -3 "x" >/dev/null 2>&1; rc5=$?
set -e
[ $rc = 1 ] && grep -q '400 invalid_request_error: .*request-id req_' "$T/e400" || tt_die "400: $rc $(cat "$T/e400")"
[ $rc2 = 1 ] && grep -q '401 authentication_error' "$T/e401" || tt_die "401: $rc2 $(cat "$T/e401")"
! grep -q VERYSECRETKEY "$T/e401" || tt_die "the key leaked into an error"
[ $rc3 = 1 ] && grep -q 'ANTHROPIC_API_KEY' "$T/enokey" || tt_die "missing key: $rc3"
[ $rc4 = 1 ] && grep -q 'refusing plain http' "$T/ehttp" || tt_die "plain http: $rc4 $(cat "$T/ehttp")"
[ $rc5 = 2 ] || tt_die "bad --max-tokens: exit $rc5"

# Bearer auth and the API version from the config file
mkdir -p "$T/config/tokentop"
printf '{"auth":"bearer","api_version":"2026-10-21"}\n' >"$T/config/tokentop/config.json"
tt call "bearer" >/dev/null 2>&1 || tt_die "bearer call failed"
curl -s "$BASE/_fake/stats" | jq -e '(.last_headers.authorization | startswith("Bearer "))
	and .last_headers["anthropic-version"] == "2026-10-21" and (.last_headers["x-api-key"] == null)' \
	>/dev/null || tt_die "bearer headers"

# a prefix below the model's minimum is called out
printf 'tiny' >"$T/tiny.txt"
tt call --doc "$T/tiny.txt" "short" >/dev/null 2>"$T/short"
grep -q 'below the 1,024-token minimum of claude-sonnet-4-5' "$T/short" || tt_die "no minimum note: $(cat "$T/short")"
tt_done
