#!/usr/bin/env bash
# console.sh — the live console in tmux against a seeded ledger: the header
# and model rows equal `tokentop report … --json`; help, filter, sort,
# reports (with export), batches; a row written by another process shows
# within seconds; 80×24 tabbed, 60×15 too small; q quits.
# Runs with TOKENTOP_BUILD=build (tests/run.sh). Private tmux socket, temp
# directory, everything removed at exit.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${TOKENTOP_BUILD:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }

T=$(mktemp -d)
S=tt$$
TM="tmux -L $S -f /dev/null"
cleanup() { $TM kill-server 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

export TOKENTOP_DATADIR=$ROOT/share LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC
export XDG_CONFIG_HOME=$T/config XDG_DATA_HOME=$T/data HOME=$T
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL NO_COLOR TOKENTOP_DB
# under a sanitizer build, reports go to files checked at the end
export ASAN_OPTIONS="log_path=$T/san:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="log_path=$T/san:${UBSAN_OPTIONS:-}"
DB=$T/usage.db
TT="$B/tokentop --db $DB"
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# the seeding helper writes through data/store.h like any other process
cc -I. -D_GNU_SOURCE -std=c11 -O1 ${SEED_CFLAGS:-} -o "$T/seed_db" tests/screen/seed_db.c "$B/libtokentop.a" \
	$(pkg-config --libs ncursesw libcurl jansson sqlite3) -lm || { echo "cannot build seed_db"; exit 1; }
"$T/seed_db" "$DB" batches || { echo "seeding batches failed"; exit 1; }

# 30 days of Claude Code transcript lines over four models (one without a
# price), imported like a user's history
now=$(date +%s)
models=(claude-sonnet-4-5 claude-haiku-4-5 claude-opus-4-1 claude-nova-9)
for ((d = 0; d < 30; d++)); do
	for ((i = 0; i < 6; i++)); do
		m=$(( (d + i) % 4 ))
		[ $m -eq 3 ] && [ $d -gt 0 ] && continue
		if [ $d -eq 0 ]; then ts=$((now - (i + 1) * 300)); else ts=$((now - d * 86400 - i * 60)); fi
		printf '{"type":"assistant","isSidechain":false,"sessionId":"s","timestamp":"%s","requestId":"req_%d_%d","message":{"id":"msg_%d_%d","type":"message","model":"%s","usage":{"input_tokens":%d,"cache_creation_input_tokens":2000,"cache_read_input_tokens":%d,"output_tokens":%d}}}\n' \
			"$(date -u -d "@$ts" +%Y-%m-%dT%H:%M:%S.000Z)" $d $i $d $i "${models[$m]}" \
			$((1000 + 100 * d)) $((8000 + 10 * i)) $((500 + 7 * d))
	done
done >"$T/history.jsonl"
$TT import --format claude-code "$T/history.jsonl" >/dev/null || { echo "import failed"; exit 1; }

screen() { $TM capture-pane -p -t tt; }

# wait_for PATTERN [SECONDS]: poll the screen until it shows PATTERN
wait_for() {
	local i n=$(( ${2:-5} * 10 ))
	for ((i = 0; i < n; i++)); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# money_of JSON_FILE FIELD (in "totals"): "$12.34", rounded half up like the console
totals_usd() {
	awk -v f="\"$2\":" '/"totals"/ { t = 1 } t && $1 == f { gsub(/,/, "", $2); print $2; exit }' "$1"
}
usd() { awk -v v="$1" 'BEGIN { c = int(v * 100 + 0.5 + 1e-9); printf "$%d.%02d\n", c / 100, c % 100 }'; }

# ---- start at 120×34 ---------------------------------------------------------
cd "$T"
$TM new-session -d -s tt -x 120 -y 34 "$TT"
cd "$ROOT"
wait_for "live" 5 || { screen; echo "FAIL: the console did not start"; exit 1; }

today=$(date +%F)
$TT report daily --since "$today" --json >"$T/today.json"
want=$(usd "$(totals_usd "$T/today.json" cost_usd)")
if screen | head -1 | grep -qF "today $want"; then ok "header today $want"; else
	fail "header should say today $want"; screen | head -1; fi

# savings: the header's "saved today" and the Cache pane's per-lever figures
# (today, month) equal `report savings --json` totals
month1=$(date +%Y-%m-01)
$TT report savings --since "$today" --json >"$T/sav_today.json"
$TT report savings --since "$month1" --json >"$T/sav_month.json"
st=$(usd "$(totals_usd "$T/sav_today.json" saved_usd)")
if screen | head -1 | grep -qF "saved today $st"; then ok "header saved today $st"
else fail "header should say saved today $st"; screen | head -1; fi
for lv in cache:saved_by_cache_usd batch:saved_by_batch_usd routing:saved_by_routing_usd \
	compression:saved_by_compression_usd total:saved_usd; do
	name=${lv%%:*} f=${lv#*:}
	a=$(usd "$(totals_usd "$T/sav_today.json" "$f")")
	m=$(usd "$(totals_usd "$T/sav_month.json" "$f")")
	line=$(screen | grep -E "│   $name " | head -1)
	if echo "$line" | grep -qE " ${a/\$/\\$} +${m/\$/\\$} "; then ok "saved by $name: $a today, $m month"
	else fail "saved by $name should be $a today, $m month"; echo "  got: $line"; fi
done
grep -q '"saved_by_cache_usd": -' "$T/sav_today.json" && fail "seed should save by caching, not lose"

# the daily bars: yesterday and three days ago as `report daily` has them
for back in 1 3; do
	day=$(date -d "-$back day" +%F)
	$TT report daily --since "$day" --until "$day" --json >"$T/day.json"
	want_d=$(usd "$(totals_usd "$T/day.json" cost_usd)")
	label=$(date -d "-$back day" "+%a %d")
	if screen | grep -F "│ $label " | grep -qF " $want_d "; then ok "daily bar $label $want_d"
	else fail "daily bar $label should say $want_d"; screen | grep -F "$label"; fi
done

# every model row of today: requests and cost as the report has them
$TT report models --since "$today" --csv >"$T/models.csv"
$TT report models --since "$today" --json |
	awk '/"unpriced_models"/ { u = 1; next } u && /\]/ { u = 0 } u { gsub(/[",[:space:]]/, ""); print }' \
	>"$T/unpriced.txt"
while IFS=, read -r model reqs _ _ _ _ _ _ cost; do
	[ "$model" = model ] && continue
	line=$(screen | grep -F "│ $model " | head -1)
	if grep -qxF "$model" "$T/unpriced.txt"; then c=unpriced; else c=$(usd "$cost"); fi
	if echo "$line" | grep -qE " $reqs +.* +${c/\$/\\$}( |\+)"; then ok "row $model $reqs $c"
	else fail "row $model should show $reqs requests and $c"; echo "  got: $line"; fi
done <"$T/models.csv"
grep -q claude-nova-9 "$T/models.csv" || fail "seed should include an unpriced model"

# ---- help --------------------------------------------------------------------
$TM send-keys -t tt F1
if wait_for "Everywhere" 2 && screen | grep -qF "filter models by name"; then ok "help lists keys"
else fail "help"; fi
screen | head -1 | grep -qF "org: no admin key" && ok "help: org: no admin key" || fail "help org note"
$TM send-keys -t tt Escape
wait_for "Daily spend" 2 || fail "Esc leaves help"

# ---- filter and sort ----------------------------------------------------------
$TM send-keys -t tt / h a i k u Enter
sleep 0.3
if screen | grep -qF "filter: haiku" && screen | grep -qF "claude-haiku-4-5" &&
   ! screen | grep -qF "claude-opus-4-1 "; then ok "filter keeps only haiku"
else fail "filter"; screen | sed -n 2,8p; fi
$TM send-keys -t tt Escape
sleep 0.3
screen | grep -qF "claude-opus-4-1" || fail "Esc clears the filter"
$TM send-keys -t tt s          # cost → model (ascending)
sleep 0.3
order=$(screen | grep -oE "claude-(haiku|nova|opus|sonnet)[-0-9]*" | sed -n 1,4p | tr '\n' ' ')
if screen | grep -qF "model▲" && [ "$order" = "$(echo "$order" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')" ]
then ok "sort by model: $order"; else fail "sort by model: $order"; fi

# Enter on the selected model (haiku, first by name) opens its days in Reports
$TM send-keys -t tt Enter
if wait_for "model claude-haiku-4-5" 2 && screen | grep -qF "Spend by day"; then ok "drill a model to its days"
else fail "drill a model"; screen | head -3; fi
$TM send-keys -t tt x g Escape      # no model filter, by month again, back
wait_for "Daily spend" 2 || fail "Esc back from reports"

# ---- a row from another process -------------------------------------------------
printf '{"id":"msg_live_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":"end_turn","usage":{"input_tokens":1000000,"output_tokens":0}}\n' >"$T/one.jsonl"
$TT import --format messages "$T/one.jsonl" >/dev/null || fail "import of one more row"
$TT report daily --since "$today" --json >"$T/today2.json"
want2=$(usd "$(totals_usd "$T/today2.json" cost_usd)")
[ "$want2" != "$want" ] || fail "the new row should change today's spend"
if wait_for "today $want2" 3; then ok "header follows the ledger: today $want2"
else fail "header should change to today $want2"; screen | head -1; fi

# ---- reports and export ---------------------------------------------------------
$TM send-keys -t tt F2
wait_for "Spend by month" 2 && ok "reports screen" || fail "reports screen"
$TM send-keys -t tt e Enter
if wait_for "wrote $T/tokentop-report.csv" 2 || wait_for "wrote" 1; then ok "export says where"
else fail "export message"; screen | tail -1; fi
if [ -f "$T/tokentop-report.csv" ] && head -1 "$T/tokentop-report.csv" | grep -q '^month,requests' &&
   grep -q '^total,' "$T/tokentop-report.csv"; then ok "export CSV written"
else fail "export CSV"; fi
month=$(date +%Y-%m)
$TM send-keys -t tt Enter
if wait_for "by day > $month" 2 && screen | grep -qF "$month-01"; then ok "drill month to days"
else fail "drill month"; screen | head -4; fi
$TM send-keys -t tt End Enter
if wait_for "by hour > $month > $today" 2; then ok "drill day to hours"; else fail "drill day"; screen | head -4; fi
$TM send-keys -t tt Escape Escape
d3=$(date -d '-3 day' +%F)
$TM send-keys -t tt r
$TM send-keys -t tt -l "$d3..$today"
$TM send-keys -t tt Enter
if wait_for "Reports  $d3..$today  by month" 2; then ok "a date range"; else fail "date range"; screen | head -2; fi
$TM send-keys -t tt r Enter            # empty: the default range again
$TM send-keys -t tt b e C-u
$TM send-keys -t tt -l "by-source.json"
$TM send-keys -t tt Enter
if wait_for "wrote $T/by-source.json" 2 && grep -q '"group": "month"' "$T/by-source.json" &&
   grep -q '"totals"' "$T/by-source.json"; then ok "export JSON"; else fail "export JSON"; screen | tail -1; fi
$TM send-keys -t tt Escape

# ---- batches --------------------------------------------------------------------
$TM send-keys -t tt F3
if wait_for "msgbatch_01SEEDRUNNING0000000001" 2; then ok "batches list"; else fail "batches list"; fi
$TM send-keys -t tt Down Enter
if wait_for "succeeded 248" 2; then ok "batch detail"; else fail "batch detail"; screen; fi
$TM send-keys -t tt Escape Escape
wait_for "Daily spend" 2 || fail "back to the dashboard"

# ---- sizes ----------------------------------------------------------------------
$TM resize-window -t tt -x 80 -y 24
if wait_for "Tab:" 2 && screen | head -1 | grep -qF "today $want2"; then ok "80x24 tabbed"
else fail "80x24"; screen; fi
$TM resize-window -t tt -x 60 -y 15
if wait_for "needs at least 80x24 (now 60x15)" 2; then ok "60x15 too small"; else fail "too small"; screen; fi
$TM resize-window -t tt -x 120 -y 34
wait_for "Daily spend" 2 || fail "back to 120x34"

# ---- ASCII and monochrome: a C locale and --no-color ------------------------------
$TM new-session -d -s asc -x 100 -y 30 "env LANG=C LC_ALL=C $TT --no-color"
for ((i = 0; i < 50; i++)); do $TM capture-pane -p -t asc | grep -q "live" && break; sleep 0.1; done
asc=$($TM capture-pane -p -t asc)
if echo "$asc" | grep -q '^+ Models - today -' && echo "$asc" | grep -q '#' &&
   ! echo "$asc" | LC_ALL=C grep -q $'[\x80-\xff]'; then ok "ASCII fallback"
else fail "ASCII fallback"; echo "$asc" | head -5; fi
if $TM capture-pane -e -p -t asc | grep -qE $'\e\[(3[0-7]|4[0-7])m'; then fail "--no-color still colours"
else ok "--no-color: no colours"; fi
$TM kill-session -t asc

# ---- quit -------------------------------------------------------------------------
$TM send-keys -t tt q
for ((i = 0; i < 30; i++)); do $TM has-session -t tt 2>/dev/null || break; sleep 0.1; done
if $TM has-session -t tt 2>/dev/null; then fail "q should quit"; else ok "q quits"; fi

for f in "$T"/san.*; do
	[ -f "$f" ] || continue
	fail "sanitizer report $(basename "$f")"; head -20 "$f"
done

echo "$fails failed"
[ "$fails" -eq 0 ]
