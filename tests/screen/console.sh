#!/usr/bin/env bash
# console.sh — the live console in tmux against a seeded ledger: the header
# and model rows equal `tokentop report … --json`; help, filter, sort,
# reports (with export), batches; a row written by another process shows
# within seconds; 80×24 tabbed, 60×15 too small; q quits.
# Runs with TOKENTOP_BUILD=build (tests/run.sh). Private tmux socket, temp
# directory, everything removed at exit.
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux
tt_tmpdir
tt_tmux
tt_noon        # rows minutes old are today at any hour (common.sh)
DB=$T/usage.db
TT="$B/tokentop --db $DB"

# the seeding helper writes through data/store.h like any other process
tt_seed_db
"$T/seed_db" "$DB" batches || tt_die "seeding batches failed"

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
$TT import --format claude-code "$T/history.jsonl" >/dev/null || tt_die "import failed"

# money_of JSON_FILE FIELD (in "totals"): "$12.34", rounded half up like the console
totals_usd() {
	awk -v f="\"$2\":" '/"totals"/ { t = 1 } t && $1 == f { gsub(/,/, "", $2); print $2; exit }' "$1"
}
usd() { awk -v v="$1" 'BEGIN { c = int(v * 100 + 0.5 + 1e-9); printf "$%d.%02d\n", c / 100, c % 100 }'; }

# ---- start at 120×34 ---------------------------------------------------------
tt_console tt 120x34 "$TT"

today=$(date +%F)
$TT report daily --since "$today" --json >"$T/today.json"
want=$(usd "$(totals_usd "$T/today.json" cost_usd)")
if tt_screen | head -1 | grep -qF "today $want"; then tt_ok "header today $want"; else
	tt_fail "header should say today $want"; tt_screen | head -1; fi

