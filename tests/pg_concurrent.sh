#!/usr/bin/env bash
# pg_concurrent.sh — many writers on one PostgreSQL ledger at once: two
# "hosts" importing the same transcripts together store each response once,
# with the rollups exactly those of one SQLite import; four importers of
# overlapping copies, and four processes calling the API side by side, leave
# rollups that equal the raw rows (no increment lost, none counted twice).
set -u
. "$(dirname "$0")/lib/common.sh"
. "$ROOT/tests/lib/pg.sh"
tt_need python3 jq
tt_tmpdir
if [ -z "${PG_URI:-}" ]; then       # run alone: a server of its own
	pg_start || tt_die "no PostgreSQL server (make deps installs postgresql)"
	trap 'rc=$?; pg_stop; (exit $rc); tt__cleanup' EXIT
fi
TT=$B/tokentop
python3 "$ROOT/tests/lib/gen_tx.py" "$T/tx" 12 150
"$TT" --db "$T/ref.db" import --json "$T/tx/projects" >"$T/ref.json" || tt_die "reference import"
want=$(sqlite3 "$T/ref.db" 'SELECT count(*) FROM usage')
tt_eq "the reference: one row a response" "$want" 1800
reports() {  # the reports that read the rollups, as one text
	local r
	for r in daily models tags savings; do "$TT" --db "$1" report $r --json; done
}
# the ledger's totals from its raw rows, as report totals --json prints them
raw() {
	pg_psql -d "$1" -At -F ' ' -c 'SELECT count(*), sum(input), sum(write_5m), sum(cache_read),
	    sum(output) FROM usage'
}
rolled() {
	"$TT" --db "$2" report --json | jq -r '.totals | "\(.requests) \(.input_tokens)'\
' \(.cache_write_5m_tokens) \(.cache_read_tokens) \(.output_tokens)"'
}

# ---- two hosts import the same transcripts at once ---------------------------
A=$(pg_newdb "tt_two_$$")
for h in 1 2; do
	HOME=$T/h$h XDG_DATA_HOME=$T/h$h "$TT" --db "$A" import --json "$T/tx/projects" \
	    >"$T/two$h.json" 2>"$T/two$h.err" &
	eval "p$h=$!"
done
wait "$p1"; r1=$?
wait "$p2"; r2=$?
tt_eq "host 1's import exits 0" "$r1" 0 || cat "$T/two1.err"
tt_eq "host 2's import exits 0" "$r2" 0 || cat "$T/two2.err"
tt_eq "one row a response" "$(pg_psql -d "tt_two_$$" -At -c 'SELECT count(*) FROM usage')" "$want"
tt_eq "added between them: each response once" \
    "$(( $(jq .added "$T/two1.json") + $(jq .added "$T/two2.json") ))" "$want"
tt_eq "reports: exactly one import's" "$(reports "$A")" "$(reports "$T/ref.db")"

# ---- four importers of overlapping copies ----------------------------------------
B4=$(pg_newdb "tt_four_$$")
i=0
for set in "000 001 002 003 004 005" "003 004 005 006 007 008" "006 007 008 009 010 011" \
    "000 002 004 006 008 010 011"; do
	i=$((i + 1))
	mkdir -p "$T/w$i"
	for f in $set; do cp "$(find "$T/tx/projects" -name "s$f.jsonl")" "$T/w$i/"; done
done
pids=()
for i in 1 2 3 4; do
	"$TT" --db "$B4" import --json "$T/w$i" >"$T/four$i.json" 2>"$T/four$i.err" & pids+=($!)
done
ok=0
for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
tt_eq "four importers exit 0" "$ok" 4 || cat "$T"/four*.err
tt_eq "one row a response" "$(pg_psql -d "tt_four_$$" -At -c 'SELECT count(*) FROM usage')" "$want"
tt_eq "reports: exactly one import's" "$(reports "$B4")" "$(reports "$T/ref.db")"
tt_eq "rollups equal the raw rows" "$(rolled x "$B4")" "$(raw "tt_four_$$")"

# ---- four processes calling at once ------------------------------------------------
tt_start_fakeapi main
export ANTHROPIC_BASE_URL=$FK_URL ANTHROPIC_API_KEY=sk-ant-test
C=$(pg_newdb "tt_calls_$$")
pids=()
for w in 1 2 3 4; do
	( for k in $(seq 12); do
		"$TT" --db "$C" call --cache off --tag "w$w" "question $w $k: $(printf 'x%.0s' $(seq $k))" \
		    >/dev/null 2>>"$T/calls.err" || exit 1
	  done ) & pids+=($!)
done
ok=0
for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
tt_eq "four callers exit 0" "$ok" 4 || cat "$T/calls.err"
tt_eq "48 rows" "$(pg_psql -d "tt_calls_$$" -At -c 'SELECT count(*) FROM usage')" 48
tt_eq "rollups equal the raw rows" "$(rolled x "$C")" "$(raw "tt_calls_$$")"
tt_eq "per tag: twelve each" "$("$TT" --db "$C" report tags --json | jq -c '[.rows[].requests]')" \
    "[12,12,12,12]"

tt_done
