#!/usr/bin/env bash
# pg.sh — tokentop on a PostgreSQL ledger (--db postgresql://…), against a
# private server (the run's, tests/run.sh, or one of its own) and the API
# double: a malformed URI is a usage error naming the part, a refused login
# or an unreachable server exit 1 with libpq's reason, and the password is in
# no output and not in /proc/PID/cmdline; import and every report give what
# SQLite gives; call, batch submit/watch, proxy, sync and report org write
# and read the shared ledger; a fleet budget refuses a call on another
# "host" (and its batch submit and proxy --enforce-budget) once the fleet
# spent it; ten processes open a fresh ledger at once and it is migrated
# once.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$ROOT/tests/lib/pg.sh"
tt_need python3 jq curl
tt_tmpdir
tt_noon        # budgets count today's rows: batches end ahead on the double's clock
if [ -z "${PG_URI:-}" ]; then       # run alone: a server of its own
	pg_start || tt_die "no PostgreSQL server (make deps installs postgresql)"
	trap 'rc=$?; pg_stop; (exit $rc); tt__cleanup' EXIT
fi
TT=$B/tokentop
PW=$PG_PASSWORD
PGDB=$(pg_newdb "tt_sh_$$") || tt_die "cannot make a database"
psqlq() { pg_psql -d "tt_sh_$$" -At -c "$1"; }

# ---- the URI: errors, the password nowhere ----------------------------------
bad="postgresql://tokentop:$PW@127.0.0.1:$PG_PORT/x?sslmode"
out=$("$TT" --db "$bad" report daily 2>&1); rc=$?
tt_eq "a malformed URI is a usage error" "$rc" 2
tt_has "it names the part" "$out" 'missing key/value separator "="'
tt_has "it shows the URI masked" "$out" "postgresql://tokentop:***@127.0.0.1:$PG_PORT/x"
tt_hasnt "it does not show the password" "$out" "$PW"
out=$(TOKENTOP_DB="postgresql://tokentop:$PW@127.0.0.1:$PG_PORT/x?nosuch=1" "$TT" report 2>&1)
tt_eq "the same from TOKENTOP_DB" "$?" 2
tt_has "naming the parameter" "$out" 'invalid URI query parameter: "nosuch"'
out=$("$TT" --db "postgresql://tokentop:wrong-pw-42@127.0.0.1:$PG_PORT/tt_sh_$$" report 2>&1)
tt_eq "a refused login exits 1" "$?" 1
tt_has "with libpq's reason" "$out" 'password authentication failed for user "tokentop"'
tt_hasnt "and not the password" "$out" "wrong-pw-42"
out=$("$TT" --db "postgresql://tokentop:$PW@127.0.0.1:1/x" report 2>&1)
tt_eq "an unreachable server exits 1" "$?" 1
tt_has "with libpq's reason" "$out" "Connection refused"
tt_hasnt "and not the password" "$out" "$PW"
out=$("$TT" --help 2>&1)
tt_has "--help names the URI form" "$out" "postgresql://USER@HOST/DB"

# the password leaves argv at once: /proc/PID/cmdline of a running proxy
tt_start_proxy --db "$PGDB" proxy --listen 127.0.0.1:0 --upstream http://127.0.0.1:1
cmd=$(tr '\0' ' ' <"/proc/$PROXY_PID/cmdline")
tt_hasnt "the password is not in /proc/PID/cmdline" "$cmd" "$PW"
tt_has "the rest of the URI is" "$cmd" "postgresql://tokentop:"
tt_stop_proxy
tt_hasnt "nor in what the proxy printed" "$(cat "$T/pport" "$T/perr")" "$PW"

# ---- ten processes open a fresh ledger at once: migrated once ---------------
FRESH=$(pg_newdb "tt_fresh_$$")
pids=()
for i in $(seq 10); do
	"$TT" --db "$FRESH" report daily --json >"$T/mig$i" 2>&1 & pids+=($!)
