#!/usr/bin/env bash
# report.sh — `tokentop report` from the shell: a ledger seeded through the
# store API (build/tests/test_report_cli --seed), then CSV sums, JSON keys and
# figures, the table's width and the exit statuses of bad input.
set -eu
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
export TZ=Asia/Seoul
DB=$T/usage.db
tt() { "$B/tokentop" --db "$DB" report "$@"; }

"$B/tests/test_report_cli" --seed "$DB"

# CSV: the documented header, one line per local day, sums to the nano
tt daily --csv >"$T/d.csv"
head -1 "$T/d.csv" | grep -qx 'date,requests,input_tokens,cache_write_5m_tokens,cache_write_1h_tokens,cache_read_tokens,output_tokens,cache_hit_ratio,cost_usd,tool_cost_usd,web_search_requests,code_execution_requests' \
	|| tt_die "csv header: $(head -1 "$T/d.csv")"
[ "$(wc -l <"$T/d.csv")" -eq 3 ] || tt_die "csv lines: $(cat "$T/d.csv")"
sums=$(awk -F, 'NR > 1 { r += $2; i += $3; w5 += $4; w1 += $5; rd += $6; o += $7; c += $9 }
	END { printf "%d %d %d %d %d %d %.9f", r, i, w5, w1, rd, o, c }' "$T/d.csv")
[ "$sums" = "5 409601 1000 4000 50000 4400 1.860756000" ] || tt_die "csv sums: $sums"
grep -q '^2025-11-11,1,500,0,4000,0,300,0.000000,0.01,0,0,0$' "$T/d.csv" || tt_die "csv day 2: $(cat "$T/d.csv")"

# JSON: totals without a key, with the savings keys; the unpriced model named
tt daily --json >"$T/d.json"
for k in '"rows"' '"totals"' '"unpriced_models"' '"cost_usd": 1.860756' \
	'"saved_by_cache_usd": 0.01775' '"saved_by_batch_usd": 0.0125' '"saved_by_routing_usd": 0' \
	'"saved_by_compression_usd": 0' '"saved_usd": 0.03025' '"mystery-model-1"' '"date": "2025-11-11"'; do
	grep -qF "$k" "$T/d.json" || tt_die "json lacks $k: $(cat "$T/d.json")"
done
if command -v jq >/dev/null 2>&1; then
	[ "$(jq '.totals | has("date")' "$T/d.json")" = false ] || tt_die "totals carry a key"
	[ "$(jq '[.rows[].requests] | add' "$T/d.json")" = 5 ] || tt_die "json requests"
fi

# the --until day is included; --tz overrides TZ
tt daily --tz UTC --since 2025-11-10 --until 2025-11-10 --csv | grep -q '^2025-11-10,5,' \
	|| tt_die "--until not inclusive"
tt models --model claude-sonnet-4-5 --csv | awk -F, 'NR > 1 { n += $2 } END { exit n != 2 }' \
	|| tt_die "model filter (dated and undated)"
tt tags --csv | grep -q '^nightly,2,' || tt_die "tags"

# tables fit 80 columns and name unpriced models
for k in daily weekly monthly models sources tags savings; do
	tt "$k" >"$T/t.txt"
	awk 'length($0) > 80 { exit 1 }' "$T/t.txt" || tt_die "$k: wider than 80 columns"
	grep -q 'mystery-model-1' "$T/t.txt" || tt_die "$k: unpriced model not named"
	grep -q '^saved ' "$T/t.txt" || tt_die "$k: no savings line"
done

# usage errors exit 2 with a message
for bad in "--since 2025-02-30" "--until 11/10/2025" "--tz Nowhere/City" "--bogus" "yearly"; do
	set +e
	# shellcheck disable=SC2086
	tt $bad >/dev/null 2>"$T/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || tt_die "report $bad: exit $rc, want 2"
	[ -s "$T/err" ] || tt_die "report $bad: no message"
done
tt_done
