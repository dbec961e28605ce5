#!/usr/bin/env bash
# import_shapes.sh — generated transcript trees of both shapes (bench/
# gen_transcripts: --shape responses, many small sessions full of streaming
# copies; --shape bytes, few large ones) imported into a fresh ledger: every
# figure of the daily, monthly, models, tags and savings reports equals the
# generator's manifest, to the token and the nano-dollar; a re-import reads
# nothing and adds nothing; a copy of the tree read again changes nothing.
set -eu
. "$(dirname "$0")/lib/common.sh"
tt_need python3 jq
tt_tmpdir
export TZ=UTC
TT=$B/tokentop
GEN=$B/bench/gen_transcripts
[ -x "$GEN" ] || tt_die "$GEN not built (make unit builds it)"

# check_reports DB MANIFEST: every report figure against the manifest.
check_reports() {
	local kind
	for kind in daily monthly models tags savings; do
		"$TT" --db "$1" report $kind --json >"$T/$kind.json" || tt_die "report $kind"
	done
	python3 - "$2" "$T" <<'EOF' || tt_fail "reports equal the manifest (see above)"
import json, sys
man, d = sys.argv[1], sys.argv[2]
want = {"day": {}, "model": {}, "total": {}}
for line in open(man):
    f = line.split()
    if f[0] in want:
        want[f[0]][f[1]] = [int(x) for x in f[2:]]
months = {}
for day, v in want["day"].items():
    m = months.setdefault(day[:7], [0] * 8)
    for i, x in enumerate(v):
        m[i] += x
keys = ["requests", "input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
        "cache_read_tokens", "output_tokens", "cost_usd", "saved_by_cache_usd"]
bad = 0
def same(what, row, v):
    global bad
    for k, x in zip(keys, v):
        if k not in row:
            continue
        got = round(row[k] * 1e9) if k.endswith("_usd") else row[k]
        if got != x:
            print(f"{what}: {k} = {got}, manifest {x}")
            bad += 1
def rows(kind, key):
    return {r[key]: r for r in json.load(open(f"{d}/{kind}.json"))["rows"]}
total = want["total"]["all"]
for kind, key, exp in (("daily", "date", want["day"]), ("savings", "date", want["day"]),
                       ("monthly", "month", months), ("models", "model", want["model"]),
                       ("tags", "tag", {"gen": total})):
    got = rows(kind, key)
    if sorted(got) != sorted(exp):
        print(f"{kind}: groups {sorted(got)[:5]}..., manifest {sorted(exp)[:5]}...")
        bad += 1
    for k in exp:
        if k in got:
            same(f"{kind} {k}", got[k], exp[k])
    same(f"{kind} totals", json.load(open(f"{d}/{kind}.json"))["totals"], total)
print(f"{len(want['day'])} days, {len(want['model'])} models, {total[0]} responses: "
      f"{bad} figures differ")
sys.exit(1 if bad else 0)
EOF
	tt_ok "reports equal the manifest"
}

# json KEY < text: a top-level value of import's one-line summary
json() { jq -r ".$1"; }
man() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

for shape in responses bytes; do
	tree=$T/$shape db=$T/$shape.db
	[ $shape = responses ] && mb=4 || mb=12
	"$GEN" --out "$tree" --shape $shape --mb $mb --days 45 --end 2026-03-10 --seed 7 ||
		tt_die "gen_transcripts --shape $shape"
	files=$(man files "$tree/manifest")
	out=$("$TT" --db "$db" import --tag gen --json "$tree/projects") ||
		tt_die "$shape: import failed: $out"
	tt_eq "$shape: files" "$(echo "$out" | json files)" "$files"
	tt_eq "$shape: lines" "$(echo "$out" | json lines)" "$(man lines "$tree/manifest")"
	tt_eq "$shape: added = distinct responses" "$(echo "$out" | json added)" \
	    "$(man responses "$tree/manifest")"
	tt_eq "$shape: malformed" "$(echo "$out" | json malformed)" 0
	check_reports "$db" "$tree/manifest"

	out=$("$TT" --db "$db" import --tag gen --json "$tree/projects") || tt_die "re-import"
	tt_eq "$shape: re-import reads no line" "$(echo "$out" | json lines)" 0
	tt_eq "$shape: re-import adds nothing" "$(echo "$out" | json added)" 0

	# the same lines under other paths (no marks): all duplicates
	cp -R "$tree/projects" "$T/copy-$shape"
	out=$("$TT" --db "$db" import --tag gen --json "$T/copy-$shape") || tt_die "copy import"
	tt_eq "$shape: a copy adds nothing" "$(echo "$out" | json added)" 0
	tt_eq "$shape: nor replaces anything" "$(echo "$out" | json replaced)" 0
	check_reports "$db" "$tree/manifest"
done
[ "$(man files "$T/responses/manifest")" -ge 40 ] || tt_fail "responses shape: too few files"
[ "$(man files "$T/bytes/manifest")" -ge 2 ] || tt_fail "bytes shape: too few files"
tt_done