done
ok=0
for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
tt_eq "all ten opened it" "$ok" 10
tt_eq "one schema version row" "$(pg_psql -d "tt_fresh_$$" -At -c 'SELECT count(*) FROM tokentop_schema')" 1

# ---- import and reports: what SQLite gives -----------------------------------
python3 "$ROOT/tests/lib/gen_tx.py" "$T/tx" 6 80
for d in "$ROOT/tests/data/import/projects" "$T/tx/projects" \
    "$ROOT/tests/data/import/msgbatch_01TestBatch.jsonl" "$ROOT/tests/data/import/responses.jsonl"; do
	a=$("$TT" --db "$T/ref.db" import --json "$d" 2>/dev/null | jq -c 'del(.unreadable)')
	b=$("$TT" --db "$PGDB" import --json "$d" 2>/dev/null | jq -c 'del(.unreadable)')
	tt_eq "import $(basename "$d"): the same summary" "$b" "$a"
done
# OpenAI beside Anthropic: saved responses (reasoning inside output) and a
# Codex session, with their provider, reasoning, session and directory
mkdir -p "$T/oai" "$T/codex/sessions/2025/09/10"
cat >"$T/oai/app.jsonl" <<'EOF2'
{"id":"chatcmpl-1","object":"chat.completion","created":1741570283,"model":"gpt-4.1-2025-04-14","choices":[],"usage":{"prompt_tokens":1117,"completion_tokens":46,"prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":0}},"service_tier":"default"}
{"id":"resp_1","object":"response","created_at":1741570300,"status":"completed","model":"o3-2025-04-16","output":[],"usage":{"input_tokens":2000,"input_tokens_details":{"cached_tokens":0},"output_tokens":1500,"output_tokens_details":{"reasoning_tokens":1200},"total_tokens":3500}}
{"id":"resp_2","object":"response","created_at":1741570400,"status":"completed","model":"o3-2025-04-16","service_tier":"priority","output":[],"usage":{"input_tokens":300,"input_tokens_details":{"cached_tokens":0},"output_tokens":90,"output_tokens_details":{"reasoning_tokens":60},"total_tokens":390}}
EOF2
{
	echo '{"timestamp":"2025-09-10T12:00:00.000Z","type":"session_meta","payload":{"id":"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","cwd":"/home/me/proj","cli_version":"0.40.0"}}'
	echo '{"timestamp":"2025-09-10T12:00:01.000Z","type":"turn_context","payload":{"model":"gpt-5-codex","cwd":"/home/me/proj"}}'
	echo '{"timestamp":"2025-09-10T12:00:05.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1000,"cached_input_tokens":0,"output_tokens":200,"reasoning_output_tokens":50,"total_tokens":0},"last_token_usage":{},"model_context_window":272000},"rate_limits":{}}}'
} >"$T/codex/sessions/2025/09/10/rollout-2025-09-10T12-00-00-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl"
for d in "$T/oai/app.jsonl" "$T/codex/sessions"; do
	a=$("$TT" --db "$T/ref.db" import --json "$d" 2>/dev/null | jq -c 'del(.unreadable)')
	b=$("$TT" --db "$PGDB" import --json "$d" 2>/dev/null | jq -c 'del(.unreadable)')
	tt_eq "import $(basename "$d") (OpenAI): the same summary" "$b" "$a"
done
tt_eq "OpenAI rows in the ledger" "$(psqlq "SELECT count(*) FROM usage WHERE provider = 'openai'")" 4
tt_eq "provider, reasoning, session and directory kept" \
    "$(psqlq "SELECT provider || ' ' || reasoning_tokens || ' ' || session_id || ' ' || cwd FROM usage WHERE model = 'gpt-5-codex'")" \
    "$(sqlite3 "$T/ref.db" "SELECT provider || ' ' || reasoning_tokens || ' ' || session_id || ' ' || cwd FROM usage WHERE model = 'gpt-5-codex'")"
