#!/usr/bin/env bash
# run.sh BUILD — tokentop's benchmarks. Each figure is printed on one line
# beside a baseline measured in the same run, with the ratio ours/baseline
# and the issue's target as a note: figures, never pass/fail on time.
#
# Sizes (environment): BENCH_MB (each transcript tree, default 400), BENCH_ROWS
# (ledger rows, default 10000000), BENCH_RESULTS (results lines, default
# 100000), BENCH_IDLE_SECONDS (console idle CPU window, default 30),
# BENCH_BATCHES (batches the poller follows, default 500), BENCH_POLL_SECONDS
# (its measuring window, default 60), BENCH_POLL_INTERVAL (watch --interval,
# default 10), BENCH_PG_WRITER_ROWS (rows per writer into PostgreSQL and
# SQLite, default 20000; the pg section copies the BENCH_ROWS ledger into a
# private server, tests/lib/pg.sh), BENCH_STATUS_ROWS (the status section's
# ledger, default 1000000), BENCH_STATUS_RUNS (runs per CPU figure, 20).
# Reuse between runs: BENCH_LEDGER_DB (a gen_ledger file the pg section
# copies instead of generating one) and
# BENCH_PG_URI (a PostgreSQL ledger already holding it; BENCH_PG_ADMIN_URI,
# default the same, runs the raw aggregate and reads pg_stat_statements). Quick run: BENCH_MB=40 BENCH_ROWS=100000 BENCH_RESULTS=10000
# BENCH_IDLE_SECONDS=5 BENCH_BATCHES=50 BENCH_POLL_SECONDS=10 bench/run.sh build
#
# A section whose command is not built yet prints "skipped: reason".
# Everything happens in a temporary directory under /tmp, removed at exit.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
TT=$PWD/$BUILD/tokentop
BB=$PWD/$BUILD/bench
MB=${BENCH_MB:-400}
ROWS=${BENCH_ROWS:-10000000}
RESULTS=${BENCH_RESULTS:-100000}
IDLE=${BENCH_IDLE_SECONDS:-30}
NBATCH=${BENCH_BATCHES:-500}
POLLSEC=${BENCH_POLL_SECONDS:-60}
POLLINT=${BENCH_POLL_INTERVAL:-10}

TMP=$(mktemp -d /tmp/tokentop-bench.XXXXXX)
PIDS=()
PG_DIR=
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "$PG_DIR" ] && pg_stop "$PG_DIR"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nothing here may touch the user's own ledger, config or transcripts, or
# reach a real API.
export TZ=UTC TOKENTOP_DATADIR=$PWD/share HOME=$TMP/home
export XDG_CONFIG_HOME=$TMP/home/.config XDG_DATA_HOME=$TMP/home/.local/share
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL ANTHROPIC_ADMIN_KEY TOKENTOP_DB CLAUDE_CONFIG_DIR \
    OPENAI_API_KEY OPENAI_BASE_URL OPENAI_ADMIN_KEY
mkdir -p "$HOME"

# ---- helpers ---------------------------------------------------------------

# Float arithmetic: calc 'EXPR' with awk.
calc() { awk "BEGIN { x = $1; printf \"%.6g\", x }"; }
fmt() { awk -v x="$1" -v d="${2:-2}" 'BEGIN { printf "%.*f", d, x }'; }

header() {
	echo
	echo "== $*"
}
skip() { printf '   skipped: %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }

# figure LABEL VALUE UNIT BASELABEL BASEVALUE BASEUNIT [TARGET]
# ratio = VALUE / BASEVALUE.
figure() {
	local r="n/a"
	if [[ $2 =~ ^[0-9.]+$ && $5 =~ ^[0-9.]+$ ]] && awk -v b="$5" 'BEGIN { exit !(b > 0) }'; then
		r=$(awk -v a="$2" -v b="$5" 'BEGIN { printf "%.3g", a / b }')
	fi
	printf '   %-34s %12s %-7s  vs %-32s %12s %-7s  ratio %-9s %s\n' \
	    "$1" "$2" "$3" "$4" "$5" "$6" "$r" "${7:+(target: $7)}"
}

# timed OUT CMD... — run CMD with stdout to OUT (stderr to OUT.err); sets
# WALL (seconds), RSS (peak KB), CPU (user + system seconds; "?" without
# /usr/bin/time) and RC.
HAVE_TIME=0
[ -x /usr/bin/time ] && HAVE_TIME=1
timed() {
	local out=$1 t0 t1
	shift
	# the clock read without a fork (bash's EPOCHREALTIME), around the
	# command alone: the RSS and CPU parsing below once ran inside the
	# window and added ~40 ms of awk to every short command's figure
	t0=$EPOCHREALTIME
	if [ $HAVE_TIME = 1 ]; then
		/usr/bin/time -f '%M %U %S' -o "$TMP/rss.out" "$@" >"$out" 2>"$out.err"
		RC=$?
		t1=$EPOCHREALTIME
		RSS=$(tail -n 1 "$TMP/rss.out" | awk '{ print $1 }')
		CPU=$(tail -n 1 "$TMP/rss.out" | awk '{ printf "%.2f", $2 + $3 }')
	else
		"$@" >"$out" 2>"$out.err"
		RC=$?
		t1=$EPOCHREALTIME
		RSS=0
		CPU="?"
	fi
	WALL=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.4f", b - a }')
}

# best3 OUT CMD... — the fastest of three runs (short commands, warm cache).
best3() {
	local i best=
	for i in 1 2 3; do
		timed "$@"
		[ "$RC" = 0 ] || return
		if [ -z "$best" ] || awk -v a="$WALL" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$WALL
		fi
	done
	WALL=$best
}

# A tokentop subcommand counts as built when its --help succeeds.
built() { [ -x "$TT" ] && "$TT" "$@" --help >/dev/null 2>&1; }
# A bench program counts only when built from its current source.
have_bin() { [ -x "$BB/$1" ] && { [ ! -f "bench/$1.c" ] || [ "$BB/$1" -nt "bench/$1.c" ]; }; }
# jget FILE PATH — a value from a JSON file ($.totals.requests), with sqlite3's JSON.
jget() {
	local f
	f=$(readlink -f "$1")
	sqlite3 :memory: "SELECT json_extract(readfile('$f'), '$2')" 2>/dev/null
}
manifest() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
mb_of() { du -sb "$1" | awk '{ printf "%.2f", $1 / 1048576 }'; }

# bench_fakeapi NAME ARGS...: the double on a free port in the background;
# sets FPID and FPORT ("" when it did not start).
bench_fakeapi() {
	local name=$1 i
	shift
	FPORT=
	"$BUILD/fakeapi" --port 0 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	FPID=$!
	PIDS+=("$FPID")
	for i in $(seq 1 100); do
		FPORT=$(awk '$1 == "port" { print $2; exit }' "$TMP/$name.out")
		[ -n "$FPORT" ] && break
		sleep 0.05
	done
}

# CPU seconds (user + system) a process has used, from /proc.
cpu_of() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null
}
hwm_of() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

