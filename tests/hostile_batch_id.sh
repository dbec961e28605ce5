#!/usr/bin/env bash
# hostile_batch_id.sh — a batch id that can never work is a usage error, at
# once (issue 10, item 13): `batch results bad/id` and `batch watch bad/id`
# retried it every 5 s forever. Malformed ids exit 2 before anything is sent;
# an id the API does not know (404) ends the command with 2 too, while a
# transient failure (a 529) is still retried.
set -u
. "$(dirname "$0")/lib/common.sh"
tt_need timeout curl
tt_tmpdir
TT=$B/tokentop
DB=$T/usage.db
export ANTHROPIC_API_KEY=sk-ant-test
tt_start_fakeapi main --time-scale 0
export ANTHROPIC_BASE_URL=$FK_URL

# run ARGS...: tokentop under a hang guard; $rc, $errs
run() {
	timeout 60 "$TT" --db "$DB" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	errs=$(cat "$T/err")
}
requests() {  # retrieve calls the double has seen
	curl -s "$FK_URL/_fake/stats" | grep -o '"GET /v1/messages/batches/[^"]*": *[0-9]*' |
		grep -o '[0-9]*$' | awk '{ s += $1 } END { print s + 0 }'
}

for id in bad/id "msgbatch_x y" "../../etc/passwd" "" "msgbatch_" "plain_name"; do
	run batch results "$id"
	tt_eq "results '$id': usage error" "$rc" 2
	tt_has "results '$id': names it" "$errs" "is not a batch id"
	run batch watch --interval 0.1 "$id"
	tt_eq "watch '$id': usage error" "$rc" 2
	run batch status "$id"
	tt_eq "status '$id': usage error" "$rc" 2
done
tt_has "the id in the message" "$errs" '"plain_name" is not a batch id'
tt_eq "nothing was sent" "$(requests)" 0

# a well-formed id the API does not know: 404 is permanent
run batch results msgbatch_01NoSuchBatch
tt_eq "unknown id: results exits 2" "$rc" 2
tt_has "unknown id: says so" "$errs" "msgbatch_01NoSuchBatch: no such batch"
run batch watch --interval 0.1 msgbatch_01NoSuchBatch
tt_eq "unknown id: watch exits 2" "$rc" 2
run batch status msgbatch_01NoSuchBatch
tt_eq "unknown id: status exits 2" "$rc" 2

# a transient failure is still retried, and the batch then followed to its end
printf '{"custom_id":"a","prompt":"hi"}\n' >"$T/one.jsonl"
run batch submit --model claude-haiku-4-5 --max-tokens 20 "$T/one.jsonl"
tt_eq "submit" "$rc" 0
ID=$("$TT" --db "$DB" batch list --json | grep -o '"id": *"msgbatch_[^"]*"' | head -1 | grep -o 'msgbatch_[^"]*')
[ -n "$ID" ] || tt_die "no batch id in batch list"
curl -s -X POST "$FK_URL/_fake/clock" --data-binary '{"advance_seconds":3600}' >/dev/null
# three 529s: the client's own two retries, and one more the poller sees
curl -s -X POST "$FK_URL/_fake/faults" --data-binary \
	'{"faults":[{"path":"/v1/messages/batches/","method":"GET","count":3,"status":529}]}' >/dev/null
run batch watch --interval 0.1 "$ID"
tt_eq "transient 529: retried, then ingested" "$rc" 0
tt_has "transient 529: said and retried" "$errs" "trying again"

tt_done
