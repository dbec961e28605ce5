# bench/pg.sh — section 9 of bench/run.sh (sourced by it, with its helpers:
# figure, timed, best3, note, skip, jget, calc, fmt, have_bin, built; TT,
# BB, TMP, LEDGER, ROWS): a PostgreSQL ledger beside SQLite. Run it with
# BENCH_SECTIONS=pg bash bench/run.sh BUILD.
# shellcheck shell=bash
# ---- 9. a PostgreSQL ledger beside SQLite (issue 13) ---------------------------

# pg_copy SQLITE_DB DBNAME TABLE: the table's rows from the SQLite file into
# the same table of the PostgreSQL database, with COPY (CSV: sqlite3 prints
# NULL as nothing and '' as "", as COPY reads them). A rollup's cells in
# time order, as a ledger written over time lays them out in its heap (in
# key order, rollup_do's day starts would lie apart as no real ledger's do).
pg_copy() {
	local cols order
	cols=$(sqlite3 -readonly "$1" "SELECT group_concat('\"' || name || '\"', ',') FROM pragma_table_info('$3')")
	order=$(sqlite3 -readonly "$1" "SELECT ' ORDER BY hour' FROM pragma_table_info('$3') WHERE name = 'hour'")
	sqlite3 -readonly -csv "$1" "SELECT $cols FROM $3$order" |
	    pg_psql -d "$2" -q -c "\copy $3 ($cols) FROM pstdin WITH (FORMAT csv)"
}

PG_WRITER_ROWS=${BENCH_PG_WRITER_ROWS:-20000}