echo "tokentop bench — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, build $BUILD"
echo "sizes: transcripts ${MB} MB, ledger ${ROWS} rows, results ${RESULTS} lines"
echo "load average at start: $(cut -d ' ' -f 1-3 /proc/loadavg) (other work on the machine skews every figure)"
printf '   %-34s %12s %-7s  vs %-32s %12s %-7s  %s\n' "figure" "ours" "" \
    "baseline (same run)" "value" "" "ratio ours/baseline"
[ $HAVE_TIME = 1 ] || echo "note: /usr/bin/time missing (make deps installs it): peak RSS shows 0"

# ---- 1. transcripts, two shapes: import, re-import, beside ccusage --------------

# The peer: ccusage re-parses every transcript on each run.
CCUSAGE=
CC_WHY=
find_ccusage() {
	[ -n "$CCUSAGE" ] && return 0
	[ -n "$CC_WHY" ] && return 1
	if command -v ccusage >/dev/null 2>&1; then CCUSAGE=$(command -v ccusage); return 0; fi
	if ! command -v npm >/dev/null 2>&1; then CC_WHY="npm not installed"; return 1; fi
	echo "   installing ccusage@20.0.24 with npm (npm i -g)..."
	if timeout 300 npm i -g --no-audit --no-fund ccusage@20.0.24 \
	    @ccusage/ccusage-linux-x64@20.0.24 >"$TMP/npm.log" 2>&1 &&
	    command -v ccusage >/dev/null 2>&1; then
		CCUSAGE=$(command -v ccusage)
		return 0
	fi
	CC_WHY="npm i -g ccusage@20.0.24 failed: $(tail -n 1 "$TMP/npm.log")"
	return 1
}

