#!/usr/bin/env bash
# route_compress.sh — black-box test of `tokentop route` and `tokentop
# compress`: output, JSON keys, rules override, baseline from the config,
# exit codes, budget and byte-for-byte determinism. Needs bash, grep, cmp.
set -u
cd "$(dirname "$0")/.."
BUILD=${TOKENTOP_BUILD:-build}
TT=$PWD/$BUILD/tokentop
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TOKENTOP_DATADIR=$PWD/share HOME=$tmp/home XDG_CONFIG_HOME=$tmp/config
export XDG_DATA_HOME=$tmp/data TOKENTOP_DB=$tmp/usage.db
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL
mkdir -p "$HOME"
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
has() { case "$2" in *"$3"*) ok "$1" ;; *) bad "$1: want '$3' in: ${2:0:600}" ;; esac; }
eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi; }

# ---- route ------------------------------------------------------------------
out=$("$TT" route "Please analyse this contract"); eq "route exit" $? 0
has "route tier" "$out" "tier        complex"
has "route rule" "$out" 'rule        keyword:complex:"analyse"'
has "route model" "$out" "model       claude-opus-4-6"
has "route upper bound" "$out" "max_tokens"

out=$("$TT" route --json "이 보고서를 요약해줘")
has "json tier" "$out" '"tier": "simple"'
has "json rule korean" "$out" '"rule": "keyword:simple:\"요약\""'
has "json model" "$out" '"model": "claude-haiku-4-5"'
has "json max_tokens" "$out" '"max_tokens": 1024'
has "json baseline" "$out" '"baseline_model": "claude-opus-4-6"'
keys=$(printf '%s\n' "$out" | grep -o '^  "[a-z_]*"' | tr -d ' "' | tr '\n' ,)
eq "json keys exactly" "$keys" "tier,rule,model,max_tokens,estimated_cost_usd,baseline_model,baseline_cost_usd,"
# haiku $1/$5 per MTok: 8 input tokens (29 bytes/4, up) + 1024 output = $0.005128
has "json cost" "$out" '"estimated_cost_usd": 0.005128'
# the same tokens on opus 4.6 at $5/$25: 0.00004 + 0.0256
has "json baseline cost" "$out" '"baseline_cost_usd": 0.02564'

out=$(seq 1 600 | tr '\n' ' ' | "$TT" route --json -)
has "stdin words>500" "$out" '"rule": "words>500"'

mkdir -p "$XDG_CONFIG_HOME/tokentop"
cat >"$XDG_CONFIG_HOME/tokentop/router.json" <<'J'
{"tiers":{"simple":{"model":"claude-haiku-4-5","max_tokens":100},
 "medium":{"model":"claude-sonnet-4-5","max_tokens":200},
 "complex":{"model":"claude-opus-4-5","max_tokens":300}},
 "rules":[{"type":"keywords","tier":"medium","keywords":["hello"]}]}
J
out=$("$TT" route --json "hello there")
has "user rules used" "$out" '"rule": "keyword:medium:\"hello\""'
has "user baseline = complex tier" "$out" '"baseline_model": "claude-opus-4-5"'
echo '{"baseline_model":"claude-sonnet-4-5"}' >"$tmp/config.json"
out=$("$TT" --config "$tmp/config.json" route --json "hello there")
has "config baseline" "$out" '"baseline_model": "claude-sonnet-4-5"'
rm "$XDG_CONFIG_HOME/tokentop/router.json"

echo '{"tiers":{}, "rules":[]}' >"$tmp/bad.json"
err=$("$TT" route --rules "$tmp/bad.json" hi 2>&1 >/dev/null); eq "bad rules exit" $? 1
has "bad rules names file and field" "$err" "$tmp/bad.json: tiers.simple: missing"
"$TT" route >/dev/null 2>&1; eq "no prompt = usage" $? 2
"$TT" route --frobnicate x >/dev/null 2>&1; eq "unknown option = usage" $? 2
"$TT" route --help | grep -q "upper bound"; eq "route --help" $? 0

# ---- compress ----------------------------------------------------------------
S=(share/samples/rag/*.txt)
"$TT" compress --query "batch discount 배치" --budget 400 "${S[@]}" >"$tmp/a.out" 2>"$tmp/a.err"
eq "compress exit" $? 0
"$TT" compress --query "batch discount 배치" --budget 400 "${S[@]}" >"$tmp/b.out" 2>/dev/null
cmp -s "$tmp/a.out" "$tmp/b.out"; eq "compress deterministic" $? 0
has "summary on stderr" "$(cat "$tmp/a.err")" "41 chunks -> "
has "duplicates in summary" "$(cat "$tmp/a.err")" "7 duplicates dropped: 2 exact, 5 near"
bytes=$(($(wc -c <"$tmp/a.out") - 1))
[ "$bytes" -gt 0 ] && [ $(((bytes + 3) / 4)) -le 400 ]; eq "budget respected ($bytes bytes)" $? 0
has "relevant chunk kept" "$(cat "$tmp/a.out")" "Message Batches"

"$TT" compress --query "캐시" --budget 100 - <share/samples/rag/korean_kb.txt >"$tmp/c.out" 2>/dev/null
has "stdin korean" "$(cat "$tmp/c.out")" "캐시"
out=$("$TT" compress --json --query q "${S[@]}" 2>/dev/null)
has "json before" "$out" '"chunks_before": 41'
has "json after" "$out" '"chunks_after": 34'
has "json dups" "$out" '"duplicates_dropped": 7'
has "json fate" "$out" '"fate": "near_duplicate"'
"$TT" compress --budget 5 x >/dev/null 2>&1; eq "no query = usage" $? 2
"$TT" compress --query q --budget ten x >/dev/null 2>&1; eq "bad budget = usage" $? 2
"$TT" compress --query q "$tmp/missing.txt" >/dev/null 2>&1; eq "missing file = runtime" $? 1
"$TT" compress --help | grep -q -- "---"; eq "compress --help" $? 0

echo
[ "$fails" -eq 0 ] && echo "route_compress: all passed" || echo "route_compress: $fails failed"
[ "$fails" -eq 0 ]