# pgq SQL: one query on the bench's ledger database as its administrator
# (the private server's superuser, or BENCH_PG_ADMIN_URI), rows unaligned.
# PGQ: the psql command line itself (for `timed`, which runs programs: a
# shell function there fails at once, and the baseline with it).
PGQ=()
pgq_init() {
	if [ -n "${BENCH_PG_URI:-}" ]; then
		PGQ=("$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -At "${BENCH_PG_ADMIN_URI:-$BENCH_PG_URI}")
	else
		PGQ=("$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -At -h "$PG_SOCK" -p "$PG_PORT" -U postgres
		    -d bench_ledger)
	fi
}
pgq() { "${PGQ[@]}" -c "$1"; }
# The server's time (ms, planning and execution: pg_stat_statements) of
# everything run since pg_stat_reset_ms, or "" where the extension is missing.
PG_STATS=0
pg_stats_reset() { [ $PG_STATS = 1 ] && pgq "SELECT pg_stat_statements_reset()" >/dev/null 2>&1; }
pg_server_ms() {
	[ $PG_STATS = 1 ] || return 0
	pgq "SELECT round(sum(total_exec_time + total_plan_time)::numeric, 1) FROM pg_stat_statements
	    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
	    AND query NOT LIKE '%pg_stat_statements%'" 2>/dev/null
}

section_pg() {
	header "A PostgreSQL ledger beside SQLite (issue 13)"
	if ! have_bin gen_ledger; then skip "$BUILD/bench/gen_ledger not built"; return; fi
	# shellcheck source=tests/lib/pg.sh
	. "$PWD/tests/lib/pg.sh"
	# pg_stat_statements: the server's own time of each side
	if ! PG_EXTRA_OPTS="-c shared_preload_libraries=pg_stat_statements
	    -c pg_stat_statements.track_planning=on" pg_start 2>"$TMP/pg.err" &&
	    ! pg_start 2>"$TMP/pg.err"; then
		skip "no PostgreSQL server: $(head -c 200 "$TMP/pg.err")"; return
	fi
	pgq_init
	note "a private server (tests/lib/pg.sh: loopback TCP, fsync off), PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $NF }')"

	# four writers at once, as four proxies at saturation: transactions of 50 rows
	local kind target t0 i n rows=$((4 * PG_WRITER_ROWS)) sq_rate pg_rate sq_cpu pg_cpu
	for kind in sqlite pg; do
		[ $kind = sqlite ] && target=$TMP/writers.db || target=$(pg_newdb bench_writers)
		t0=$(date +%s%N)
		for i in 1 2 3 4; do
			if [ $HAVE_TIME = 1 ]; then
				/usr/bin/time -f '%U %S' -o "$TMP/w$kind$i.time" "$BB/gen_ledger" --db "$target" \
				    --rows "$PG_WRITER_ROWS" --days 1 --seed "$i" --chunk 50 >"$TMP/w$kind$i.out" 2>&1 &
			else
				echo "0 0" >"$TMP/w$kind$i.time"
				"$BB/gen_ledger" --db "$target" --rows "$PG_WRITER_ROWS" --days 1 --seed "$i" \
				    --chunk 50 >"$TMP/w$kind$i.out" 2>&1 &
			fi
		done
		wait
		n=$(calc "($(date +%s%N) - $t0) / 1e9")
		i=$(cat "$TMP/w$kind"?.time | awk '{ s += $1 + $2 } END { printf "%.2f", s }')
		[ $kind = sqlite ] && sq_rate=$(calc "$rows / $n") sq_cpu=$i || pg_rate=$(calc "$rows / $n") pg_cpu=$i
	done
	figure "4 writers into PostgreSQL (50/tx)" "$(fmt "$pg_rate" 0)" "rows/s" \
	    "4 writers into SQLite, same rows" "$(fmt "$sq_rate" 0)" "rows/s"
	note "writers' CPU (user + system, all four): PostgreSQL $pg_cpu s, SQLite $sq_cpu s (the" \
	    "server's own CPU not included)"
	note "check: PostgreSQL holds $(pg_psql -d bench_writers -At -c 'SELECT count(*) FROM usage')" \
	    "rows, SQLite $(sqlite3 -readonly "$TMP/writers.db" 'SELECT count(*) FROM usage') (want $rows)"

	# a laptop's history moved into the fleet's ledger: a response-heavy
	# tree (2-4 streaming copies a response) imported into a new
	# PostgreSQL ledger, beside the same into a new SQLite file
	local tree=$TMP/pgtree mb=${BENCH_PG_IMPORT_MB:-20} pgi sqi added pgrc
	if have_bin gen_transcripts &&
	    timed /dev/null "$BB/gen_transcripts" --out "$tree" --mb "$mb" --seed 3 --shape responses; then
		timed "$TMP/pgi.out" "$TT" --db "$(pg_newdb bench_import)" import \
		    --format claude-code --json "$tree"
		pgi=$WALL
		timed "$TMP/sqi.out" "$TT" --db "$TMP/import.db" import \
		    --format claude-code --json "$tree"
		sqi=$WALL
		added=$(jget "$TMP/pgi.out" '$.added')
		if [[ $added =~ ^[0-9]+$ ]] && [ "$added" = "$(jget "$TMP/sqi.out" '$.added')" ]; then
			figure "import into PostgreSQL ($mb MB, responses)" "$(fmt "$(calc "$added / $pgi")" 0)" \
			    "rows/s" "into SQLite, same tree" "$(fmt "$(calc "$added / $sqi")" 0)" "rows/s"
			note "$added rows, $(fmt "$pgi" 2) s and $(fmt "$sqi" 2) s"
			# the same history moved as a ledger (`ledger merge`): the
			# SQLite file just written, into a new server ledger and a new file
			timed "$TMP/pgm.out" "$TT" --db "$(pg_newdb bench_merge)" ledger merge "$TMP/import.db"
			pgi=$WALL pgrc=$RC
			timed "$TMP/sqm.out" "$TT" --db "$TMP/merged.db" ledger merge "$TMP/import.db"
			[ "$RC$pgrc" = 00 ] && figure "ledger merge into PostgreSQL" \
			    "$(fmt "$(calc "$added / $pgi")" 0)" "rows/s" "into SQLite, same ledger" \
			    "$(fmt "$(calc "$added / $WALL")" 0)" "rows/s"
		else
			skip "import into PostgreSQL: $(head -c 200 "$TMP/pgi.out.err")"
		fi
	fi

	# the ledger: BENCH_PG_URI's (a ledger already copied, reused between
	# runs), or section 2's (BENCH_LEDGER_DB: a gen_ledger file; else one of
	# BENCH_ROWS) copied into the server
	local src=$LEDGER uri t
	[ -f "$src" ] || src=${BENCH_LEDGER_DB:-$TMP/pgsrc.db}
	if [ -n "${BENCH_PG_URI:-}" ]; then
		uri=$BENCH_PG_URI
		note "ledger: BENCH_PG_URI (reused)"
	else
		if [ ! -f "$src" ]; then
			timed "$TMP/pgsrc.out" "$BB/gen_ledger" --db "$src" --rows "$ROWS"
		fi
		uri=$(pg_newdb bench_ledger)
		"$TT" --db "$uri" report >/dev/null 2>&1        # the schema, migrated
		t0=$(date +%s%N)
		# the rows and every rollup the file has (whatever migrations added)
		for t in usage host_seen $(sqlite3 -readonly "$src" "SELECT name FROM sqlite_master WHERE
		    type = 'table' AND name LIKE 'rollup\_%' ESCAPE '\' ORDER BY name"); do
			pg_copy "$src" bench_ledger "$t" || { skip "copy of $t failed"; return; }
		done
		pgq "SELECT setval(pg_get_serial_sequence('usage', 'id'), (SELECT max(id) FROM usage))" >/dev/null
		# SQLite's rollup_do starts a day every third UTC hour, PostgreSQL's
		# every hour (data/db.h's do_step): the ledger set back to version
		# 23 takes migration 24, which builds the others from rollup_hm as
		# it does for a ledger upgraded in place
		pgq "UPDATE tokentop_schema SET version = 23" >/dev/null
		"$TT" --db "$uri" report >/dev/null 2>&1
		pgq "ANALYZE" >/dev/null
		note "ledger: copied from $(basename "$src") in $(fmt "$(calc "($(date +%s%N) - $t0) / 1e9")" 1) s" \
		    "(migration 24 included)"
	fi
	pgq "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 &&
	    pgq "SELECT 1 FROM pg_stat_statements LIMIT 1" >/dev/null 2>&1 && PG_STATS=1
	rows=$(pgq 'SELECT count(*) FROM usage')
	# the database's size (tables, indexes, TOAST; after a copy, before any
	# bloat), per million rows, as section 2 gives SQLite's
	t=$(pgq 'SELECT pg_database_size(current_database())')
	[[ $t =~ ^[0-9]+$ ]] && [ "$rows" -gt 0 ] &&
	    note "ledger size: $(fmt "$(calc "$t / 1048576 / ($rows / 1000000)")" 1) MB per million rows" \
	    "(pg_database_size)"
	note "ledger: $rows rows; the raw aggregate is run once (long), each report the best of three;"
	note "CPU: the report's own (user + system), server: its statements' planning + execution time"
	local sql base base_srv rep_srv rep_cpu
	for kind in daily models; do
		if [ $kind = daily ]; then
			sql="SELECT to_char(to_timestamp(ts_ms / 1000.0), 'YYYY-MM-DD') AS d, count(*),
			  sum(input), sum(write_5m), sum(write_1h), sum(cache_read), sum(output)
			  FROM usage GROUP BY d ORDER BY d"
		else
			sql="SELECT model, count(*), sum(input), sum(write_5m), sum(write_1h),
			  sum(cache_read), sum(output) FROM usage GROUP BY model ORDER BY model"
		fi
		pg_stats_reset
		timed "$TMP/pgsql-$kind.out" "${PGQ[@]}" -c "$sql"
		if [ "$RC" != 0 ]; then skip "the raw aggregate failed: $(head -c 200 "$TMP/pgsql-$kind.out.err")"; continue; fi
		base=$WALL
		base_srv=$(pg_server_ms)
		"$TT" --db "$uri" report $kind --json >/dev/null 2>&1    # warm, as the raw side's cache
		pg_stats_reset
		best3 "$TMP/pgrep-$kind.json" "$TT" --db "$uri" report $kind --json
		if [ "$RC" != 0 ]; then skip "report $kind failed: $(head -c 200 "$TMP/pgrep-$kind.json.err")"; continue; fi
		rep_cpu=$CPU
		rep_srv=$(pg_server_ms)
		figure "PostgreSQL: report $kind --json" "$(fmt "$(calc "$WALL * 1000")" 1)" "ms" \
		    "psql GROUP BY, raw rows" "$(fmt "$(calc "$base * 1000")" 1)" "ms" "<= 0.05"
		if [ -n "$rep_srv" ] && [ -n "$base_srv" ]; then
			# three reports' server time: one's is a third
			rep_srv=$(calc "$rep_srv / 3")
			figure "  report: CPU + server time" "$(fmt "$(calc "$rep_cpu * 1000 + $rep_srv")" 1)" \
			    "ms" "  GROUP BY: server time" "$(fmt "$base_srv" 1)" "ms" "<= 0.05"
			note "  (report: $(fmt "$(calc "$rep_cpu * 1000")" 0) ms CPU, $(fmt "$rep_srv" 1) ms in the server)"
		fi
	done
	note "check: report totals $(jget "$TMP/pgrep-daily.json" '$.totals.requests') requests;" \
	    "count(*) $rows"

	# every report issue 12 names, in UTC and three local zones (wall: best
	# of three, start-up and login included), each checked against the
	# same report of the SQLite ledger the rows came from (the same figures)
	local tz k pgw same sqw
	for tz in UTC Asia/Seoul Asia/Kolkata America/New_York Australia/Adelaide; do
		for k in daily monthly models tags savings; do
			best3 "$TMP/pgz.json" env TZ=$tz "$TT" --db "$uri" report $k --json
			if [ "$RC" != 0 ]; then skip "report $k ($tz) failed: $(head -c 200 "$TMP/pgz.json.err")"; continue; fi
			pgw=$WALL same="" sqw="n/a"
			if [ -f "$src" ]; then
				best3 "$TMP/sqz.json" env TZ=$tz "$TT" --db "$src" report $k --json
				sqw=$(fmt "$(calc "$WALL * 1000")" 1)
				cmp -s "$TMP/pgz.json" "$TMP/sqz.json" && same="(same JSON as SQLite)" ||
				    same="(DIFFERS from SQLite)"
			fi
			figure "PostgreSQL $tz: report $k" "$(fmt "$(calc "$pgw * 1000")" 1)" "ms" \
			    "SQLite, same rows" "$sqw" "ms" "< 100 ms"
			[ -n "$same" ] && note "  $same"
		done
	done

	# `tokentop status` (issue 12: < 20 ms): start-up, libpq's load and the
	# login are most of it on PostgreSQL
	best3 "$TMP/pgst.out" "$TT" --db "$uri" status
	if [ "$RC" = 0 ]; then
		pgw=$WALL sqw="n/a"
		if [ -f "$src" ]; then
			best3 "$TMP/sqst.out" "$TT" --db "$src" status
			[ "$RC" = 0 ] && sqw=$(fmt "$(calc "$WALL * 1000")" 1)
		fi
		figure "PostgreSQL: status" "$(fmt "$(calc "$pgw * 1000")" 1)" "ms" \
		    "SQLite, same rows" "$sqw" "ms" "< 20 ms"
		# the floor: a new process, libpq loaded, the login, one statement
		if have_bin pg_login; then
			best3 "$TMP/pglogin.out" "$BB/pg_login" "$uri"
			[ "$RC" = 0 ] && figure "PostgreSQL: status" "$(fmt "$(calc "$pgw * 1000")" 1)" \
			    "ms" "pg_login: libpq, login, SELECT 1" \
			    "$(fmt "$(calc "$WALL * 1000")" 1)" "ms" "< 20 ms"
		fi
		# the same over the server's Unix socket, whose login (trust, as
		# peer) costs no password hashing: what is tokentop's own
		local sock=${BENCH_PG_ADMIN_URI:-"postgresql://postgres@/bench_ledger?host=$PG_SOCK&port=$PG_PORT"}
		best3 "$TMP/pgst2.out" "$TT" --db "$sock" status
		if [ "$RC" = 0 ]; then
			pgw=$WALL
			have_bin pg_login && best3 "$TMP/pglogin2.out" "$BB/pg_login" "$sock" &&
			    [ "$RC" = 0 ] && figure "PostgreSQL: status, Unix socket" \
			    "$(fmt "$(calc "$pgw * 1000")" 1)" "ms" "pg_login, Unix socket" \
			    "$(fmt "$(calc "$WALL * 1000")" 1)" "ms" "< 20 ms"
		fi
	else
		skip "status failed: $(head -c 200 "$TMP/pgst.out.err")"
	fi

	# the console's first screen on it, beside the same ledger in SQLite
	if ! built console || ! have_bin first_screen; then skip "console or first_screen not built"; return; fi
	local pgms=() sqms=()
	for i in 1 2 3; do     # alternately, the median of three each
		"$BB/first_screen" --idle 0 'month' "$TT" --db "$uri" >"$TMP/fs-pg" 2>&1
		pgms+=("$(fs_get first_ms "$TMP/fs-pg")")
		if [ -f "$src" ]; then
			"$BB/first_screen" --idle 0 'month' "$TT" --db "$src" >"$TMP/fs-sq" 2>&1
			sqms+=("$(fs_get first_ms "$TMP/fs-sq")")
		fi
	done
	figure "PostgreSQL: console first screen" \
	    "$(printf '%s\n' "${pgms[@]}" | sort -n | sed -n 2p)" "ms" \
	    "the same ledger in SQLite" "$(printf '%s\n' "${sqms[@]:-n/a}" | sort -n | sed -n 2p)" "ms" \
	    "< 200 ms"
	note "(median of three each: PostgreSQL ${pgms[*]} ms; SQLite ${sqms[*]:-n/a} ms)"
	"$BB/first_screen" --idle 3 'month' "$TT" --db "$uri" >"$TMP/fs-pg" 2>&1
	[ -f "$src" ] && "$BB/first_screen" --idle 3 'month' "$TT" --db "$src" >"$TMP/fs-sq" 2>&1
	figure "PostgreSQL: console idle CPU (3 s)" "$(fs_get cpu_pct "$TMP/fs-pg")" "% core" \
	    "the same ledger in SQLite" "$(fs_get cpu_pct "$TMP/fs-sq" 2>/dev/null)" "% core"
}
