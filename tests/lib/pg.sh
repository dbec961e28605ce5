#!/usr/bin/env bash
# pg.sh — a private PostgreSQL server for the tests: initdb and pg_ctl from
# /usr/lib/postgresql/*/bin in a temporary directory, on a free loopback port,
# as the unprivileged user `nobody` when the tests run as root (initdb refuses
# root). Nothing is left behind: pg_stop stops the server and removes the
# directory.
#
# Sourced (tests/*.sh, after tests/lib/common.sh):
#	. "$ROOT/tests/lib/pg.sh"
#	pg_start || tt_die "no PostgreSQL"     # PG_URI PG_PORT PG_DIR PG_SUPER_URI
#	uri=$(pg_newdb name)                   # a fresh database, its URI
#	pg_stop                                # also from an EXIT trap
#
# Run (tests/run.sh starts one server for the whole run):
#	eval "$(tests/lib/pg.sh start)"        # exports PG_URI PG_PORT PG_DIR PG_SUPER_URI
#	tests/lib/pg.sh stop "$PG_DIR"
#
# PG_EXTRA_OPTS: more server options for pg_start ("-c NAME=VALUE"…, after
# and over the defaults).
#
# The server: password login (scram-sha-256) on 127.0.0.1 for the role
# `tokentop` (password in PG_PASSWORD, owner of the database `tokentop`), trust
# on its private Unix socket for the superuser; fsync off (a test server).

PG_PASSWORD=${PG_PASSWORD:-tt-secret-pw}

# pg_bindir: the newest /usr/lib/postgresql/N/bin holding initdb.
pg_bindir() {
	local d best=
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && best=$d
	done
	[ -n "$best" ] || return 1
	echo "$best"
}

# pg_as CMD...: CMD as the server's owner (nobody when we are root).
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

pg_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# pg_start: start a server; sets and exports PG_DIR PG_PORT PG_URI PG_SUPER_URI
# PG_BIN PG_SOCK. 0 on success; 1 with a reason on stderr.
pg_start() {
	local bin tries=0
	bin=$(pg_bindir) || { echo "pg_start: no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)" >&2; return 1; }
	PG_BIN=$bin
	PG_DIR=$(mktemp -d /tmp/tokentop-pg.XXXXXX) || return 1
	chmod 0755 "$PG_DIR"
	mkdir -p "$PG_DIR/data" "$PG_DIR/sock"
	printf '%s\n' "$PG_PASSWORD" >"$PG_DIR/pw"
	[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$PG_DIR"
	if ! pg_as "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust \
	    --auth-host=scram-sha-256 --pwfile="$PG_DIR/pw" -E UTF8 --locale=C.UTF-8 \
	    >"$PG_DIR/initdb.log" 2>&1; then
		echo "pg_start: initdb failed:" >&2
		tail -5 "$PG_DIR/initdb.log" >&2
		rm -rf "$PG_DIR"
		return 1
	fi
	PG_SOCK=$PG_DIR/sock
	while :; do
		PG_PORT=$(pg_free_port)
		if pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
		    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_SOCK -c fsync=off \
		        -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
		        ${PG_EXTRA_OPTS:-}" \
		    start >/dev/null 2>&1; then
			break
		fi
		tries=$((tries + 1))
		if [ $tries -ge 3 ]; then
			echo "pg_start: the server did not start:" >&2
			tail -5 "$PG_DIR/server.log" >&2
			pg_stop
			return 1
		fi
	done
	pg_psql -q -c "CREATE ROLE tokentop LOGIN PASSWORD '$PG_PASSWORD' CREATEDB" \
	    -c "CREATE DATABASE tokentop OWNER tokentop" >/dev/null || { pg_stop; return 1; }
	PG_URI="postgresql://tokentop:$PG_PASSWORD@127.0.0.1:$PG_PORT/tokentop"
	PG_SUPER_URI="postgresql://postgres@/postgres?host=$PG_SOCK&port=$PG_PORT"
	export PG_DIR PG_PORT PG_URI PG_SUPER_URI PG_BIN PG_SOCK PG_PASSWORD
	return 0
}

# pg_psql ARGS...: psql as the superuser over the private socket.
pg_psql() {
	"${PG_BIN:-$(pg_bindir)}/psql" -X -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres \
	    -d postgres "$@"
}

# pg_newdb NAME: a fresh, empty database NAME owned by tokentop; prints its URI.
pg_newdb() {
	pg_psql -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$1\"" -c "CREATE DATABASE \"$1\" OWNER tokentop" \
	    >/dev/null || return 1
	echo "postgresql://tokentop:$PG_PASSWORD@127.0.0.1:$PG_PORT/$1"
}

# pg_stop [DIR]: stop the server of DIR (default $PG_DIR) and remove DIR.
pg_stop() {
	local dir=${1:-${PG_DIR:-}} bin
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	bin=${PG_BIN:-$(pg_bindir)}
	if [ -f "$dir/data/postmaster.pid" ]; then
		pg_as "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop >/dev/null 2>&1 ||
		    kill -9 "$(head -1 "$dir/data/postmaster.pid")" 2>/dev/null
	fi
	rm -rf "$dir"
	[ "$dir" = "${PG_DIR:-}" ] && PG_DIR=
	return 0
}

# Run as a program: `pg.sh start` prints export lines; `pg.sh stop DIR`.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case ${1:-} in
	start)
		pg_start >&2 || exit 1
		for v in PG_DIR PG_PORT PG_URI PG_SUPER_URI PG_BIN PG_SOCK PG_PASSWORD; do
			printf 'export %s=%q\n' "$v" "${!v}"
		done
		;;
	stop) pg_stop "${2:-}" ;;
	*) echo "usage: pg.sh start | stop DIR" >&2; exit 2 ;;
	esac
fi
