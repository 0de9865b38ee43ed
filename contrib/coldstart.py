#!/usr/bin/env python3
"""Cold start of tsheadroom: milliseconds from exec to the first answer.

usage: coldstart.py BIN MODEL [N [CALL]]

Starts BIN N times (default 5) with -tailnet=false, a loopback -local-addr, no config file
and a fresh state directory, posts CALL (default testdata/sample.hook.json, with the model
of its metadata and body set to MODEL) as soon as the port accepts, and prints per start
when the port accepted and when the answer arrived, then the median and the load average.
"""
import json, os, shutil, socket, subprocess, sys, tempfile, time, http.client, statistics
bin_, model = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 5
call = json.load(open(sys.argv[4] if len(sys.argv) > 4 else "testdata/sample.hook.json"))
body = call.get("request_body") or {}
body["model"] = model
call.setdefault("metadata", {})["model"] = model
data = json.dumps(call).encode()
res = []
for k in range(n):
    port = 18700 + k
    st = tempfile.mkdtemp()
    t0 = time.monotonic()
    p = subprocess.Popen([bin_, "-tailnet=false", "-local-addr", f"127.0.0.1:{port}", "-config", "", "-state-dir", st],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1); s.close(); break
        except OSError:
            time.sleep(0.001)
    ta = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("POST", "/", data, {"Content-Type": "application/json"})
    r = c.getresponse(); out = r.read()
    t1 = time.monotonic()
    p.kill(); p.wait()
    shutil.rmtree(st, ignore_errors=True)
    act = json.loads(out).get("action")
    res.append((t1 - t0) * 1000)
    print(f"start {k}: port accepts {1000*(ta-t0):.1f} ms, first answer {1000*(t1-t0):.1f} ms ({r.status} {act})")
print(f"median first answer {statistics.median(res):.1f} ms (load {open('/proc/loadavg').read().split()[0]})")
