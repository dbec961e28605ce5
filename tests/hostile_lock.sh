#!/usr/bin/env bash
# hostile_lock.sh — the proxy while another process holds the ledger's write
# lock (issue 10, item 8): the proxy's writer waits about 2 s per attempt,
# not the 120 s a command waits, so the rows go to the spool within seconds
# (its memory does not grow with every response while the lock is held), and
# once the lock is released they go into the ledger, in order and exactly
# once; the counts printed at exit are true. Needs no root.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
export XDG_STATE_HOME=$T/state
DB=$T/usage.db
SPOOL=$T/state/tokentop/spool.db
tt_start_fakeapi main

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
waitfor() {  # seconds 'shell test'
	local end=$((SECONDS + $1))
	until eval "$2"; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.2; done
}

tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$FK_URL"
calls 3 before
waitfor 20 '[ "$(rows)" -ge 3 ]' || tt_die "rows before the lock: $(rows)"

# Another process takes the write lock and keeps it (until its sleep is killed).
mkfifo "$T/hold"
sqlite3 "$DB" <"$T/hold" >/dev/null 2>&1 &
HOLDER=$!
tt_track "$HOLDER"
exec 7>"$T/hold"
echo "BEGIN EXCLUSIVE; INSERT INTO import_mark (path, size, mtime_ns, \"offset\", line) VALUES ('lock', 0, 0, 0, 0);" >&7
sleep 0.5
calls 12 locked
start=$SECONDS
waitfor 40 '[ "$(spooled)" -ge 12 ]' || tt_die "spooled $(spooled) of 12 while locked: $(cat "$T/perr")"
tt_ok "the rows went to the spool while the lock was held ($((SECONDS - start)) s)"
tt_eq "the ledger has only the rows from before" "$(rows)" 3

echo "ROLLBACK;" >&7
exec 7>&-
wait "$HOLDER" 2>/dev/null || :
calls 2 after
waitfor 40 '[ "$(rows)" -ge 17 ]' || tt_die "after the lock: $(rows) rows, $(spooled) spooled"
tt_stop_proxy
sort "$T/ids" >"$T/want"
sqlite3 "$DB" "select request_id from usage where source = 'proxy' order by 1" >"$T/got"
tt_eq "every billed response is in the ledger exactly once" "$(cmp -s "$T/want" "$T/got" && echo yes)" yes
tt_eq "the spool is empty" "$(spooled)" 0
tt_has "the exit's counts are true" "$(cat "$T/perr")" "17 recorded, 0 spooled, 0 failed"
tt_done
