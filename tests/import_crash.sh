#!/usr/bin/env bash
# import_crash.sh — imports killed with -9 at random points, then run to
# the end: the ledger has every response once (every token counted, no
# response twice, every report figure equal to the generators' manifests),
# because each file's mark is committed in the same transaction as the rows
# it accounts for. Two trees: many small sessions (--shape responses) and a
# few large ones (--shape bytes: marks also move mid-file). The kill points
# are spread over the time one whole import takes here (measured first, on a
# scratch ledger), so they land before, between and during commits
# (TOKENTOP_IMPORT_GROUP_ROWS makes them many); nothing asserts on time.
# IMPORT_CRASH_SEED=N repeats a run's kill points.
set -eu
. "$(dirname "$0")/lib/common.sh"
tt_need python3 jq
tt_tmpdir
export TZ=UTC TOKENTOP_IMPORT_GROUP_ROWS=300
TT=$B/tokentop
GEN=$B/bench/gen_transcripts
[ -x "$GEN" ] || tt_die "$GEN not built (make unit builds it)"
"$GEN" --out "$T/a" --shape responses --mb 16 --days 30 --end 2026-02-01 --seed 5 &&
	"$GEN" --out "$T/b" --shape bytes --mb 16 --days 30 --end 2026-02-01 --seed 6 ||
	tt_die "gen_transcripts"
TREES=("$T/a/projects" "$T/b/projects")
# the two manifests' figures added up, one "KIND KEY figures..." line each
cat "$T/a/manifest" "$T/b/manifest" | awk '$1 ~ /^(day|model|total)$/ {
	k = $1 " " $2; if (!(k in n)) order[++m] = k; n[k] = 1
	for (i = 3; i <= NF; i++) v[k, i] += $i; nf[k] = NF }
	END { for (j = 1; j <= m; j++) { k = order[j]; printf "%s", k
		for (i = 3; i <= nf[k]; i++) printf " %d", v[k, i]; print "" } }' >"$T/manifest"
want=$(awk '$1 == "total" { print $3 "|" $4 + $5 + $6 + $7 + $8 }' "$T/manifest")

t0=$(date +%s%N)
"$TT" --db "$T/scratch.db" import --json "${TREES[@]}" >/dev/null || tt_die "scratch import"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
seed=${IMPORT_CRASH_SEED:-$$}
echo "one import: $ms ms; kill points from IMPORT_CRASH_SEED=$seed"
RANDOM=$seed
SUMS="SELECT count(*), sum(input + write_5m + write_1h + cache_read + output) FROM usage"
DUPS="SELECT count(*) FROM (SELECT dedupe_key FROM usage GROUP BY dedupe_key HAVING count(*) > 1)"
killed=0
for trial in 1 2 3 4; do
	DB=$T/usage-$trial.db
	# two imports killed at random points, the second one usually sooner
	for cut in 1 2; do
		"$TT" --db "$DB" import --json "${TREES[@]}" >/dev/null 2>&1 &
		pid=$!
		delay=$(( RANDOM * (ms / cut + 20) / 32768 ))
		sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
		kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
		wait "$pid" 2>/dev/null || true
		echo "trial $trial: import killed after $delay ms:" \
		    "$(sqlite3 -readonly "$DB" 'SELECT count(*) FROM usage' 2>/dev/null || echo 0) rows kept"
	done
	out=$("$TT" --db "$DB" import --json "${TREES[@]}") || tt_die "final import: $out"
	tt_eq "trial $trial: no malformed line" "$(echo "$out" | jq -r .malformed)" 0
	tt_eq "trial $trial: every response once, every token" \
	    "$(sqlite3 -readonly "$DB" "$SUMS")" "$want"
	tt_eq "trial $trial: no response twice" "$(sqlite3 -readonly "$DB" "$DUPS")" 0
done
echo "$killed of 8 imports killed before they ended"

# Two imports of the same trees at once (each commits in groups, so they take
# turns). The marks are read when an import begins; lines of a file that the
# other one imported in the meantime are skipped (counted as duplicates), so
# both end well and the ledger is whole before any further run.
for trial in 1 2; do
	DB2=$T/both-$trial.db
	"$TT" --db "$DB2" import --json "${TREES[@]}" >"$T/one.out" 2>"$T/one.err" &
	p1=$!
	"$TT" --db "$DB2" import --json "${TREES[@]}" >"$T/two.out" 2>"$T/two.err" &
	p2=$!
	rc1=0 rc2=0
	wait "$p1" || rc1=$?
	wait "$p2" || rc2=$?
	tt_eq "both at once, trial $trial: both end well" "$rc1 $rc2 $(cat "$T/one.err" "$T/two.err")" "0 0 "
	tt_eq "both at once, trial $trial: every response once, every token" \
	    "$(sqlite3 -readonly "$DB2" "$SUMS")" "$want"
	tt_eq "both at once, trial $trial: no response twice" \
	    "$(sqlite3 -readonly "$DB2" "$DUPS")" 0
	tt_eq "both at once, trial $trial: together they added each response once" \
	    "$(( $(jq .added "$T/one.out") + $(jq .added "$T/two.out") ))" "${want%%|*}"
	out=$("$TT" --db "$DB2" import --json "${TREES[@]}") || tt_die "after both: $out"
	tt_eq "both at once, trial $trial: a third run reads nothing" "$(echo "$out" | jq -r .lines)" 0
done

for kind in daily models; do
	"$TT" --db "$DB" report $kind --json >"$T/$kind.json" || tt_die "report $kind"
done
python3 - "$T/manifest" "$T" >"$T/check.out" <<'EOF' && rc=0 || rc=$?
import json, sys
man, d = sys.argv[1], sys.argv[2]
want = {"day": {}, "model": {}}
for line in open(man):
    f = line.split()
    if f[0] in want:
        want[f[0]][f[1]] = [int(x) for x in f[2:]]
# (costs of two trees' cells added up are not the cost of the cells' tokens:
# one rounding each; import_shapes.sh checks costs)
keys = ["requests", "input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
        "cache_read_tokens", "output_tokens"]
bad = 0
for kind, key, exp in (("daily", "date", want["day"]), ("models", "model", want["model"])):
    rows = {r[key]: r for r in json.load(open(f"{d}/{kind}.json"))["rows"]}
    if sorted(rows) != sorted(exp):
        print(f"{kind}: groups differ"); bad += 1; continue
    for g, v in exp.items():
        for k, x in zip(keys, v):
            if rows[g][k] != x:
                print(f"{kind} {g}: {k} {rows[g][k]}, manifest {x}"); bad += 1
sys.exit(1 if bad else 0)
EOF
cat "$T/check.out"
tt_eq "last trial: reports equal the manifests" "$rc" 0

out=$("$TT" --db "$DB" import --json "${TREES[@]}") || tt_die "re-import"
tt_eq "then a re-import reads nothing" "$(echo "$out" | jq -r .lines)" 0
tt_done
