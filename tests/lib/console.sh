# console.sh — helpers of the console's screen tests (tests/screen/*.sh), on
# top of common.sh (source that first, then tt_tmpdir and tt_tmux):
#
#	. "$(dirname "$0")/../lib/console.sh"
#	tc_setup                     # tt_tmpdir, tt_tmux, tt_noon; DB (a ledger path), TT (tokentop on it)
#	tc_cc_line ID MODEL IN OUT MINUTES_AGO   # a Claude Code transcript line with its own time
#	tc_config '{"budget": …}'   # $XDG_CONFIG_HOME/tokentop/config.json
#	tc_seed_build                # $T/seed_db (tests/screen/seed_db.c)
#	tc_header SESSION            # the header line now
#	tc_wait_gone TEXT [SECONDS [SESSION]]   # until the screen no longer shows TEXT

# tc_setup: the start every console test shares: a temp dir and a private tmux
# (tt_tmpdir, tt_tmux), noon (tt_noon, common.sh: after tt_tmux, which sets UTC),
# DB=$T/usage.db and TT="tokentop --db $DB".
tc_setup() {
	tt_tmpdir
	tt_tmux
	tt_noon
	DB=$T/usage.db
	TT="$B/tokentop --db $DB"
}

# tc_cc_line ID MODEL INPUT OUTPUT MINUTES_AGO: one assistant line of a Claude
# Code transcript (its own timestamp, message id msg_ID).
tc_cc_line() {
	printf '{"type":"assistant","isSidechain":false,"sessionId":"s","timestamp":"%s","requestId":"req_%s","message":{"id":"msg_%s","type":"message","model":"%s","usage":{"input_tokens":%d,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":%d}}}\n' \
		"$(date -u -d "@$(($(date +%s) - $5 * 60))" +%Y-%m-%dT%H:%M:%S.000Z)" "$1" "$1" "$2" "$3" "$4"
}

# tc_config JSON: the config file the console and the CLI read.
tc_config() {
	mkdir -p "$XDG_CONFIG_HOME/tokentop"
	printf '%s\n' "$1" >"$XDG_CONFIG_HOME/tokentop/config.json"
}

# tc_seed_build: the seeding helper (writes through data/store.h): tt_seed_db.
tc_seed_build() { tt_seed_db; }

# tc_header [SESSION]: the first line of the screen.
tc_header() { tt_screen "${1:-tt}" | head -1; }

# tc_wait_gone TEXT [SECONDS [SESSION]]: poll until the screen no longer shows TEXT.
tc_wait_gone() {
	local i n=$(( ${2:-5} * 10 ))
	for ((i = 0; i < n; i++)); do
		tt_screen "${3:-tt}" | grep -qF -- "$1" || return 0
		sleep 0.1
	done
	return 1
}
