#!/usr/bin/env python3
"""gen_tx.py OUT FILES MESSAGES — a Claude Code transcript tree for the
PostgreSQL tests: FILES session files under OUT/projects/*, MESSAGES
responses each, every response written twice as a streaming client does
(a first copy with half the output, then the final one), over three models
and a week of hours. Deterministic: the same arguments make the same tree."""
import json
import os
import sys
import time

out, nfiles, nmsg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
models = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805"]
t0 = 1764547200  # 2025-12-01T00:00:00Z
for f in range(nfiles):
    d = os.path.join(out, "projects", "-home-u-p%d" % (f % 3))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "s%03d.jsonl" % f), "w") as fh:
        for m in range(nmsg):
            k = f * nmsg + m
            ts = t0 + k * 613 % (7 * 86400)
            stamp = "%s.%03dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)), k % 1000)
            final = 20 + k % 300
            for copy in (final // 2, final):
                usage = {"input_tokens": 3 + k % 7, "output_tokens": copy,
                         "cache_creation_input_tokens": 100 * (k % 5),
                         "cache_read_input_tokens": 1000 + k % 4000,
                         "cache_creation": {"ephemeral_5m_input_tokens": 100 * (k % 5),
                                            "ephemeral_1h_input_tokens": 0}}
                line = {"parentUuid": None, "isSidechain": False, "type": "assistant",
                        "sessionId": "s%03d" % f, "timestamp": stamp, "requestId": "req_%d" % k,
                        "uuid": "u%d_%d" % (k, copy),
                        "message": {"id": "msg_%d" % k, "type": "message", "role": "assistant",
                                    "model": models[k % 3], "content": [], "stop_reason": None,
                                    "usage": usage}}
                fh.write(json.dumps(line) + "\n")
