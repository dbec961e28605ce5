#!/usr/bin/env python3
"""hostile_http.py — hostile HTTP clients for tests/hostile_proxy.sh.

  hostile_http.py malformed PORT
      one connection per malformed request; prints "NAME STATUS" per case
      (STATUS is the answer's status code, "closed" or "timeout")
  hostile_http.py slowloris PORT SRC N SECONDS
      N connections from address SRC that send a request head one header
      line every 0.5 s; then one normal request from 127.0.0.1 while they
      hold; then keeps trickling until the proxy closed them all or SECONDS
      passed. Prints JSON: held (open a second after connecting), normal
      (the normal request's status or error), alive (still open at the end)
  hostile_http.py bodies PORT PID N LENGTH SEND
      N connections announce Content-Length LENGTH; those not answered at
      once send SEND bytes of it, then hold. Prints JSON: statuses (of the
      early answers), retry_after (how many had one), rss_before / rss_held
      (VmRSS of PID in kB, before and while they hold)
"""
import json
import select
import socket
import sys
import time

HEAD = "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: sk-ant-test\r\n" \
       "anthropic-version: 2023-06-01\r\ncontent-type: application/json\r\n"

MALFORMED = [
    ("dup-content-length",
     HEAD + "Content-Length: 2\r\nContent-Length: 20\r\n\r\n{}"),
    ("same-content-length-twice",
     HEAD + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"),
    ("te-space-before-colon",
     HEAD + "Transfer-Encoding : chunked\r\nContent-Length: 2\r\n\r\n{}"),
    ("te-and-content-length",
     HEAD + "Transfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
    ("te-gzip", HEAD + "Transfer-Encoding: gzip\r\n\r\n{}"),
    ("te-gzip-chunked", HEAD + "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
    ("nul-in-path", "GET /v1/models\0/../../_fake/stats HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("encoded-nul", "GET /v1/models%00x HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("dot-dot", "GET /v1/../x HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("dot-dot-encoded", "GET /v1/%2e%2e/x HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("dot-dot-mixed", "GET /v1/.%2E/x HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("dot", "GET /v1/./models HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("encoded-slash", "GET /v1/models%2f..%2fx HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("space-in-path", "GET /v1/mod els HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("control-in-name", "GET /v1/models HTTP/1.1\r\nHost: x\r\nX-\x01A: b\r\n\r\n"),
    ("long-target", "GET /v1/" + "a" * 9000 + " HTTP/1.1\r\nHost: x\r\n\r\n"),
]


def status_of(data):
    if not data:
        return "closed"
    line = data.split(b"\r\n", 1)[0].split(b" ")
    return line[1].decode() if len(line) > 1 else "garbage"


def exchange(port, raw, timeout=3.0):
    """Send raw bytes on a new connection; the answer's head (bytes)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    data = b""
    try:
        c.sendall(raw)
        while b"\r\n\r\n" not in data:
            d = c.recv(65536)
            if not d:
                break
            data += d
    except socket.timeout:
        return None
    except OSError:
        pass
    finally:
        c.close()
    return data


def malformed(port):
    for name, req in MALFORMED:
        data = exchange(port, req.encode("latin-1"))
        print(name, "timeout" if data is None else status_of(data), flush=True)


def is_closed(s):
    """The peer closed s (readable and at its end, or reset)."""
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return False
    try:
        return s.recv(4096) == b""
    except OSError:
        return True


def normal_request(port):
    body = b'{"model":"claude-sonnet-4-5","max_tokens":16,"messages":' \
           b'[{"role":"user","content":"during the attack"}]}'
    req = (HEAD + "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)).encode() + body
    try:
        data = exchange(port, req, timeout=15.0)
    except OSError as e:
        return "error: %s" % e
    return "timeout" if data is None else status_of(data)


def slowloris(port, src, n, seconds):
    conns = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((src, 0))
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(HEAD.encode())
        except OSError:
            s.close()
            continue
        conns.append(s)
    time.sleep(1.0)
    live = [s for s in conns if not is_closed(s)]
    held = len(live)
    normal = normal_request(port)
    end = time.monotonic() + seconds
    while live and time.monotonic() < end:
        for s in list(live):
            try:
                s.sendall(b"X-Slow: still here\r\n")
            except OSError:
                pass
            if is_closed(s):
                live.remove(s)
                s.close()
        time.sleep(0.5)
    print(json.dumps({"held": held, "normal": normal, "alive": len(live)}), flush=True)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def read_head(s, wait):
    """The answer's head on s within wait seconds (b"" when none)."""
    s.settimeout(wait)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        pass
    return data


def bodies(port, pid, n, length, send):
    before = rss_kb(pid)
    conns, answered = [], []
    chunk = b"x" * 65536
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall((HEAD + "Content-Length: %d\r\n\r\n" % length).encode())
        conns.append(s)
    # a refusal comes as soon as the head is read: collect those first (a
    # body sent to a closed connection would turn the answer into a reset)
    end = time.monotonic() + 2.0
    while time.monotonic() < end and len(answered) < n:
        r, _, _ = select.select([s for s in conns if s not in answered], [], [], 0.1)
        for s in r:
            answered.append(s)
    statuses, retry = [], 0
    for s in answered:
        data = read_head(s, 1.0)
        statuses.append(status_of(data))
        if b"\r\nretry-after:" in data.lower():
            retry += 1
    for s in conns:
        if s in answered:
            continue
        left = send
        try:
            while left > 0:
                left -= s.send(chunk[:min(left, len(chunk))])
        except OSError:
            pass
    time.sleep(1.0)
    held = rss_kb(pid)
    for s in conns:
        s.close()
    print(json.dumps({"statuses": sorted(statuses), "retry_after": retry,
                      "rss_before": before, "rss_held": held}), flush=True)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "malformed":
        malformed(int(args[0]))
    elif cmd == "slowloris":
        slowloris(int(args[0]), args[1], int(args[2]), float(args[3]))
    elif cmd == "bodies":
        bodies(int(args[0]), int(args[1]), int(args[2]), int(args[3]), int(args[4]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