for r in daily weekly monthly models sources tags savings caps providers projects keys; do
	for tz in UTC Asia/Kolkata America/New_York; do
		tt_eq "report $r ($tz) as on SQLite" \
		    "$(TZ=$tz "$TT" --db "$PGDB" report $r --json 2>&1)" \
		    "$(TZ=$tz "$TT" --db "$T/ref.db" report $r --json 2>&1)"
	done
done
tt_eq "report --provider openai as on SQLite" \
    "$("$TT" --db "$PGDB" report models --provider openai --json)" \
    "$("$TT" --db "$T/ref.db" report models --provider openai --json)"
tt_eq "report --model --since as on SQLite" \
    "$("$TT" --db "$PGDB" report models --model claude-haiku-4-5 --since 2025-12-02 --csv)" \
    "$("$TT" --db "$T/ref.db" report models --model claude-haiku-4-5 --since 2025-12-02 --csv)"
tt_eq "rows in the ledger" "$(psqlq 'SELECT count(*) FROM usage')" \
    "$(sqlite3 "$T/ref.db" 'SELECT count(*) FROM usage')"
again=$("$TT" --db "$PGDB" import --json "$T/tx/projects" | jq .added)
tt_eq "a re-import adds nothing" "$again" 0

# ---- call, proxy, batch, sync on the shared ledger -----------------------------
ADMIN=sk-ant-admin-pg-sh
OADMIN=sk-admin-pg-sh-openai
tt_start_fakeapi main --admin-key "$ADMIN" --openai-admin-key "$OADMIN" --time-scale 1000 \
    --batch-seconds 60
export ANTHROPIC_BASE_URL=$FK_URL ANTHROPIC_API_KEY=sk-ant-test
"$TT" --db "$PGDB" call --tag pgcall "hello from a host" >/dev/null 2>"$T/call.err" ||
	tt_fail "call: $(cat "$T/call.err")"
tt_eq "call: one row" "$(psqlq "SELECT count(*) FROM usage WHERE source = 'call' AND tag = 'pgcall'")" 1