# savings: the header's "saved today" and the Cache pane's per-lever figures
# (today, month) equal `report savings --json` totals
month1=$(date +%Y-%m-01)
$TT report savings --since "$today" --json >"$T/sav_today.json"
$TT report savings --since "$month1" --json >"$T/sav_month.json"
st=$(usd "$(totals_usd "$T/sav_today.json" saved_usd)")
if tt_screen | head -1 | grep -qF "saved today $st"; then tt_ok "header saved today $st"
else tt_fail "header should say saved today $st"; tt_screen | head -1; fi
for lv in cache:saved_by_cache_usd batch:saved_by_batch_usd routing:saved_by_routing_usd \
	compression:saved_by_compression_usd total:saved_usd; do
	name=${lv%%:*} f=${lv#*:}
	a=$(usd "$(totals_usd "$T/sav_today.json" "$f")")
	m=$(usd "$(totals_usd "$T/sav_month.json" "$f")")
	line=$(tt_screen | grep -E "│   $name " | head -1)
	if echo "$line" | grep -qE " ${a/\$/\\$} +${m/\$/\\$} "; then tt_ok "saved by $name: $a today, $m month"
	else tt_fail "saved by $name should be $a today, $m month"; echo "  got: $line"; fi
done
grep -q '"saved_by_cache_usd": -' "$T/sav_today.json" && tt_fail "seed should save by caching, not lose"

# the daily bars: yesterday and three days ago as `report daily` has them
for back in 1 3; do
	day=$(date -d "-$back day" +%F)
	$TT report daily --since "$day" --until "$day" --json >"$T/day.json"
	want_d=$(usd "$(totals_usd "$T/day.json" cost_usd)")
	label=$(date -d "-$back day" "+%a %b %d")
	if tt_screen | grep -F "│ $label " | grep -qF " $want_d "; then tt_ok "daily bar $label $want_d"
	else tt_fail "daily bar $label should say $want_d"; tt_screen | grep -F "$label"; fi
done

# every model row of today: requests and cost as the report has them
$TT report models --since "$today" --csv >"$T/models.csv"
$TT report models --since "$today" --json |
	awk '/"unpriced_models"/ { u = 1; next } u && /\]/ { u = 0 } u { gsub(/[",[:space:]]/, ""); print }' \
	>"$T/unpriced.txt"
while IFS=, read -r model reqs _ _ _ _ _ _ cost; do
	[ "$model" = model ] && continue
	line=$(tt_screen | grep -E "│ [AO] $model " | head -1)   # the provider's mark, then the model
	if grep -qxF "$model" "$T/unpriced.txt"; then c=unpriced; else c=$(usd "$cost"); fi
	if echo "$line" | grep -qE " $reqs +.* +${c/\$/\\$}( |\+)"; then tt_ok "row $model $reqs $c"
	else tt_fail "row $model should show $reqs requests and $c"; echo "  got: $line"; fi
done <"$T/models.csv"
grep -q claude-nova-9 "$T/models.csv" || tt_fail "seed should include an unpriced model"

# ---- help --------------------------------------------------------------------
tm send-keys -t tt F1
if tt_wait_for "Everywhere" 2 && tt_screen | grep -qF "filter models by name"; then tt_ok "help lists keys"
else tt_fail "help"; fi
tt_screen | head -1 | grep -qF "org: no admin key" && tt_ok "help: org: no admin key" || tt_fail "help org note"
tm send-keys -t tt Escape
tt_wait_for "Daily spend" 2 || tt_fail "Esc leaves help"

# ---- filter and sort ----------------------------------------------------------
tm send-keys -t tt / h a i k u Enter
sleep 0.3
if tt_screen | grep -qF "filter: haiku" && tt_screen | grep -qF "claude-haiku-4-5" &&
   ! tt_screen | grep -qF "claude-opus-4-1 "; then tt_ok "filter keeps only haiku"
else tt_fail "filter"; tt_screen | sed -n 2,8p; fi
tm send-keys -t tt Escape
sleep 0.3
tt_screen | grep -qF "claude-opus-4-1" || tt_fail "Esc clears the filter"
tm send-keys -t tt s          # cost → model (ascending)
sleep 0.3
order=$(tt_screen | grep -oE "claude-(haiku|nova|opus|sonnet)[-0-9]*" | sed -n 1,4p | tr '\n' ' ')
if tt_screen | grep -qF "model▲" && [ "$order" = "$(echo "$order" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')" ]
then tt_ok "sort by model: $order"; else tt_fail "sort by model: $order"; fi

# Enter on the selected model (haiku, first by name) opens its days in Reports
tm send-keys -t tt Enter
if tt_wait_for "model claude-haiku-4-5" 2 && tt_screen | grep -qF "Spend by day"; then tt_ok "drill a model to its days"
else tt_fail "drill a model"; tt_screen | head -3; fi
tm send-keys -t tt x g Escape      # no model filter, by month again, back
tt_wait_for "Daily spend" 2 || tt_fail "Esc back from reports"

# ---- a row from another process -------------------------------------------------
printf '{"id":"msg_live_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":"end_turn","usage":{"input_tokens":1000000,"output_tokens":0}}\n' >"$T/one.jsonl"
$TT import --format messages "$T/one.jsonl" >/dev/null || tt_fail "import of one more row"
$TT report daily --since "$today" --json >"$T/today2.json"
want2=$(usd "$(totals_usd "$T/today2.json" cost_usd)")
[ "$want2" != "$want" ] || tt_fail "the new row should change today's spend"
if tt_wait_for "today $want2" 3; then tt_ok "header follows the ledger: today $want2"
else tt_fail "header should change to today $want2"; tt_screen | head -1; fi

# ---- reports and export ---------------------------------------------------------
tm send-keys -t tt F2
tt_wait_for "Spend by month" 2 && tt_ok "reports screen" || tt_fail "reports screen"
tm send-keys -t tt e Enter
if tt_wait_for "wrote $T/tokentop-report.csv" 2 || tt_wait_for "wrote" 1; then tt_ok "export says where"
else tt_fail "export message"; tt_screen | tail -1; fi
if [ -f "$T/tokentop-report.csv" ] && head -1 "$T/tokentop-report.csv" | grep -q '^month,requests' &&
   grep -q '^total,' "$T/tokentop-report.csv"; then tt_ok "export CSV written"
else tt_fail "export CSV"; fi
month=$(date +%Y-%m)
tm send-keys -t tt Enter
if tt_wait_for "by day > $month" 2 && tt_screen | grep -qF "$month-01"; then tt_ok "drill month to days"
else tt_fail "drill month"; tt_screen | head -4; fi
tm send-keys -t tt End Enter
if tt_wait_for "by hour > $month > $today" 2; then tt_ok "drill day to hours"; else tt_fail "drill day"; tt_screen | head -4; fi
tm send-keys -t tt Escape Escape
d3=$(date -d '-3 day' +%F)
tm send-keys -t tt r
tm send-keys -t tt -l "$d3..$today"
tm send-keys -t tt Enter
if tt_wait_for "Reports  $d3..$today  by month" 2; then tt_ok "a date range"; else tt_fail "date range"; tt_screen | head -2; fi
tm send-keys -t tt r Enter            # empty: the default range again
tm send-keys -t tt b e C-u
tm send-keys -t tt -l "by-source.json"
tm send-keys -t tt Enter
if tt_wait_for "wrote $T/by-source.json" 2 && grep -q '"month": "' "$T/by-source.json" &&
   grep -q '"totals"' "$T/by-source.json"; then tt_ok "export JSON"; else tt_fail "export JSON"; tt_screen | tail -1; fi
tm send-keys -t tt Escape

# ---- batches --------------------------------------------------------------------
tm send-keys -t tt F3
if tt_wait_for "msgbatch_01SEEDRUNNING0000000001" 2; then tt_ok "batches list"; else tt_fail "batches list"; fi
tm send-keys -t tt Down Enter
if tt_wait_for "succeeded 248" 2; then tt_ok "batch detail"; else tt_fail "batch detail"; tt_screen; fi
tm send-keys -t tt Escape Escape
tt_wait_for "Daily spend" 2 || tt_fail "back to the dashboard"

# ---- sizes ----------------------------------------------------------------------
tm resize-window -t tt -x 80 -y 24
if tt_wait_for "Tab:" 2 && tt_screen | head -1 | grep -qF "today $want2"; then tt_ok "80x24 tabbed"
else tt_fail "80x24"; tt_screen; fi
tm resize-window -t tt -x 60 -y 15
if tt_wait_for "needs at least 80x24 (now 60x15)" 2; then tt_ok "60x15 too small"; else tt_fail "too small"; tt_screen; fi
tm resize-window -t tt -x 120 -y 34
tt_wait_for "Daily spend" 2 || tt_fail "back to 120x34"

# ---- ASCII and monochrome: a C locale and --no-color ------------------------------
tm new-session -d -s asc -x 100 -y 30 "env LANG=C LC_ALL=C $TT --no-color"
tt_wait_for live 5 asc || :
asc=$(tt_screen asc)
if echo "$asc" | grep -q '^+ Models - today -' && echo "$asc" | grep -q '#' &&
   ! echo "$asc" | LC_ALL=C grep -q $'[\x80-\xff]'; then tt_ok "ASCII fallback"
else tt_fail "ASCII fallback"; echo "$asc" | head -5; fi
if tm capture-pane -e -p -t asc | grep -qE $'\e\[(3[0-7]|4[0-7])m'; then tt_fail "--no-color still colours"
else tt_ok "--no-color: no colours"; fi
tm kill-session -t asc

# ---- quit -------------------------------------------------------------------------
tm send-keys -t tt q
for ((i = 0; i < 30; i++)); do tm has-session -t tt 2>/dev/null || break; sleep 0.1; done
if tm has-session -t tt 2>/dev/null; then tt_fail "q should quit"; else tt_ok "q quits"; fi
tt_done
