#!/usr/bin/env bash
# route_openai.sh — routing across providers: the shipped example rules
# (share/router-openai.json) send the simple tier to an OpenAI small model;
# `route --json` names the provider; `call --route auto` lands on either
# provider; routing savings compare against the baseline model whichever
# provider it is on (computed by hand from the ledger).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_need jq
tt_start_fakeapi main
export ANTHROPIC_BASE_URL=$FK_URL ANTHROPIC_API_KEY=sk-ant-test
export OPENAI_BASE_URL=$FK_URL/v1 OPENAI_API_KEY=sk-openai-test
DB=$T/usage.db
tt() { "$B/tokentop" --db "$DB" "$@"; }
q() { sqlite3 -separator ' ' "$DB" "$1"; }

# ---- the shipped rules stay Anthropic-only ----
for p in "translate this" "how are you" "analyse the design"; do
	[ "$(tt route --json "$p" | jq -r .provider)" = anthropic ] || tt_die "shipped rules: $p not anthropic"
done

# ---- the example: the simple tier on OpenAI ----
mkdir -p "$T/config/tokentop"
cp "$ROOT/share/router-openai.json" "$T/config/tokentop/router.json"
tt route --json "translate this to French" >"$T/r1"
jq -e '.tier == "simple" and .provider == "openai" and .model == "gpt-4.1-nano"
	and .baseline_model == "claude-opus-4-6" and .baseline_provider == "anthropic"
	and .max_tokens == 1024' "$T/r1" >/dev/null || tt_die "route --json: $(cat "$T/r1")"
# gpt-4.1-nano $0.10/$0.40 per MTok: 6 input tokens (24 bytes/4) + 1024 output
[ "$(jq .estimated_cost_usd "$T/r1")" = 0.0004102 ] || tt_die "estimate: $(jq .estimated_cost_usd "$T/r1")"
tt route "translate this to French" | grep -q '^provider    openai$' || tt_die "route text lacks the provider"
[ "$(tt route --json "analyse the design" | jq -r .provider)" = anthropic ] || tt_die "complex tier not anthropic"

# ---- call --route auto lands on either provider ----
tt call --route auto --json "translate hello" >"$T/c1" 2>"$T/e1" || tt_die "routed call: $(cat "$T/e1")"
grep -q 'route: tier simple (rule keyword:simple:"translate") → openai/gpt-4.1-nano, max_tokens 1024' "$T/e1" ||
	tt_die "decision line: $(cat "$T/e1")"
jq -e '.provider == "openai" and .tier == "simple" and (.model | startswith("gpt-4.1-nano"))' "$T/c1" \
	>/dev/null || tt_die "routed call: $(cat "$T/c1")"
[ "$(curl -s "$FK_URL/_fake/stats" | jq '.requests["POST /v1/responses"]')" = 1 ] || tt_die "not sent to OpenAI"
tt call --route auto "analyse this design please" >/dev/null 2>&1 || tt_die "complex call"
[ "$(q "select provider || ' ' || tier from usage order by id")" = "openai simple
anthropic complex" ] || tt_die "ledger: $(q "select provider, tier from usage")"
set +e
tt call --route auto --provider openai "x" >/dev/null 2>&1; rc=$?
set -e
[ $rc = 2 ] || tt_die "--route auto with --provider: exit $rc"

# ---- routing savings against the baseline, whichever provider ----
# baseline claude-opus-4-6 ($5 in, $0.50 cached, $25 out); the routed OpenAI
# row costs gpt-4.1-nano's $0.10 / $0.025 / $0.40; the opus row saves nothing
saved() { tt report savings --json | jq -r '.totals.saved_by_routing_usd' | awk '{ printf "%.7f\n", $1 }'; }
want=$(q "select input, cache_read, output from usage where provider = 'openai'" | awk '
	{ printf "%.7f\n", (($1 * 5 + $2 * 0.5 + $3 * 25) - ($1 * 0.10 + $2 * 0.025 + $3 * 0.40)) / 1e6 }')
[ "$(saved)" = "$want" ] || tt_die "routing savings vs opus: $(saved), by hand $want"
# a baseline on OpenAI (gpt-4.1, $2 / $0.50 / $8): both rows compare against it
printf '{"baseline_model":"gpt-4.1"}\n' >"$T/config/tokentop/config.json"
want=$(q "select model, input, cache_read, output from usage" | awk '
	{ if ($1 ~ /nano/) { a = 0.10; c = 0.025; o = 0.40 } else { a = 5; c = 0.50; o = 25 }
	  s += ($2 * 2 + $3 * 0.5 + $4 * 8) - ($2 * a + $3 * c + $4 * o) }
	END { printf "%.7f\n", s / 1e6 }')
[ "$(saved)" = "$want" ] || tt_die "routing savings vs gpt-4.1: $(saved), by hand $want"
[ "$(tt route --json "translate it" | jq -r '.baseline_provider')" = openai ] || tt_die "baseline_provider"

# ---- a tier naming an unknown provider is refused with its place ----
sed 's/"provider": "openai"/"provider": "acme"/' "$ROOT/share/router-openai.json" >"$T/config/tokentop/router.json"
set +e
tt route "translate" >/dev/null 2>"$T/ebad"; rc=$?
set -e
[ $rc = 1 ] && grep -q 'tiers.simple.provider: unknown provider "acme"' "$T/ebad" || tt_die "bad provider: $rc $(cat "$T/ebad")"
tt_done