tt_start_proxy --db "$PGDB" proxy --listen 127.0.0.1:0 --upstream "$FK_URL"
curl -s "$PROXY/v1/messages" -H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' \
    -H 'content-type: application/json' -H 'x-tokentop-tag: pgproxy' \
    -d '{"model":"claude-haiku-4-5","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}' \
    >"$T/px.json"
tt_stop_proxy
tt_eq "proxy: one row" "$(psqlq "SELECT count(*) FROM usage WHERE source = 'proxy' AND tag = 'pgproxy'")" 1

for i in $(seq 20); do echo "{\"custom_id\":\"q$i\",\"prompt\":\"question $i\"}"; done >"$T/jobs.jsonl"
out=$("$TT" --db "$PGDB" batch submit "$T/jobs.jsonl" --model claude-haiku-4-5 --tag pgbatch 2>&1)
tt_eq "batch submit" "$?" 0
ID=$(grep -o 'msgbatch_[A-Za-z0-9]*' <<<"$out" | head -1)
timeout 60 "$TT" --db "$PGDB" batch watch --interval 1 >"$T/watch" 2>&1
tt_eq "batch watch ends" "$?" 0
tt_eq "batch: twenty rows" "$(psqlq "SELECT count(*) FROM usage WHERE batch_id = '$ID'")" 20
tt_eq "batch: twenty results, once" "$(psqlq "SELECT count(*) FROM batch_result WHERE batch_id = '$ID'")" 20
tt_eq "batch: the intent is created" "$(psqlq 'SELECT status FROM batch_intent')" created
tt_has "batch list shows it ingested" "$("$TT" --db "$PGDB" batch list)" "$ID"
tt_has "batch status --json" "$("$TT" --db "$PGDB" batch status "$ID" --json 2>&1)" '"succeeded": 20'

ANTHROPIC_ADMIN_KEY=$ADMIN "$TT" --db "$PGDB" sync --since "$(date -u -d '3 days ago' +%F)" --json \
    >"$T/sync.json" 2>&1 || tt_fail "sync: $(cat "$T/sync.json")"
first=$(psqlq 'SELECT count(*) FROM org_usage')
ANTHROPIC_ADMIN_KEY=$ADMIN "$TT" --db "$PGDB" sync --since "$(date -u -d '3 days ago' +%F)" --json \
    >/dev/null 2>&1
tt_eq "a re-sync replaces, never doubles" "$(psqlq 'SELECT count(*) FROM org_usage')" "$first"
tt_has "report org reads it" "$("$TT" --db "$PGDB" report org --json)" '"org_cost_usd"'

# ---- per provider: OpenAI's organisation beside Anthropic's, rate limits, the exporter
export OPENAI_BASE_URL=$FK_URL/v1 OPENAI_API_KEY=sk-openai-test
"$TT" --db "$PGDB" call --provider openai "hello from a host" >/dev/null 2>"$T/ocall.err" ||
	tt_fail "call --provider openai: $(cat "$T/ocall.err")"
for i in 1 2 3; do echo "{\"custom_id\":\"o$i\",\"prompt\":\"openai question $i\"}"; done >"$T/ojobs.jsonl"
"$TT" --db "$PGDB" batch submit --provider openai --model gpt-4.1-mini "$T/ojobs.jsonl" >"$T/osub" 2>&1 ||
	tt_fail "batch submit --provider openai: $(cat "$T/osub")"
timeout 60 "$TT" --db "$PGDB" batch watch --interval 1 >"$T/owatch" 2>&1 ||
	tt_fail "batch watch (OpenAI): $(tail -5 "$T/owatch")"
tt_eq "OpenAI batch: three rows, once" \
    "$(psqlq "SELECT count(*) FROM usage WHERE provider = 'openai' AND batch_id <> ''")" 3
tt_eq "OpenAI batch: the intent's provider and token" \
    "$(psqlq "SELECT provider || ' ' || (token <> '')::text FROM batch_intent WHERE provider <> 'anthropic'")" \
    "openai true"
for i in 1 2; do
	OPENAI_ADMIN_KEY=$OADMIN "$TT" --db "$PGDB" sync --provider openai \
	    --since "$(date -u -d '3 days ago' +%F)" --json >"$T/osync.json" 2>&1 ||
		tt_fail "sync --provider openai: $(cat "$T/osync.json")"
done
tt_eq "sync per provider: a sync row each" "$(psqlq 'SELECT provider FROM org_sync ORDER BY 1' | tr '\n' ' ')" \
    "anthropic openai "
tt_eq "OpenAI's sync leaves Anthropic's rows" \
    "$(psqlq "SELECT count(*) FROM org_usage WHERE provider = 'anthropic'")" "$first"
tt_has "report org: OpenAI's organisation" "$("$TT" --db "$PGDB" report org --json)" '"openai"'
tt_eq "rate limits: call and proxy recorded headroom" \
    "$(psqlq "SELECT count(DISTINCT provider) > 0 FROM ratelimit")" t
"$TT" --db "$PGDB" report limits --json >"$T/limits.json" 2>&1 ||
	tt_fail "report limits: $(cat "$T/limits.json")"
tt_eq "report limits: the ledger's rows" "$(jq '.rows | length' "$T/limits.json")" \
    "$(psqlq 'SELECT count(*) FROM ratelimit')"
tt_start_proxy --db "$PGDB" exporter --listen 127.0.0.1:0
curl -sS "$PROXY/metrics" >"$T/metrics" || tt_fail "exporter: no scrape"
tt_stop_proxy
tt_eq "exporter: every row counted once (rollup_lt)" \
    "$(awk '/^tokentop_requests_total[{ ]/ { n += $NF } END { print n + 0 }' "$T/metrics")" \
    "$(psqlq 'SELECT count(*) FROM usage')"

# a budget alert crossed by two processes at once: one message, listed from the server
mkdir -p "$T/hk"
python3 tests/lib/hook_recv.py "$T/hk" >"$T/hk.out" 2>"$T/hk.err" &
tt_track $!
tt_wait_file "$T/hk.out" '^port ' || tt_die "receiver: $(cat "$T/hk.err")"
printf '{"budget":{"daily":"0.000001"},"alerts":[{"when":{"budget":{"daily":[50,100]}},"to":"%s"}]}\n' \
    "http://127.0.0.1:$(sed -n 's/^port //p' "$T/hk.out")/hook" >"$T/alerts.json"
"$TT" --config "$T/alerts.json" --db "$PGDB" alerts check >/dev/null 2>&1 & a1=$!
"$TT" --config "$T/alerts.json" --db "$PGDB" alerts check >/dev/null 2>&1 & a2=$!
wait "$a1" "$a2"
"$TT" --config "$T/alerts.json" --db "$PGDB" alerts check >/dev/null 2>&1
tt_eq "alerts: one message from two processes" "$(wc -l <"$T/hk/bodies" | tr -d ' ')" 1
tt_eq "alerts: delivered, the lower threshold passed" \
    "$(psqlq "SELECT string_agg(status, ',' ORDER BY key) FROM alert")" "delivered,passed"
tt_eq "alerts --json reads it" \
    "$("$TT" --config "$T/alerts.json" --db "$PGDB" alerts --json | jq -r '[.alerts[].status] | join(",")')" \
    delivered

# ---- a fleet budget: what host A spent refuses host B's call ----------------
spent=$("$TT" --db "$PGDB" report --since "$(date +%F)" --json | jq -r '.totals.cost_usd')
limit=$(awk -v s="$spent" 'BEGIN { printf "%.6f", s + 0.0001 }')
for h in a b; do
	mkdir -p "$T/$h/config/tokentop"
	echo "{ \"db\": \"$PGDB\", \"budget\": { \"daily\": \"$limit\" } }" >"$T/$h/config/tokentop/config.json"
done
host() { local h=$1; shift; HOME=$T/$h XDG_CONFIG_HOME=$T/$h/config XDG_DATA_HOME=$T/$h/data "$TT" "$@"; }
host a call --force --model claude-opus-4-6 "a long answer please, host a" >/dev/null 2>&1 ||
	tt_fail "host a's call"
host b call --model claude-haiku-4-5 --max-tokens 5 "x" >"$T/b.out" 2>"$T/b.err"
tt_eq "host b is refused: the fleet is over" "$?" 1
tt_has "saying so" "$(cat "$T/b.err")" "exceeded — refusing"
tt_hasnt "no password in the refusal" "$(cat "$T/b.err")" "$PW"
host b batch submit "$T/jobs.jsonl" --model claude-haiku-4-5 >"$T/bs.out" 2>"$T/bs.err"
tt_eq "host b's batch submit is refused too" "$?" 1
tt_has "saying so" "$(cat "$T/bs.err")" "budget"
HOME=$T/b XDG_CONFIG_HOME=$T/b/config XDG_DATA_HOME=$T/b/data \
    tt_start_proxy proxy --listen 127.0.0.1:0 --upstream "$FK_URL" --enforce-budget
before=$(curl -s "$FK_URL/_fake/stats" | jq .total)
code=$(curl -s -o "$T/px2.json" -w '%{http_code}' "$PROXY/v1/messages" -H 'x-api-key: sk-ant-test' \
    -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' \
    -d '{"model":"claude-haiku-4-5","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}')
tt_stop_proxy
tt_eq "host b's proxy --enforce-budget refuses: 429" "$code" 429
tt_has "naming the budget" "$(cat "$T/px2.json")" "daily budget"
tt_eq "nothing went upstream" "$(curl -s "$FK_URL/_fake/stats" | jq .total)" "$before"

tt_done