# One tree shape (gen_transcripts --shape): generated at MB, imported into a
# fresh ledger, reported, re-imported; ccusage on the same tree in the same
# run; peak RSS against a quarter-size tree of the same shape.
tx_shape() {
	local shape=$1 tree=$TMP/claude-$1 db=$TMP/tx-$1.db
	header "Claude Code transcripts, $shape-heavy tree (issue 12)"
	if ! have_bin gen_transcripts; then skip "$BUILD/bench/gen_transcripts not built"; return; fi
	timed "$TMP/gen.out" "$BB/gen_transcripts" --out "$tree" --mb "$MB" --shape "$shape"
	if [ "$RC" != 0 ]; then skip "generator failed: $(cat "$TMP/gen.out.err")"; return; fi
	local bytes files resp size_mb lines
	bytes=$(manifest bytes "$tree/manifest")
	files=$(manifest files "$tree/manifest")
	resp=$(manifest responses "$tree/manifest")
	lines=$(manifest lines "$tree/manifest")
	size_mb=$(calc "$bytes / 1048576")
	note "tree: $(fmt "$size_mb" 1) MB in $files files, $lines lines," \
	    "$(manifest usage_lines "$tree/manifest") usage lines, $resp distinct responses" \
	    "($(fmt "$(calc "$resp / $size_mb")" 0) per MB; written in $(fmt "$WALL") s)"

	# the raw read, page cache warm for both sides
	find "$tree/projects" -name '*.jsonl' -exec cat {} + >/dev/null
	timed /dev/null sh -c 'find "$1" -name "*.jsonl" -exec cat {} + >/dev/null' sh "$tree/projects"
	local cat_wall=$WALL

	if ! built import; then skip "tokentop import not built yet"; return; fi
	timed "$TMP/import.json" "$TT" --db "$db" import --format claude-code --json "$tree/projects"
	if [ "$RC" != 0 ]; then skip "import failed (exit $RC): $(head -c 300 "$TMP/import.json.err")"; return; fi
	local import_wall=$WALL added rss_big=$RSS import_cpu=$CPU report_wall= report2_wall=
	local report_cpu=0 reimport_cpu=0 report2_cpu=0
	added=$(jget "$TMP/import.json" '$.added')
	figure "import throughput" "$(fmt "$(calc "$size_mb / $import_wall")" 1)" "MB/s" \
	    "cat > /dev/null, same files" "$(fmt "$(calc "$size_mb / $cat_wall")" 1)" "MB/s"
	note "import: $(fmt "$(calc "$lines / $import_wall")" 0) lines/s," \
	    "$(fmt "$(calc "$added / $import_wall")" 0) rows/s; $(fmt "$import_wall" 2) s wall," \
	    "$import_cpu s CPU (user + system, all threads)"
	note "check: import added ${added:-?} rows; the generator wrote $resp distinct responses"
	if have_bin bare_insert && [ -n "$added" ] && [ "$added" -gt 0 ]; then
		timed "$TMP/bare.out" "$BB/bare_insert" "$TMP/bare.db" "$added"
		figure "import rows/s" "$(fmt "$(calc "$added / $import_wall")" 0)" "rows/s" \
		    "bare prepared INSERT, 1 tx" "$(fmt "$(calc "$added / $WALL")" 0)" "rows/s"
		rm -f "$TMP/bare.db"*
	fi
	if built report; then
		timed "$TMP/daily.json" "$TT" --db "$db" report daily --json
		report_wall=$WALL
		report_cpu=$CPU
	fi
	# re-import and report again: short, warm commands, so the best of three
	best3 "$TMP/reimport.json" "$TT" --db "$db" import --format claude-code --json "$tree/projects"
	local reimport_wall=$WALL reimport_cpu=$CPU
	if built report; then
		best3 "$TMP/daily2.json" "$TT" --db "$db" report daily --json
		report2_wall=$WALL
		report2_cpu=$CPU
	fi
	note "re-import (nothing new): $(fmt "$reimport_wall" 3) s, added $(jget "$TMP/reimport.json" '$.added')"

	# peak RSS at twice the size: it must not grow with the input. (It grows
	# with the ledger until the import's 16 MB SQLite cache is full, a tree
	# of ~150 MB of this shape; after that only by the file list.)
	local big=$TMP/claude-big big_mb d
	d=$(calc "$MB * 2")
	timed /dev/null "$BB/gen_transcripts" --out "$big" --mb "$d" --seed 2 --shape "$shape"
	big_mb=$(calc "$(manifest bytes "$big/manifest") / 1048576")
	timed "$TMP/import-big.json" "$TT" --db "$TMP/tx-big.db" import --format claude-code \
	    --json "$big/projects"
	figure "import peak RSS at $(fmt "$big_mb" 0) MB" "$(fmt "$(calc "$RSS / 1024")" 1)" "MB" \
	    "import peak RSS at $(fmt "$size_mb" 0) MB" "$(fmt "$(calc "$rss_big / 1024")" 1)" "MB" \
	    "ratio 1: flat, <= 64 MB"
	note "(ledger files after them: $(mb_of "$TMP/tx-big.db") MB and $(mb_of "$db") MB)"
	rm -rf "$big" "$TMP/tx-big.db"*

	if ! find_ccusage; then note "ccusage: not available ($CC_WHY)"; return; fi
	timed "$TMP/cc.json" env CLAUDE_CONFIG_DIR="$tree" "$CCUSAGE" claude daily --json --offline
	if [ "$RC" != 0 ]; then note "ccusage: not available (exit $RC: $(head -c 200 "$TMP/cc.json.err"))"; return; fi
	local cc=$WALL cc_rss=$RSS cc_cpu=$CPU
	note "$("$CCUSAGE" --version 2>/dev/null | head -n 1): claude daily --json --offline" \
	    "$(fmt "$cc" 2) s ($cc_cpu s CPU), peak RSS $(fmt "$(calc "$cc_rss / 1024")" 1) MB"
	if [ -z "$report_wall" ]; then skip "tokentop report not built yet"; return; fi
	figure "fresh import + daily report" "$(fmt "$(calc "$import_wall + $report_wall")" 2)" "s" \
	    "ccusage claude daily (one run)" "$(fmt "$cc" 2)" "s" "<= 0.5"
	figure "re-import + daily report" "$(fmt "$(calc "$reimport_wall + $report2_wall")" 3)" "s" \
	    "ccusage claude daily (one run)" "$(fmt "$cc" 2)" "s" "<= 0.05"
	# CPU seconds (user + system) do not wait for the scheduler: on a loaded
	# machine a short command's wall time is mostly waiting for a CPU
	figure "fresh import + report, CPU" "$(fmt "$(calc "$import_cpu + $report_cpu")" 2)" "s" \
	    "ccusage, CPU (same run)" "$cc_cpu" "s" "<= 0.5 (as wall)"
	figure "re-import + report, CPU" "$(fmt "$(calc "$reimport_cpu + $report2_cpu")" 3)" "s" \
	    "ccusage, CPU (same run)" "$cc_cpu" "s" "<= 0.05 (as wall)"
	# the same tokens? (ccusage folds both cache writes into one figure)
	note "check: output tokens, tokentop $(jget "$TMP/daily.json" '$.totals.output_tokens')," \
	    "ccusage $(jget "$TMP/cc.json" '$.totals.outputTokens'), generator" \
	    "$(manifest output "$tree/manifest")"
	rm -rf "$tree" "$db"*
}

