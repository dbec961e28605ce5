#!/usr/bin/env bash
# ledger_merge.sh — `tokentop ledger merge SOURCE`: a SQLite ledger (seeded
# through the store API: keyed and keyless rows, batches, an intent,
# results, organisation rows; build/tests/test_merge --seed) merged into a
# PostgreSQL ledger (a private server), that one into a fresh SQLite file:
# the same reports at each step, then reruns add 0; --json's keys; hostile
# sources (not a ledger, truncated, a directory, missing, the ledger itself,
# a malformed URI, a wrong password) exit 1 or 2 naming the source, the
# password masked, the ledger unchanged; the progress line on a terminal
# (under script) and none without one.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$ROOT/tests/lib/pg.sh"
tt_need jq sqlite3 script md5sum
tt_tmpdir
if [ -z "${PG_URI:-}" ]; then       # run alone: a server of its own
	pg_start || tt_die "no PostgreSQL server (make deps installs postgresql)"
	trap 'rc=$?; pg_stop; (exit $rc); tt__cleanup' EXIT
fi
TT=$B/tokentop
A=$T/a.db
C=$T/c.db
P=$(pg_newdb "tt_lmerge_$$") || tt_die "cannot make a database"
PW=$PG_PASSWORD

"$B/tests/test_merge" --seed "$A" || tt_die "seed"
want=$(sqlite3 "$A" "SELECT (SELECT count(*) FROM usage) + (SELECT count(*) FROM batch) +
	(SELECT count(*) FROM batch_intent) + (SELECT count(*) FROM batch_result) +
	(SELECT count(*) FROM org_usage) + (SELECT count(*) FROM org_cost) +
	(SELECT count(*) FROM org_sync)")

# every report of a ledger, in one file (JSON and tables)
reports() {
	local k
	for k in daily models sources tags hosts; do
		"$TT" --db "$1" report "$k" --json || echo "report $k --json failed"
		"$TT" --db "$1" report "$k" || echo "report $k failed"
	done
	"$TT" --db "$1" report org --json || echo "report org failed"
	"$TT" --db "$1" batch list --json || echo "batch list failed"   # actual cost: rollup_batch
}

# ---- SQLite → PostgreSQL → a fresh SQLite -----------------------------------
reports "$A" >"$T/a.rep" 2>&1
sqlite3 "$A" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
asum=$(cat "$A" "$A-wal" 2>/dev/null | md5sum)
out=$("$TT" --db "$P" ledger merge "$A" --json 2>"$T/err"); rc=$?
tt_eq "the source is not written" "$(cat "$A" "$A-wal" 2>/dev/null | md5sum)" "$asum"
tt_eq "merge into PostgreSQL" "$rc" 0
tt_eq "it adds every record" "$(jq .added <<<"$out")" "$want"
tt_eq "no duplicates" "$(jq .duplicates <<<"$out")" 0
tt_eq "no progress line without a terminal" "$(cat "$T/err")" ""
reports "$P" >"$T/p.rep" 2>&1
cmp -s "$T/a.rep" "$T/p.rep" && tt_ok "PostgreSQL reports as the SQLite source" ||
	tt_fail "reports differ: $(diff "$T/a.rep" "$T/p.rep" | head -20)"

out=$("$TT" --db "$C" ledger merge "$P" 2>&1); rc=$?
tt_eq "merge PostgreSQL into a fresh SQLite" "$rc" 0
tt_has "a one-line summary" "$out" "merged postgresql://tokentop:***@127.0.0.1:$PG_PORT/tt_lmerge_$$: $want added, 0 duplicates"
tt_hasnt "the password is not shown" "$out" "$PW"
tt_eq "one line" "$(wc -l <<<"$out")" 1
reports "$C" >"$T/c.rep" 2>&1
cmp -s "$T/a.rep" "$T/c.rep" && tt_ok "the fresh SQLite reports as the source" ||
	tt_fail "reports differ: $(diff "$T/a.rep" "$T/c.rep" | head -20)"
# every column but the local id and the key (a keyless row's copy carries its content key)
cols=$(sqlite3 "$A" "SELECT group_concat(name, ', ') FROM pragma_table_info('usage')
	WHERE name NOT IN ('id', 'dedupe_key')")
rows() { sqlite3 "$1" "SELECT $cols FROM usage ORDER BY $cols" | md5sum; }
tt_eq "the same rows, field by field" "$(rows "$C")" "$(rows "$A")"
tt_eq "rows keep the source's hosts" "$("$TT" --db "$C" report hosts --json | jq -c '[.rows[].host] | sort')" \
	'["ci-runner","laptop"]'
tt_eq "keyless rows carry their content key" \
	"$(sqlite3 "$C" "SELECT count(*) FROM usage WHERE dedupe_key LIKE 'row:%'")" \
	"$(sqlite3 "$A" "SELECT count(*) FROM usage WHERE dedupe_key IS NULL")"
tt_eq "the batches, field by field" "$(sqlite3 "$C" "SELECT * FROM batch" | md5sum)" \
	"$(sqlite3 "$A" "SELECT * FROM batch" | md5sum)"

# ---- reruns add nothing ------------------------------------------------------
for pair in "$P $A" "$C $P" "$C $A" "$A $C"; do
	set -- $pair
	out=$("$TT" --db "$1" ledger merge "$2" --json 2>&1)
	tt_eq "rerun ${1##*/} ← ${2##*/} adds 0" "$(jq -c '[.added, .duplicates, .replaced]' <<<"$out")" "[0,$want,0]"
done
reports "$C" >"$T/c2.rep" 2>&1
cmp -s "$T/a.rep" "$T/c2.rep" && tt_ok "reports unchanged by the reruns" || tt_fail "reports changed"

# ---- a source that cannot be written (a read-only folder): read as it is -----
if tt_no_override; then
	mkdir "$T/ro" && cp "$A" "$T/ro/a.db" && chmod 400 "$T/ro/a.db" && chmod 500 "$T/ro"
	before=$(ls -l --time-style=full-iso "$T/ro")
	out=$($NOPRIV "$TT" --db "$T/ro_dst.db" ledger merge "$T/ro/a.db" --json 2>"$T/err")
	tt_eq "a read-only source merges" "$(jq .added <<<"$out" 2>/dev/null)" "$want" || cat "$T/err"
	tt_eq "nothing made beside it" "$(ls -l --time-style=full-iso "$T/ro")" "$before"
	chmod 700 "$T/ro"
else
	echo "SKIP: read-only source (root, and setpriv cannot drop CAP_DAC_OVERRIDE here)"
fi

# ---- --json: the documented keys ----------------------------------------------
out=$("$TT" --db "$C" ledger merge "$A" --json)
tt_eq "top-level keys" "$(jq -c 'keys' <<<"$out")" '["added","duplicates","replaced","tables"]'
tt_eq "per-table keys" "$(jq -c '.tables | keys' <<<"$out")" \
	'["batch","batch_intent","batch_result","org_cost","org_sync","org_usage","usage"]'
tt_eq "the tables sum to the totals" "$(jq '[.tables[].duplicates] | add' <<<"$out")" "$want"
tt_eq "one line of JSON" "$(wc -l <<<"$out")" 1

# ---- hostile sources: exit status, the source named, the ledger unchanged ----
snap() { sqlite3 "$C" .dump | md5sum; }
before=$(snap)
printf 'hello, not a ledger\n' >"$T/text.db"
head -c 8192 "$A" >"$T/trunc.db"
mkdir "$T/dir.db"
for s in "$T/text.db:not a tokentop ledger" "$T/trunc.db:$T/trunc.db" "$T/dir.db:a directory" \
	"$T/none.db:No such file"; do
	src=${s%%:*} want_msg=${s#*:}
	out=$("$TT" --db "$C" ledger merge "$src" 2>&1); rc=$?
	tt_eq "${src##*/}: exit 1" "$rc" 1
	tt_has "${src##*/}: the source named" "$out" "$src"
	tt_has "${src##*/}: the reason" "$out" "$want_msg"
done
# an older tokentop's ledger: refused and left as it was (never migrated)
sqlite3 "$A" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$A" "$T/old.db" && sqlite3 "$T/old.db" "PRAGMA user_version = 17"
sum=$(md5sum <"$T/old.db")
out=$("$TT" --db "$C" ledger merge "$T/old.db" 2>&1); rc=$?
tt_eq "an older schema: exit 1" "$rc" 1
tt_has "an older schema: said" "$out" "$T/old.db: a ledger of an older tokentop"
tt_eq "an older schema: not migrated" "$(sqlite3 "$T/old.db" "PRAGMA user_version")" 17
tt_eq "an older schema: the file as it was" "$(md5sum <"$T/old.db")" "$sum"
sqlite3 "$T/old.db" "PRAGMA user_version = 9999"
out=$("$TT" --db "$C" ledger merge "$T/old.db" 2>&1); rc=$?
tt_eq "a newer schema: exit 1" "$rc" 1
tt_has "a newer schema: said" "$out" "is newer than this tokentop knows"
out=$("$TT" --db "$C" ledger merge "$C" 2>&1); rc=$?
tt_eq "the ledger itself: exit 2" "$rc" 2
tt_has "the ledger itself: said" "$out" "is the ledger itself"
ln -s "$C" "$T/link.db"
out=$(cd "$T" && "$TT" --db "$C" ledger merge ./link.db 2>&1); rc=$?
tt_eq "the ledger itself by another name: exit 2" "$rc" 2
out=$(PGPASSWORD=$PW "$TT" --db "$P" ledger merge "${P/tokentop:$PW@/tokentop@}" 2>&1); rc=$?
tt_eq "the PostgreSQL ledger itself: exit 2" "$rc" 2
out=$("$TT" --db "$C" ledger merge "postgresql://tokentop:$PW@127.0.0.1:$PG_PORT/x?sslmode" 2>&1)
tt_eq "a malformed URI: exit 2" "$?" 2
tt_hasnt "a malformed URI: no password" "$out" "$PW"
out=$("$TT" --db "$C" ledger merge "postgresql://tokentop:wrong-pw-42@127.0.0.1:$PG_PORT/tt_lmerge_$$" 2>&1)
tt_eq "a wrong password: exit 1" "$?" 1
tt_has "a wrong password: the source masked" "$out" "postgresql://tokentop:***@127.0.0.1"
tt_hasnt "a wrong password: not shown" "$out" "wrong-pw-42"
tt_eq "the ledger is unchanged by all of them" "$(snap)" "$before"
out=$("$TT" --db "$T/new.db" ledger merge "$T/none.db" 2>&1)
[ -e "$T/new.db" ] && tt_fail "a ledger made for a source that is not there" || tt_ok "no ledger made"
out=$("$TT" --db "$C" ledger merge 2>&1)
tt_eq "no SOURCE: exit 2" "$?" 2

# ---- the progress line: on a terminal, erased at the end ----------------------
BIG=$T/big.db
"$TT" --db "$BIG" report >/dev/null 2>&1
sqlite3 "$BIG" "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 60000)
	INSERT INTO usage (ts_ms, model, source, request_id, input, output, dedupe_key, host)
	SELECT 1764500000000 + x * 1000, 'claude-haiku-4-5', 'proxy', 'rq' || x, x, 1, 'req:rq' || x,
	'big' FROM c" 2>/dev/null ||
sqlite3 "$BIG" "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 60000)
	INSERT INTO usage (ts_ms, model, source, request_id, input, output, dedupe_key)
	SELECT 1764500000000 + x * 1000, 'claude-haiku-4-5', 'proxy', 'rq' || x, x, 1, 'req:rq' || x
	FROM c" || tt_die "big source"
script -qec "'$TT' --db '$T/big_dst.db' ledger merge '$BIG'" "$T/typescript" >/dev/null 2>&1
log=$(cat "$T/typescript")
tt_has "a progress line on a terminal" "$log" "merging: "
tt_has "with the records read of all" "$log" " of 60,000 records ("
tt_has "erased before the summary" "$log" $'\r\e[Kmerged '
tt_has "the summary" "$log" "60,000 added"
"$TT" --db "$T/big_dst2.db" ledger merge "$BIG" >/dev/null 2>"$T/err"
tt_eq "none when stderr is not a terminal" "$(cat "$T/err")" ""
# ---- SIGINT: stops after the group being written; a rerun completes -----------
sqlite3 "$BIG" "DELETE FROM usage WHERE id > 10000"
Q=$(pg_newdb "tt_lmerge_int_$$") || tt_die "cannot make a database"
"$TT" --db "$Q" report >/dev/null 2>&1
count() { pg_psql -d "tt_lmerge_int_$$" -At -c "SELECT count(*) FROM usage"; }
"$TT" --db "$Q" ledger merge "$BIG" >"$T/int.out" 2>"$T/int.err" &
pid=$!
for _ in $(seq 300); do [ "$(count)" -ge 2000 ] && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"; rc=$?
n=$(count)
tt_eq "SIGINT: exit 1" "$rc" 1
tt_has "SIGINT: stopped, said" "$(cat "$T/int.err")" "stopped; $n of 10000 records merged"
tt_eq "SIGINT: whole groups written" "$((n % 2000 == 0 && n > 0 && n < 10000))" 1
out=$("$TT" --db "$Q" ledger merge "$BIG" --json)
tt_eq "a rerun completes it" "$(jq -c '[.added, .duplicates]' <<<"$out")" "[$((10000 - n)),$n]"
tt_eq "every row once" "$(count)" 10000
tt_done
