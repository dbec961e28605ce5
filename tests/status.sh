#!/usr/bin/env bash
# status.sh — `tokentop status`: the line, --json (its keys and figures),
# --format templates, an unknown field (exit 2, named), spooled rows, and
# exit 3 once a budget is exceeded.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_seed_db
export TZ=UTC
tt_noon        # the row of 10 minutes ago is today at any hour (common.sh)
DB=$T/l.db
st() { "$B/tokentop" --config "$T/c.json" --db "$DB" status "$@"; }
echo '{}' >"$T/c.json"

# an empty ledger: zeros, no budgets, exit 0
tt_eq "empty" "$(st)" 'today $0.00 · $0.00/h → $0.00 by midnight · month $0.00'

# 100k sonnet input tokens ($0.30) 10 minutes ago, 200k ($0.60) two days
# ago (this month unless it is the 1st or 2nd)
"$T/seed_db" "$DB" at claude-sonnet-4-5 100000 10
"$T/seed_db" "$DB" at claude-sonnet-4-5 200000 2880
month=0.9
[ "$(date +%d)" -le 2 ] && month=0.3
# 150k ($0.45) stamped 40 days ahead (a clock far ahead): neither today's
# nor this month's, as for a budget and `report daily`
"$T/seed_db" "$DB" at claude-sonnet-4-5 150000 -57600
cat >"$T/c.json" <<EOF
{ "budgets": [ { "daily": "1.00", "monthly": "100" }, { "tag": "ci", "daily": "0.50" } ] }
EOF
st --json >"$T/j" || tt_die "status --json: exit $?"
tt_eq "json keys" "$(jq -c 'keys' "$T/j")" \
	'["budgets","month_usd","projected_today_usd","rate_usd_per_hour","spooled_rows","today_usd"]'
tt_eq "today, rate, month" "$(jq -r '"\(.today_usd) \(.rate_usd_per_hour) \(.month_usd) \(.spooled_rows)"' "$T/j")" \
	"0.3 0.3 $month 0"
# the projection: today + the last hour's rate × the hours left to midnight
want=$(awk -v s="$(date +%s)" -v m="$(date -d 'tomorrow 00:00' +%s)" \
    'BEGIN { left = m - s; printf "%.2f", 0.3 + 0.3 * left / 3600 }')
got=$(jq -r '.projected_today_usd * 100 | round / 100 | tostring' "$T/j")
awk -v a="$got" -v b="$want" 'BEGIN { exit !(a - b < 0.011 && b - a < 0.011) }' &&
	tt_ok "projected to midnight at the last hour's rate ($got)" || tt_fail "projection $got, want $want"
tt_eq "budgets" "$(jq -c '[.budgets[] | [.period, .tag, .spent_usd, .limit_usd, .percent, .exceeded]]' "$T/j")" \
	"[[\"daily\",\"\",0.3,1,30,false],[\"monthly\",\"\",$month,100,$month,false],[\"daily\",\"ci\",0,0.5,0,false]]"

# templates
tt_eq "template" "$(st --format '{today} {rate}/h')" '$0.3000 $0.3000/h'
tt_eq "budget field: the most used limit" "$(st --format '[{budget}] {{x}}')" '[30% daily] {x}'
set +e
st --format '{today} {cost}' >"$T/o" 2>"$T/e"; rc=$?
set -e
tt_eq "unknown field: exit 2" "$rc" 2
grep -q "unknown field '{cost}'" "$T/e" || tt_fail "names the field: $(cat "$T/e")"
[ ! -s "$T/o" ] && tt_ok "nothing printed for a bad template" || tt_fail "printed: $(cat "$T/o")"

# a budget exceeded: exit 3, and the line says it
"$T/seed_db" "$DB" at claude-sonnet-4-5 150000 5
"$T/seed_db" "$DB" at claude-sonnet-4-5 150000 6
set +e
st >"$T/o"; rc=$?
set -e
tt_eq "exceeded: exit 3" "$rc" 3
grep -q 'daily 120% of \$1.00 EXCEEDED' "$T/o" || tt_fail "line: $(cat "$T/o")"
set +e
st --format '{budget}' >"$T/o"; rc=$?
set -e
tt_eq "exit 3 with a template too" "$rc:$(cat "$T/o")" '3:120% daily'

# rows waiting in the spool are counted (status only reads: it leaves them)
export XDG_STATE_HOME=$T/state
"$T/seed_db" "$DB" spool "$T/state/tokentop/spool.db" 3 || tt_die "seed the spool"
set +e
st --json >"$T/j"; rc=$?
st >"$T/o"
set -e
tt_eq "spooled rows" "$rc:$(jq -r '"\(.spooled_rows) \(.today_usd)"' "$T/j")" "3:3 1.2"
grep -q ' · 3 rows spooled$' "$T/o" || tt_fail "the line: $(cat "$T/o")"
tt_eq "still in the spool" "$(st --json | jq .spooled_rows)" 3

tt_done