section_bytes() { tx_shape bytes; }
section_responses() { tx_shape responses; }
section_transcripts() { tx_shape bytes; tx_shape responses; }
section_ccusage() { :; }     # now part of each shape's section

# ---- 1b. Codex CLI sessions beside an equal-sized Claude Code tree (issue 14) --

section_codex() {
	header "Codex CLI sessions beside Claude Code transcripts (issue 14)"
	if ! have_bin gen_codex || ! have_bin gen_transcripts; then
		skip "$BUILD/bench/gen_codex or gen_transcripts not built"; return
	fi
	if ! built import; then skip "tokentop import not built yet"; return; fi
	local cx=$TMP/codex cc=$TMP/codex-claude cx_mb cc_mb rows added cx_wall cc_wall cx_cat
	timed "$TMP/gencx.out" "$BB/gen_codex" --out "$cx" --mb "$MB"
	if [ "$RC" != 0 ]; then skip "generator failed: $(cat "$TMP/gencx.out.err")"; return; fi
	timed /dev/null "$BB/gen_transcripts" --out "$cc" --mb "$MB"
	cx_mb=$(calc "$(manifest bytes "$cx/manifest") / 1048576")
	cc_mb=$(calc "$(manifest bytes "$cc/manifest") / 1048576")
	rows=$(manifest rows "$cx/manifest")
	note "codex tree: $(fmt "$cx_mb" 1) MB in $(manifest files "$cx/manifest") sessions," \
	    "$(manifest lines "$cx/manifest") lines, $rows turns; claude tree $(fmt "$cc_mb" 1) MB"
	find "$cx/sessions" -name '*.jsonl' -exec cat {} + >/dev/null
	timed /dev/null sh -c 'find "$1" -name "*.jsonl" -exec cat {} + >/dev/null' sh "$cx/sessions"
	cx_cat=$WALL
	timed "$TMP/cx.json" "$TT" --db "$TMP/cx.db" import --format codex --json "$cx/sessions"
	if [ "$RC" != 0 ]; then skip "codex import failed: $(head -c 300 "$TMP/cx.json.err")"; return; fi
	cx_wall=$WALL
	added=$(jget "$TMP/cx.json" '$.added')
	timed "$TMP/cc.json" "$TT" --db "$TMP/cc.db" import --format claude-code --json "$cc/projects"
	cc_wall=$WALL
	figure "codex import" "$(fmt "$(calc "$added / $cx_wall")" 0)" "rows/s" \
	    "claude-code import, same size" "$(fmt "$(calc "$(jget "$TMP/cc.json" '$.added') / $cc_wall")" 0)" \
	    "rows/s" "1: the same rows/s"
	figure "codex import" "$(fmt "$(calc "$cx_mb / $cx_wall")" 1)" "MB/s" \
	    "claude-code import, same size" "$(fmt "$(calc "$cc_mb / $cc_wall")" 1)" "MB/s"
	figure "codex import" "$(fmt "$(calc "$cx_mb / $cx_wall")" 1)" "MB/s" \
	    "cat > /dev/null, same files" "$(fmt "$(calc "$cx_mb / $cx_cat")" 1)" "MB/s"
	note "check: codex import added ${added:-?} rows; the generator wrote $rows increases"
	best3 "$TMP/cx2.json" "$TT" --db "$TMP/cx.db" import --format codex --json "$cx/sessions"
	note "codex re-import (nothing new): $(fmt "$WALL" 3) s, added $(jget "$TMP/cx2.json" '$.added')"
	rm -rf "$cx" "$cc" "$TMP/cx.db"* "$TMP/cc.db"*
}

# ---- 2. the 10M-row ledger: reports beside plain SQL over the raw rows ----------

LEDGER=$TMP/ledger.db
SQL_DAILY="SELECT date(ts_ms / 1000, 'unixepoch', 'localtime') AS d, count(*), sum(input),
  sum(write_5m), sum(write_1h), sum(cache_read), sum(output) FROM usage GROUP BY d ORDER BY d;"
SQL_MONTHLY="SELECT strftime('%Y-%m', ts_ms / 1000, 'unixepoch', 'localtime') AS m, count(*),
  sum(input), sum(write_5m), sum(write_1h), sum(cache_read), sum(output) FROM usage
  GROUP BY m ORDER BY m;"
SQL_MODELS="SELECT model, count(*), sum(input), sum(write_5m), sum(write_1h), sum(cache_read),
  sum(output) FROM usage GROUP BY model ORDER BY model;"
SQL_TAGS="SELECT tag, count(*), sum(input), sum(write_5m), sum(write_1h), sum(cache_read),
  sum(output) FROM usage GROUP BY tag ORDER BY tag;"

