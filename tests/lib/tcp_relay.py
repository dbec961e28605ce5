#!/usr/bin/env python3
"""tcp_relay.py — a TCP relay to HOST:PORT on a free loopback port, that can
play an unreachable server (tests/pg_connect.sh).

    tcp_relay.py HOST PORT      prints "port N", then relays

SIGUSR1: silent — every relayed connection is cut, and new connections are
accepted but never answered (as a host that drops packets: the client waits
for its own timeout). SIGUSR2: relaying again (the silent ones are closed).
A listener that never answers at all: tcp_relay.py --silent.
"""
import signal
import socket
import sys
import threading

lock = threading.Lock()
conns = []          # (client, upstream or None)
silent = False


def pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def cut_all():
    with lock:
        for c, u in conns:
            for s in (c, u):
                if s is None:
                    continue
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        conns.clear()


def on_usr1(*_):
    global silent
    silent = True
    cut_all()


def on_usr2(*_):
    global silent
    silent = False
    cut_all()


def main():
    global silent
    target = None
    if sys.argv[1:] == ["--silent"]:
        silent = True
    else:
        target = (sys.argv[1], int(sys.argv[2]))
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGUSR2, on_usr2)
    print("port", ls.getsockname()[1], flush=True)
    while True:
        try:
            c, _ = ls.accept()
        except InterruptedError:
            continue
        if silent or target is None:
            with lock:
                conns.append((c, None))       # held, never answered
            continue
        try:
            u = socket.create_connection(target)
        except OSError:
            c.close()
            continue
        with lock:
            conns.append((c, u))
        threading.Thread(target=pump, args=(c, u), daemon=True).start()
        threading.Thread(target=pump, args=(u, c), daemon=True).start()


if __name__ == "__main__":
    main()
