#!/usr/bin/env bash
# route_compress.sh — black-box test of `tokentop route` and `tokentop
# compress`: output, JSON keys, rules override, baseline from the config,
# exit codes, budget and byte-for-byte determinism. Needs bash, grep, cmp.
set -u
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
TT=$B/tokentop
export TOKENTOP_DB=$T/usage.db

# ---- route ------------------------------------------------------------------
out=$("$TT" route "Please analyse this contract"); tt_eq "route exit" $? 0
tt_has "route tier" "$out" "tier        complex"
tt_has "route rule" "$out" 'rule        keyword:complex:"analyse"'
tt_has "route model" "$out" "model       claude-opus-4-6"
tt_has "route upper bound" "$out" "max_tokens"

out=$("$TT" route --json "이 보고서를 요약해줘")
tt_has "json tier" "$out" '"tier": "simple"'
tt_has "json rule korean" "$out" '"rule": "keyword:simple:\"요약\""'
tt_has "json model" "$out" '"model": "claude-haiku-4-5"'
tt_has "json max_tokens" "$out" '"max_tokens": 1024'
tt_has "json baseline" "$out" '"baseline_model": "claude-opus-4-6"'
keys=$(printf '%s\n' "$out" | grep -o '^  "[a-z_]*"' | tr -d ' "' | tr '\n' ,)
tt_eq "json keys exactly" "$keys" "tier,rule,model,max_tokens,estimated_cost_usd,baseline_model,baseline_cost_usd,provider,baseline_provider,"
# haiku $1/$5 per MTok: 8 input tokens (29 bytes/4, up) + 1024 output = $0.005128
tt_has "json cost" "$out" '"estimated_cost_usd": 0.005128'
# the same tokens on opus 4.6 at $5/$25: 0.00004 + 0.0256
tt_has "json baseline cost" "$out" '"baseline_cost_usd": 0.02564'

out=$(seq 1 600 | tr '\n' ' ' | "$TT" route --json -)
tt_has "stdin words>500" "$out" '"rule": "words>500"'

mkdir -p "$XDG_CONFIG_HOME/tokentop"
cat >"$XDG_CONFIG_HOME/tokentop/router.json" <<'J'
{"tiers":{"simple":{"model":"claude-haiku-4-5","max_tokens":100},
 "medium":{"model":"claude-sonnet-4-5","max_tokens":200},
 "complex":{"model":"claude-opus-4-5","max_tokens":300}},
 "rules":[{"type":"keywords","tier":"medium","keywords":["hello"]}]}
J
out=$("$TT" route --json "hello there")
tt_has "user rules used" "$out" '"rule": "keyword:medium:\"hello\""'
tt_has "user baseline = complex tier" "$out" '"baseline_model": "claude-opus-4-5"'
echo '{"baseline_model":"claude-sonnet-4-5"}' >"$T/config.json"
out=$("$TT" --config "$T/config.json" route --json "hello there")
tt_has "config baseline" "$out" '"baseline_model": "claude-sonnet-4-5"'
rm "$XDG_CONFIG_HOME/tokentop/router.json"

echo '{"tiers":{}, "rules":[]}' >"$T/bad.json"
err=$("$TT" route --rules "$T/bad.json" hi 2>&1 >/dev/null); tt_eq "bad rules exit" $? 1
tt_has "bad rules names file and field" "$err" "$T/bad.json: tiers.simple: missing"
"$TT" route >/dev/null 2>&1; tt_eq "no prompt = usage" $? 2
"$TT" route --frobnicate x >/dev/null 2>&1; tt_eq "unknown option = usage" $? 2
"$TT" route --help | grep -q "upper bound"; tt_eq "route --help" $? 0

# ---- compress ----------------------------------------------------------------
S=(share/samples/rag/*.txt)
"$TT" compress --query "batch discount 배치" --budget 400 "${S[@]}" >"$T/a.out" 2>"$T/a.err"
tt_eq "compress exit" $? 0
"$TT" compress --query "batch discount 배치" --budget 400 "${S[@]}" >"$T/b.out" 2>/dev/null
cmp -s "$T/a.out" "$T/b.out"; tt_eq "compress deterministic" $? 0
tt_has "summary on stderr" "$(cat "$T/a.err")" "41 chunks -> "
tt_has "duplicates in summary" "$(cat "$T/a.err")" "7 duplicates dropped: 2 exact, 5 near"
bytes=$(($(wc -c <"$T/a.out") - 1))
[ "$bytes" -gt 0 ] && [ $(((bytes + 3) / 4)) -le 400 ]; tt_eq "budget respected ($bytes bytes)" $? 0
tt_has "relevant chunk kept" "$(cat "$T/a.out")" "Message Batches"

"$TT" compress --query "캐시" --budget 100 - <share/samples/rag/korean_kb.txt >"$T/c.out" 2>/dev/null
tt_has "stdin korean" "$(cat "$T/c.out")" "캐시"
out=$("$TT" compress --json --query q "${S[@]}" 2>/dev/null)
tt_has "json before" "$out" '"chunks_before": 41'
tt_has "json after" "$out" '"chunks_after": 34'
tt_has "json dups" "$out" '"duplicates_dropped": 7'
tt_has "json fate" "$out" '"fate": "near_duplicate"'
"$TT" compress --budget 5 x >/dev/null 2>&1; tt_eq "no query = usage" $? 2
"$TT" compress --query q --budget ten x >/dev/null 2>&1; tt_eq "bad budget = usage" $? 2
"$TT" compress --query q "$T/missing.txt" >/dev/null 2>&1; tt_eq "missing file = runtime" $? 1
"$TT" compress --help | grep -q -- "---"; tt_eq "compress --help" $? 0

tt_done
