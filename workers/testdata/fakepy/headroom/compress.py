"""Fake headroom.compress: behaviour driven by FAKE:<directive> words.

Directives found in the last message's content:
  FAKE:crash         exit the process at once (status 7)
  FAKE:hang          start a child process, then sleep forever
  FAKE:garbage       write a non-JSON line on the protocol stream
  FAKE:wrongid       write a reply with a wrong id on the protocol stream
  FAKE:stderr=N      write one stderr line of N bytes
  FAKE:print         print to stdout and write to fd 1
  FAKE:sleep=S       sleep S seconds
  FAKE:env           answer with the sorted names of the environment
  FAKE:kwargs        answer with the keyword arguments compress() got
  FAKE:pid           answer with this process's pid
  FAKE:marker        answer with a retrieval marker
  FAKE:inflate       answer with a longer text
  FAKE:restructure   answer with a message dropped
  FAKE:role          answer with the target's role changed
  FAKE:raise         raise an exception
Without an answer directive the text is cut to its first two lines plus an
omission note. With FAKE_HEADROOM_CALL_LOG set, every call appends
"<pid> <first line>" to that file.
"""

import os
import subprocess
import sys
import time

class Result:
    def __init__(self, messages, before, after, transforms):
        self.messages = messages
        self.tokens_before = before
        self.tokens_after = after
        self.tokens_saved = before - after
        self.compression_ratio = 0.0
        self.transforms_applied = transforms


def _proto_write(data):
    main = sys.modules["__main__"]
    main._PROTO.write(data)
    main._PROTO.flush()


def _arg(text, name):
    key = "FAKE:" + name + "="
    i = text.find(key)
    if i < 0:
        return None
    rest = text[i + len(key):].split()[0]
    return rest


def compress(messages, model="claude-sonnet-4-5-20250929", **kwargs):
    msgs = [dict(m) for m in messages]
    target = msgs[-1]
    text = target.get("content") or ""
    out = None
    log = os.environ.get("FAKE_HEADROOM_CALL_LOG")
    if log:
        with open(log, "a") as f:
            f.write("%d %s\n" % (os.getpid(), text.split("\n")[0]))

    if "FAKE:crash" in text:
        os._exit(7)
    if "FAKE:hang" in text:
        child = subprocess.Popen(["sleep", "300"])
        sys.stderr.write("fake headroom: hang child pid %d\n" % child.pid)
        sys.stderr.flush()
        time.sleep(3600)
    if "FAKE:garbage" in text:
        _proto_write(b"this is not json\n")
    if "FAKE:wrongid" in text:
        _proto_write(b'{"id": 987654321, "ok": true, "items": []}\n')
    n = _arg(text, "stderr")
    if n is not None:
        sys.stderr.write("E" * int(n) + "\n")
        sys.stderr.flush()
    if "FAKE:print" in text:
        print("fake headroom: stray print during compress")
        os.write(1, b"fake headroom: raw write to fd 1\n")
    s = _arg(text, "sleep")
    if s is not None:
        time.sleep(float(s))
    if "FAKE:raise" in text:
        raise ValueError("fake headroom: requested failure")
    if "FAKE:env" in text:
        out = "ENV " + " ".join(sorted(os.environ))
    elif "FAKE:kwargs" in text:
        out = "KWARGS model=%s " % model + " ".join("%s=%s" % kv for kv in sorted(kwargs.items()))
    elif "FAKE:pid" in text:
        out = "PID %d" % os.getpid()
    elif "FAKE:marker" in text:
        out = "short <<ccr:deadbeef>> Retrieve more: hash=deadbeef"
    elif "FAKE:inflate" in text:
        out = text + text
    elif "FAKE:restructure" in text:
        msgs = msgs[1:] if len(msgs) > 1 else msgs + [{"role": "user", "content": "x"}]
    elif "FAKE:role" in text:
        target["role"] = "user" if target.get("role") != "user" else "assistant"
    else:
        lines = text.split("\n")
        if len(lines) > 3:
            out = "\n".join(lines[:2]) + "\n[%d lines omitted by fake]" % (len(lines) - 2)
    if out is not None:
        target["content"] = out
    before = sum(len(str(m.get("content") or "")) // 4 for m in messages)
    after = sum(len(str(m.get("content") or "")) // 4 for m in msgs)
    return Result(msgs, before, after, ["router:log:0.1"] if out is not None else [])
