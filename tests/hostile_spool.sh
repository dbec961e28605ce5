#!/usr/bin/env bash
# hostile_spool.sh — the proxy on a full disk (issue 10, item 8): the ledger
# lives on a 2 MB tmpfs that is filled while traffic flows. No row is
# dropped: they are kept, retried, moved to the spool ($XDG_STATE_HOME,
# 0600 in 0700) and put into the ledger, in order and exactly once, when
# the disk has room again — by the proxy itself, or by the next command that
# writes the ledger; the counts printed at exit are true. Then a flush of
# 20,000 rows without any dedupe key is killed (-9) five times and run once
# more: every row is in the ledger once. Needs root (mount); skipped
# otherwise (tests/test_spool.c covers the flush's exactly-once without it).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to mount a small tmpfs"; exit 0; }
mkdir -p "$T/full" "$T/empty"
mount -t tmpfs -o size=2m tmpfs "$T/full" 2>/dev/null ||
	{ echo "SKIP: cannot mount a tmpfs here"; exit 0; }
trap 'rc=$?; [ -n "${PROXY_PID:-}" ] && kill -9 "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null;
	umount -l "$T/full" 2>/dev/null; (exit $rc); tt__cleanup' EXIT
export XDG_STATE_HOME=$T/state
DB=$T/full/usage.db
SPOOL=$T/state/tokentop/spool.db
tt_start_fakeapi main

start_proxy() { tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$FK_URL"; }
stop_proxy() { tt_stop_proxy; }
calls() {  # n label: n billed calls; their request ids go to $T/ids
	local i
	for ((i = 0; i < $1; i++)); do
		curl -sS -D - -o /dev/null -H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' \
			"$PROXY/v1/messages" \
			-d '{"model":"claude-haiku-4-5","max_tokens":8,"messages":[{"role":"user","content":"'"$2 $i"'"}]}' |
			sed -nE 's/^request-id: ([^\r]+)\r?$/\1/Ip' >>"$T/ids"
	done
}
rows() { sqlite3 "$DB" "select count(*) from usage where source = 'proxy'" 2>/dev/null || echo 0; }
spooled() { sqlite3 "$SPOOL" "select count(*) from row" 2>/dev/null || echo 0; }
fill_disk() { dd if=/dev/zero of="$T/full/fill" bs=4k 2>/dev/null || :; sync; }
waitfor() {  # seconds 'shell test': until the test holds (evaluated each time)
	local end=$((SECONDS + $1))
	until eval "$2"; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.2; done
}
same_ids() {  # the ledger's proxy rows are the billed responses, each once
	sort "$T/ids" >"$T/want"
	sqlite3 "$DB" "select request_id from usage where source = 'proxy' order by 1" >"$T/got"
	cmp -s "$T/want" "$T/got"
}

# --- the disk fills while the proxy records; it empties again ----------------
start_proxy
calls 5 before
waitfor 20 '[ "$(rows)" -ge 5 ]' || tt_die "rows before the disk filled: $(rows)"
fill_disk
calls 30 full
waitfor 60 'grep -q "moved to the spool" "$T/perr"' || tt_die "nothing spooled: $(cat "$T/perr")"
waitfor 20 '[ "$(spooled)" -ge 30 ]' || tt_die "spooled $(spooled) of 30"
tt_eq "the rows billed on a full disk are in the spool" "$(spooled)" 30
tt_eq "the ledger has only the rows from before" "$(rows)" 5
tt_eq "the spool is 0600" "$(stat -c %a "$SPOOL")" 600
tt_eq "its directory is 0700" "$(stat -c %a "$T/state/tokentop")" 700
rm -f "$T/full/fill"
calls 10 after
waitfor 60 '[ "$(rows)" -ge 45 ]' || tt_die "after the disk emptied: $(rows) rows, $(spooled) spooled"
stop_proxy
tt_eq "every billed response is in the ledger exactly once" "$(same_ids && echo yes)" yes
tt_eq "the spool is empty" "$(spooled)" 0
tt_has "the exit's counts are true" "$(cat "$T/perr")" "45 recorded, 0 spooled, 0 failed"
tt_has "the log says the rows went in" "$(cat "$T/perr")" "30 spooled row(s) put into the ledger"

# --- the proxy stops while the disk is full; the next command flushes -----------
start_proxy
fill_disk
calls 20 stopped
waitfor 60 '[ "$(spooled)" -ge 20 ]' || tt_die "spooled $(spooled) of 20: $(cat "$T/perr")"
stop_proxy
tt_has "the exit says what waits in the spool" "$(cat "$T/perr")" "0 recorded, 20 spooled, 0 failed"
tt_eq "the ledger did not get them" "$(rows)" 45
rm -f "$T/full/fill"
"$B/tokentop" --db "$DB" import "$T/empty" >/dev/null 2>"$T/imp" || tt_die "import: $(cat "$T/imp")"
tt_has "the next command puts them in" "$(cat "$T/imp")" "20 spooled row(s) put into the ledger"
tt_eq "all 65 are in the ledger exactly once" "$(same_ids && rows)" 65
tt_eq "the spool is empty again" "$(spooled)" 0

# --- kill -9 in the middle of a flush, five times (a ledger with room) ----------
DB=$T/big.db
"$B/tokentop" --db "$DB" import "$T/empty" >/dev/null 2>&1 || tt_die "cannot make $DB"
LEDGER=$(realpath "$DB")
sqlite3 "$SPOOL" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
	INSERT INTO row (ts_ms, model, source, request_id, message_id, batch_id, custom_id, tag,
	  service_tier, speed, inference_geo, tier, stop_reason, input, write_5m, write_1h,
	  cache_read, output, compressed_tokens, sidechain, ledger, kind, added_ms, b_id, b_status,
	  b_tag, b_requests, b_created_ms, b_expires_ms, b_processing, b_succeeded, b_errored,
	  b_canceled, b_expired)
	SELECT 1700000000000 + i, 'claude-haiku-4-5', 'kill9', '', '', '', 'c' || i, '', '', '', '',
	  '', '', 10, 0, 0, 0, 2, 0, 0, '$LEDGER', 1, 0, '', '', '', 0, 0, 0, 0, 0, 0, 0, 0 FROM n;"
for k in 1 2 3 4 5; do
	"$B/tokentop" --db "$DB" import "$T/empty" >/dev/null 2>&1 &
	FP=$!
	sleep "0.$((RANDOM % 8 + 2))"
	kill -9 "$FP" 2>/dev/null || :
	wait "$FP" 2>/dev/null || :
	echo "after kill $k: $(sqlite3 "$DB" "select count(*) from usage where source = 'kill9'") in the ledger"
done
"$B/tokentop" --db "$DB" import "$T/empty" >/dev/null 2>"$T/imp" || tt_die "import: $(cat "$T/imp")"
tt_hasnt "the last flush went through" "$(cat "$T/imp")" "spool:"
tt_eq "after five kills every spooled row is in the ledger once" \
	"$(sqlite3 "$DB" "select count(*) || ' ' || count(distinct custom_id) from usage where source = 'kill9'")" \
	"20000 20000"
tt_eq "and the spool is empty" "$(spooled)" 0
tt_done