section_ledger() {
	header "Ledger of $ROWS rows: reports (issue 12)"
	if ! have_bin gen_ledger; then skip "$BUILD/bench/gen_ledger not built (store API missing?)"; return; fi
	timed "$TMP/gl.out" "$BB/gen_ledger" --db "$LEDGER" --rows "$ROWS"
	if [ "$RC" != 0 ]; then skip "gen_ledger failed: $(head -c 300 "$TMP/gl.out.err")"; rm -f "$LEDGER"; return; fi
	local gen_wall=$WALL size
	size=$(stat -c %s "$LEDGER")
	note "generated: a year of a fleet, $ROWS rows in $(fmt "$gen_wall" 1) s ($CPU s CPU);" \
	    "$(fmt "$(calc "$size / 1048576 / ($ROWS / 1000000)")" 1) MB per million rows" \
	    "($(fmt "$(calc "$size / 1048576")" 0) MB)"
	if have_bin bare_insert; then
		local n=$((ROWS / 10))
		timed "$TMP/bare2.out" "$BB/bare_insert" "$TMP/bare2.db" "$n"
		figure "gen_ledger, store_put_bulk" "$(fmt "$(calc "$ROWS / $gen_wall")" 0)" "rows/s" \
		    "bare prepared INSERT, 1 tx" "$(fmt "$(calc "$n / $WALL")" 0)" "rows/s"
		rm -f "$TMP/bare2.db"*
	fi
	if ! built report; then skip "tokentop report not built yet"; return; fi
	local kind sql base models_ms= daily_wall=
	for kind in daily monthly models tags savings; do
		case $kind in
		daily | savings) sql=$SQL_DAILY ;;
		monthly) sql=$SQL_MONTHLY ;;
		models) sql=$SQL_MODELS ;;
		tags) sql=$SQL_TAGS ;;
		esac
		# the raw aggregate is long: one run; the report: best of three
		timed "$TMP/sql-$kind.out" sqlite3 -readonly "$LEDGER" "$sql"
		base=$WALL
		best3 "$TMP/rep-$kind.json" "$TT" --db "$LEDGER" report $kind --json
		if [ "$RC" != 0 ]; then skip "report $kind failed: $(head -c 200 "$TMP/rep-$kind.json.err")"; continue; fi
		figure "report $kind --json" "$(fmt "$(calc "$WALL * 1000")" 1)" "ms" \
		    "sqlite3 CLI GROUP BY, raw rows" "$(fmt "$(calc "$base * 1000")" 1)" "ms" "< 100 ms"
		[ "$kind" = models ] && models_ms=$(calc "$WALL * 1000")
		[ "$kind" = daily ] && daily_wall=$WALL
	done
	# local days where the zone's midnight is not UTC's: at an hour the
	# offset days hold (Seoul, 15:00Z), inside an hour (Kolkata, 18:30Z:
	# half an hour moved a day), an hour away from them with clock changes
	# (New York, 05:00Z and 04:00Z: an hour a day), and the shape that
	# moves most (Adelaide, 13:30Z and 14:30Z with clock changes: an hour
	# and a half a day)
	local tz days
	for tz in Asia/Seoul Asia/Kolkata America/New_York Australia/Adelaide; do
		timed "$TMP/sql-tz.out" env TZ=$tz sqlite3 -readonly "$LEDGER" "$SQL_DAILY"
		base=$WALL
		days=$(wc -l <"$TMP/sql-tz.out")
		best3 "$TMP/rep-tz.json" env TZ=$tz "$TT" --db "$LEDGER" report daily --json
		if [ "$RC" != 0 ]; then skip "report daily in $tz failed: $(head -c 200 "$TMP/rep-tz.json.err")"; continue; fi
		figure "report daily, $tz" "$(fmt "$(calc "$WALL * 1000")" 1)" "ms" \
		    "sqlite3 CLI GROUP BY, raw rows" "$(fmt "$(calc "$base * 1000")" 1)" "ms" "< 100 ms"
		note "check ($tz): report $(jget "$TMP/rep-tz.json" '$.totals.requests') requests," \
		    "sqlite3 $(awk -F'|' '{ n += $2 } END { print n }' "$TMP/sql-tz.out") in $days local days"
	done
	bench_exporter "${models_ms:-0}"
	note "check: report totals $(jget "$TMP/rep-daily.json" '$.totals.requests') requests;" \
	    "sqlite3 count(*) $(sqlite3 -readonly "$LEDGER" 'SELECT count(*) FROM usage')"
	# the one-shot status for prompts: rollups only (issue 16: under 20 ms)
	if built status && [ -n "$daily_wall" ]; then
		best3 "$TMP/status.json" "$TT" --db "$LEDGER" status --json
		[ "$RC" = 0 ] && figure "status --json" "$(fmt "$(calc "$WALL * 1000")" 1)" "ms" \
		    "report daily --json" "$(fmt "$(calc "$daily_wall * 1000")" 1)" "ms" "< 20 ms"
	fi
}

# A scrape of `tokentop exporter` on the ledger (issue 16: milliseconds on 10M
# rows), best of three after a first one, beside `report models --json`'s
# time ($1 ms, measured just before).
bench_exporter() {
	local pid port i t best
	if ! built exporter; then skip "tokentop exporter not built yet"; return; fi
	"$TT" --db "$LEDGER" exporter --listen 127.0.0.1:0 >"$TMP/exp.port" 2>"$TMP/exp.err" &
	pid=$!
	for i in $(seq 200); do grep -q '^listening' "$TMP/exp.port" 2>/dev/null && break; sleep 0.05; done
	port=$(sed -nE 's/^listening on 127\.0\.0\.1:([0-9]+)$/\1/p' "$TMP/exp.port")
	if [ -z "$port" ]; then skip "exporter did not start: $(head -c 200 "$TMP/exp.err")"; kill "$pid"; return; fi
	curl -s -o /dev/null "http://127.0.0.1:$port/metrics"
	# the scrape as Prometheus sees it (curl's own clock: a curl process
	# takes longer to start than the scrape), best of three
	best=
	for i in 1 2 3; do
		t=$(curl -sS -o "$TMP/scrape.txt" -w '%{time_total}' "http://127.0.0.1:$port/metrics")
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
	done
	figure "exporter scrape (/metrics)" "$(fmt "$(calc "$best * 1000")" 1)" "ms" \
	    "report models --json" "$(fmt "$1" 1)" "ms" "milliseconds"
	note "scrape: $(grep -vc '^#' "$TMP/scrape.txt") series"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

# cpu_ms N CMD... — CPU milliseconds (user + system) per run of CMD, the
# mean of N runs in a row (one /usr/bin/time over all of them: its 10 ms
# resolution spread over N); sets CPUMS ("?" without /usr/bin/time or when a
# run fails). CPU does not wait for the scheduler: on a loaded machine a
# short command's wall time is mostly waiting.
cpu_ms() {
	local n=$1
	shift
	CPUMS="?"
	[ $HAVE_TIME = 1 ] || return
	/usr/bin/time -f '%U %S' -o "$TMP/cpu.out" sh -c 'n=$1; shift; i=0
	    while [ $i -lt $n ]; do "$@" >/dev/null 2>&1 || exit 1; i=$((i + 1)); done' sh "$n" "$@" ||
	    return
	CPUMS=$(tail -n 1 "$TMP/cpu.out" | awk -v n="$n" '{ printf "%.1f", ($1 + $2) * 1000 / n }')
}

# ---- 2b. the one-shot status on a 1M-row ledger (issue 16: under 20 ms) ---------

# `tokentop status --json` beside `report daily --json` on the same ledger,
# CPU per run (mean of BENCH_STATUS_RUNS, default 20), with the start of the
# binary alone (`tokentop --version`) as the floor every command pays.
section_status() {
	local rows=${BENCH_STATUS_ROWS:-1000000} runs=${BENCH_STATUS_RUNS:-20} db=$TMP/status.db
	local st daily floor
	header "tokentop status on a ledger of $rows rows (issue 16)"
	if ! have_bin gen_ledger; then skip "$BUILD/bench/gen_ledger not built"; return; fi
	if ! built status; then skip "tokentop status not built yet"; return; fi
	timed "$TMP/gs.out" "$BB/gen_ledger" --db "$db" --rows "$rows"
	if [ "$RC" != 0 ]; then skip "gen_ledger failed: $(head -c 300 "$TMP/gs.out.err")"; return; fi
	"$TT" --db "$db" status --json >/dev/null 2>&1     # warm the page cache
	"$TT" --db "$db" report daily --json >/dev/null 2>&1
	cpu_ms "$runs" "$TT" --db "$db" status --json
	st=$CPUMS
	cpu_ms "$runs" "$TT" --db "$db" report daily --json
	daily=$CPUMS
	cpu_ms "$runs" "$TT" --version
	floor=$CPUMS
	figure "status --json, CPU per run" "$st" "ms" "report daily --json, CPU" "$daily" "ms" \
	    "< 20 ms"
	figure "status --json, CPU per run" "$st" "ms" "tokentop --version (start only)" "$floor" "ms"
	best3 "$TMP/status1m.json" "$TT" --db "$db" status --json
	note "status --json: best wall of three $(fmt "$(calc "$WALL * 1000")" 1) ms (waits for a CPU" \
	    "on a loaded machine); today $(jget "$TMP/status1m.json" '$.today_usd') USD"
	rm -f "$db"*
}

# ---- 3. results ingestion beside jansson alone ------------------------------

section_results() {
	header "Batch results ingestion (issue 3)"
	if ! have_bin gen_responses || ! have_bin raw_parse; then skip "gen_responses/raw_parse not built"; return; fi
	local big=$TMP/results.jsonl half=$TMP/results-half.jsonl msgs=$TMP/messages.jsonl
	"$BB/gen_responses" batch-results --lines "$RESULTS" --out "$big" >"$TMP/results.manifest"
	"$BB/gen_responses" batch-results --lines $((RESULTS / 2)) --out "$half" --seed 8 >/dev/null
	local size_mb billed
	size_mb=$(calc "$(stat -c %s "$big") / 1048576")
	billed=$(manifest billed "$TMP/results.manifest")
	timed "$TMP/raw.out" "$BB/raw_parse" "$big"
	local raw=$WALL raw_rss=$RSS
	if ! built import; then skip "tokentop import not built yet"; return; fi
	timed "$TMP/ri.json" "$TT" --db "$TMP/results.db" import --format batch-results --json "$big"
	if [ "$RC" != 0 ]; then skip "import failed: $(head -c 300 "$TMP/ri.json.err")"; return; fi
	local rss_big=$RSS
	figure "results import, $RESULTS lines" "$(fmt "$(calc "$size_mb / $WALL")" 1)" "MB/s" \
	    "jansson parse alone, same file" "$(fmt "$(calc "$size_mb / $raw")" 1)" "MB/s"
	note "check: added $(jget "$TMP/ri.json" '$.added') rows; $billed succeeded lines in the file"
	timed "$TMP/ri2.json" "$TT" --db "$TMP/results2.db" import --format batch-results --json "$half"
	figure "results import peak RSS, full" "$(fmt "$(calc "$rss_big / 1024")" 1)" "MB" \
	    "same, half the lines" "$(fmt "$(calc "$RSS / 1024")" 1)" "MB" "ratio 1: flat"
	note "(jansson alone peaks at $(fmt "$(calc "$raw_rss / 1024")" 1) MB)"
	"$BB/gen_responses" messages --lines "$RESULTS" --out "$msgs" >/dev/null
	size_mb=$(calc "$(stat -c %s "$msgs") / 1048576")
	timed "$TMP/raw2.out" "$BB/raw_parse" "$msgs"
	raw=$WALL
	timed "$TMP/mi.json" "$TT" --db "$TMP/messages.db" import --format messages --json "$msgs"
	[ "$RC" = 0 ] && figure "messages import, $RESULTS lines" "$(fmt "$(calc "$size_mb / $WALL")" 1)" \
	    "MB/s" "jansson parse alone, same file" "$(fmt "$(calc "$size_mb / $raw")" 1)" "MB/s"
	rm -f "$big" "$half" "$msgs" "$TMP"/results*.db* "$TMP"/messages.db*
}

# ---- 4. router and compression (bench/bench_router.c, issue 5) --------------

section_router() {
	header "Routing and compression (issue 5)"
	if [ ! -f bench/bench_router.c ]; then skip "bench/bench_router.c not written yet"; return; fi
	if ! have_bin bench_router; then
		skip "$BUILD/bench/bench_router not built from the current source (see the make output)"
		return
	fi
	(cd "$TMP" && "$BB/bench_router") 2>&1 | sed 's/^/   /'
}

# ---- 5. console on the 1M-row ledger, beside top (issue 4) --------------------

# first_screen's line "first_ms N cpu_pct X hwm_kb N" → the three values.
fs_get() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$2"; }

section_console() {
	header "Console on the $ROWS-row ledger (issues 4, 12)"
	if [ ! -f "$LEDGER" ]; then skip "no ledger (gen_ledger not built)"; return; fi
	if ! built console; then skip "tokentop console not built yet"; return; fi
	if ! have_bin first_screen; then skip "$BUILD/bench/first_screen not built"; return; fi
	# each on a 120x40 pseudo-terminal, one after the other, nothing typed
	"$BB/first_screen" --idle "$IDLE" 'month' "$TT" --db "$LEDGER" >"$TMP/fs-tt" 2>&1
	"$BB/first_screen" --idle "$IDLE" 'load average' top >"$TMP/fs-top" 2>&1
	if [ "$(fs_get first_ms "$TMP/fs-tt")" = -1 ] || [ -z "$(fs_get first_ms "$TMP/fs-tt")" ]; then
		skip "the console showed no figures: $(head -c 200 "$TMP/fs-tt")"
		return
	fi
	figure "time to first full screen" "$(fs_get first_ms "$TMP/fs-tt")" "ms" \
	    "top, same pty method" "$(fs_get first_ms "$TMP/fs-top")" "ms" "< 200 ms"
	figure "idle CPU over ${IDLE} s" "$(fs_get cpu_pct "$TMP/fs-tt")" "% core" \
	    "top (3 s refresh), same method" "$(fs_get cpu_pct "$TMP/fs-top")" "% core" "< 1%"
	figure "peak RSS (VmHWM)" "$(fmt "$(calc "$(fs_get hwm_kb "$TMP/fs-tt") / 1024")" 1)" "MB" \
	    "top, same method" "$(fmt "$(calc "$(fs_get hwm_kb "$TMP/fs-top") / 1024")" 1)" "MB" \
	    "< 32 MB"
}

# ---- 6. the poller following many batches (issue 3) ------------------------

section_poller() {
	header "Poller following $NBATCH batches (issue 3)"
	if [ ! -x "$BUILD/fakeapi" ]; then skip "$BUILD/fakeapi not built"; return; fi
	if ! built batch watch || ! built batch submit; then skip "tokentop batch watch/submit not built yet"; return; fi
	local db=$TMP/poll.db port fpid wpid i c0 c1 f0 f1
	bench_fakeapi fake --batch-seconds 1000000
	fpid=$FPID port=$FPORT
	if [ -z "$port" ]; then skip "fakeapi did not print its port"; return; fi
	export ANTHROPIC_BASE_URL=http://127.0.0.1:$port ANTHROPIC_API_KEY=sk-ant-test
	printf '{"custom_id":"a","prompt":"hello"}\n{"custom_id":"b","prompt":"world"}\n' >"$TMP/two.jsonl"
	# four submitters at once (the store takes concurrent writers)
	if ! seq 1 "$NBATCH" | xargs -P 4 -I{} "$TT" --db "$db" batch submit \
	    --model claude-haiku-4-5 --max-tokens 16 "$TMP/two.jsonl" >/dev/null 2>"$TMP/submit.err"; then
		skip "batch submit failed: $(head -c 200 "$TMP/submit.err")"
		unset ANTHROPIC_BASE_URL ANTHROPIC_API_KEY
		return
	fi
	note "$(sqlite3 -readonly "$db" "SELECT count(*) FROM batch WHERE status <> 'ended'") batches in progress"
	"$TT" --db "$db" batch watch --interval "$POLLINT" >/dev/null 2>"$TMP/watch.err" &
	wpid=$!
	PIDS+=("$wpid")
	sleep 2
	c0=$(cpu_of "$wpid")
	f0=$(cpu_of "$fpid")
	sleep "$POLLSEC"
	c1=$(cpu_of "$wpid")
	f1=$(cpu_of "$fpid")
	unset ANTHROPIC_BASE_URL ANTHROPIC_API_KEY
	if [ -z "$c1" ]; then skip "batch watch exited early: $(head -c 200 "$TMP/watch.err")"; return; fi
	figure "batch watch CPU, ${POLLINT} s interval" "$(fmt "$(calc "($c1 - $c0) * 60 / $POLLSEC")" 3)" "s/min" \
	    "fakeapi serving it, same window" "$(fmt "$(calc "($f1 - $f0) * 60 / $POLLSEC")" 3)" "s/min"
	kill "$wpid" "$fpid" 2>/dev/null
	wait "$wpid" "$fpid" 2>/dev/null
}

# ---- 6b. an OpenAI output file ingested beside Anthropic results (issue 15) --
# Both through `batch watch` (the download streamed into the per-line record,
# store_batch_result), from the double: one completed batch of $RESULTS
# requests each (OpenAI's 50,000 limit raised on both sides for one file).

# bench_watch_ingest DB ID: time `batch watch ID` on an ended batch; sets
# WALL, RSS, RC as timed.
bench_watch_ingest() {
	timed "$TMP/bw.out" "$TT" --db "$1" batch watch --interval 0.2 "$2"
}

section_batches() {
	header "OpenAI output file ingested beside Anthropic results, $RESULTS lines (issue 15)"
	if [ ! -x "$BUILD/fakeapi" ]; then skip "$BUILD/fakeapi not built"; return; fi
	if ! built batch watch; then skip "tokentop batch watch not built yet"; return; fi
	local db=$TMP/bi.db port fpid i aid oid a_wall a_rss
	bench_fakeapi bfake --time-scale 100000 --batch-seconds 60 \
	    --openai-batch-max-requests "$RESULTS"
	fpid=$FPID port=$FPORT
	if [ -z "$port" ]; then skip "fakeapi did not print its port"; return; fi
	awk -v n="$RESULTS" 'BEGIN { for (i = 1; i <= n; i++)
	    printf "{\"custom_id\":\"r%d\",\"prompt\":\"question number %d, please answer\"}\n", i, i }' \
	    >"$TMP/b.jsonl"
	export ANTHROPIC_BASE_URL=http://127.0.0.1:$port ANTHROPIC_API_KEY=sk-ant-test
	export OPENAI_BASE_URL=http://127.0.0.1:$port/v1 OPENAI_API_KEY=sk-openai-test
	aid=$("$TT" --db "$db" batch submit --model claude-haiku-4-5 --max-tokens 16 "$TMP/b.jsonl" 2>&1 |
	    sed -n 's/^submitted \(msgbatch_[A-Za-z0-9_-]*\).*/\1/p')
	oid=$(TOKENTOP_BATCH_MAX_REQUESTS=$RESULTS "$TT" --db "$db" batch submit --provider openai \
	    --model gpt-4.1-nano --max-tokens 16 "$TMP/b.jsonl" 2>&1 |
	    sed -n 's/^submitted \(batch_[A-Za-z0-9_-]*\).*/\1/p')
	if [ -z "$aid" ] || [ -z "$oid" ]; then
		skip "batch submit failed"
		unset ANTHROPIC_BASE_URL ANTHROPIC_API_KEY OPENAI_BASE_URL OPENAI_API_KEY
		return
	fi
	# both ended before the clock starts: what is timed is the download and the ingest
	for i in $(seq 1 600); do
		"$TT" --db "$db" batch status "$oid" 2>/dev/null | grep -q completed &&
		    "$TT" --db "$db" batch status "$aid" 2>/dev/null | grep -q ended && break
		sleep 0.2
	done
	bench_watch_ingest "$db" "$aid"
	a_wall=$WALL a_rss=$RSS
	bench_watch_ingest "$db" "$oid"
	unset ANTHROPIC_BASE_URL ANTHROPIC_API_KEY OPENAI_BASE_URL OPENAI_API_KEY
	if [ "$RC" != 0 ]; then skip "batch watch failed: $(head -c 300 "$TMP/bw.out.err")"; return; fi
	figure "OpenAI output ingest" "$(fmt "$(calc "$RESULTS / $WALL / 1000")" 1)" "k lines/s" \
	    "Anthropic results, same count" "$(fmt "$(calc "$RESULTS / $a_wall / 1000")" 1)" "k lines/s"
	figure "OpenAI output ingest peak RSS" "$(fmt "$(calc "$RSS / 1024")" 1)" "MB" \
	    "Anthropic results" "$(fmt "$(calc "$a_rss / 1024")" 1)" "MB" "flat: streamed"
	note "check: $(sqlite3 -readonly "$db" "SELECT provider || ' ' || count(*) FROM usage GROUP BY provider" | tr '\n' ' ')rows"
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
	rm -f "$TMP/b.jsonl" "$db"*
}

section_proxy() {
	header "Proxy overhead on loopback (issue 6)"
	if ! built proxy; then skip "tokentop proxy not built yet"; return; fi
	bash bench/proxy.sh "$BUILD" | sed 's/^/   /'
}

# ---- 9. a PostgreSQL ledger beside SQLite (issue 13): bench/pg.sh ----------
# shellcheck source=bench/pg.sh
. "$(dirname "$0")/pg.sh"

# BENCH_SECTIONS="ledger console" runs only those sections ("bytes" or
# "responses": one transcript shape; status: `tokentop status` on a
# BENCH_STATUS_ROWS ledger, default 1M; pg: the PostgreSQL section).
for s in ${BENCH_SECTIONS:-transcripts codex ledger status results router console poller batches proxy pg}; do
	"section_$s"
done
echo
echo "done. load average at the end: $(cut -d ' ' -f 1-3 /proc/loadavg)"
