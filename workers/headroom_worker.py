"""tsheadroom worker: runs headroom-ai's compress() for the Go parent.

Embedded in the tsheadroom binary and written to a private directory at
start. One process serves one request at a time over a newline-delimited
JSON protocol:

  parent -> worker (stdin):  {"id": N, "op": "compress", "model": "...",
                              "items": [{"messages": [...], "target": i,
                                         "options": {...}}, ...]}
  worker -> parent (stdout): {"type": "ready", ...}            once, at start
                             {"id": N, "ok": true, "items": [...], ...}
                             {"type": "fatal", "error": "..."} then exit

Each item is a small OpenAI-format conversation whose message `target` is
the block to compress; the reply carries the compressed conversation back,
with token counts and timings. The worker exits when stdin closes (parent
gone). Only this file writes to the protocol stream: the real stdout is
duplicated for it and fd 1 / sys.stdout are pointed at stderr before
headroom is imported, so stray prints from any library land in the log.
"""

import os
import sys

# Protect the protocol stream before importing anything that might print.
_PROTO_FD = os.dup(1)
os.dup2(2, 1)
sys.stdout = sys.stderr
_PROTO = os.fdopen(_PROTO_FD, "wb")

import argparse  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

PROTOCOL_VERSION = 1


def send(obj):
    # ASCII-only JSON: lone surrogates in Python strings cannot be encoded as
    # UTF-8, but survive as \u escapes.
    _PROTO.write(json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n")
    _PROTO.flush()


def fatal(msg):
    try:
        send({"type": "fatal", "error": msg})
    finally:
        os._exit(2)


def headroom_version(hr):
    v = getattr(hr, "__version__", None)
    if isinstance(v, str) and v:
        return v
    try:
        from importlib.metadata import version

        return version("headroom-ai")
    except Exception:
        return "unknown"


def disable_retrieval_markers(hr_compress_mod):
    """Run headroom's content router without CCR retrieval markers.

    A pre_request hook serves no retrieval tool, so markers such as
    "Retrieve more: hash=..." would dangle; headroom's router has a no-CCR
    mode for exactly this. Returns "disabled" when it could be switched,
    "unchanged" otherwise (the Go side still rejects any marker).
    """
    try:
        from headroom.transforms.content_router import ContentRouter

        pipeline = hr_compress_mod._get_pipeline()
        switched = False
        for t in getattr(pipeline, "transforms", []):
            if isinstance(t, ContentRouter):
                t.config.ccr_enabled = False
                t.config.ccr_inject_marker = False
                switched = True
        return "disabled" if switched else "unchanged"
    except Exception as e:  # older/newer headroom layouts
        logging.getLogger("tsheadroom.worker").warning("cannot disable retrieval markers: %s", e)
        return "unchanged"


def kompress_state(load, model_id=None):
    """Report (and optionally load) headroom's ML text model (Kompress).

    model_id is a HuggingFace model ID, or None for headroom's default.
    Downloads happen only when the parent allowed them (it then leaves
    HEADROOM_OFFLINE unset); otherwise only a cached model loads.
    """
    try:
        from headroom.transforms import kompress_compressor as kc
    except Exception:
        return "unavailable"
    try:
        if not kc.is_kompress_available():
            return "unavailable"
        if not load:
            return "available"
        ok = kc.warm_kompress_model(model_id) if model_id else kc.warm_kompress_model()
        return "loaded" if ok else "failed"
    except Exception as e:
        return "failed: %s" % e


def warm_tokenizers():
    """Load headroom's exact tokenizers now, once per process.

    tiktoken fetches its vocabularies on first use (or reads them from
    TIKTOKEN_CACHE_DIR). Doing it before the ready line keeps the cost out
    of requests, and every call of this process then counts with the same
    tokenizer (exact, or headroom's estimate when the vocabulary cannot be
    had), so its output does not change mid-life.
    """
    out = {}
    try:
        from headroom.tokenizers import get_tokenizer
    except Exception:
        return {"o200k_base": "unavailable", "cl100k_base": "unavailable"}
    for enc, model in (("o200k_base", "gpt-4o"), ("cl100k_base", "gpt-4")):
        try:
            tok = get_tokenizer(model)
            tok.count_text("warm up")
            out[enc] = type(tok).__name__
        except Exception as e:
            out[enc] = "error: %s" % e
    return out


def make_counter(model):
    """Token counter for the target message with headroom's own tokenizer."""
    try:
        from headroom.tokenizers import get_tokenizer

        tok = get_tokenizer(model) if model else get_tokenizer("claude-sonnet-4-5-20250929")
        return tok.count_text
    except Exception:
        return None


class Worker:
    def __init__(self, compress_fn, warm, ml, loaded):
        self.compress = compress_fn
        # A process that has not run compress() yet pays headroom's lazy
        # pipeline build (and the ML model load when installed) on its first
        # call: that call is reported cold.
        self.warm = warm
        self.ml = ml
        # ML models loaded in this process, by kompress_model value (None
        # is headroom's default).
        self.loaded = loaded

    def warm_up(self, model_id):
        msgs = [
            {"role": "user", "content": "warm up"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "warm", "type": "function", "function": {"name": "bash", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "warm", "content": "\n".join("line %d ok" % i for i in range(400))},
        ]
        kwargs = {"kompress_model": model_id} if model_id else {}
        self.compress(msgs, protect_recent=0, **kwargs)
        self.warm = True

    def handle(self, req):
        t0 = time.perf_counter()
        cold = not self.warm
        items = req.get("items", [])
        model_id = ((items[0].get("options") or {}).get("kompress_model")) if items else None
        if self.ml != "unavailable" and model_id != "disabled" and model_id not in self.loaded:
            # Load the model the knobs name synchronously: headroom would
            # otherwise load it in the background and pass early calls
            # through, which makes the output depend on timing.
            self.ml = kompress_state(load=True, model_id=model_id)
            self.loaded.add(model_id)
            cold = True
        model = req.get("model") or ""
        limit = req.get("model_limit") or 0
        count = make_counter(model)
        out_items = []
        tb = ta = 0
        for item in items:
            out_items.append(self.one(item, model, limit, count))
            tb += out_items[-1].get("tokens_before", 0)
            ta += out_items[-1].get("tokens_after", 0)
        self.warm = True
        return {
            "ok": True,
            "cold": cold,
            "elapsed_ms": (time.perf_counter() - t0) * 1000.0,
            "tokens_before": tb,
            "tokens_after": ta,
            "tokens_saved": tb - ta,
            "items": out_items,
        }

    def one(self, item, model, limit, count):
        t0 = time.perf_counter()
        messages = item.get("messages") or []
        target = item.get("target", len(messages) - 1)
        opts = dict(item.get("options") or {})
        kwargs = {k: v for k, v in opts.items() if v is not None}
        if model:
            kwargs["model"] = model
        if limit:
            # The model's context window, as the original tsheadroom passes it.
            kwargs["model_limit"] = limit
        try:
            res = self.compress(messages, **kwargs)
            out = list(res.messages)
        except Exception as e:
            return {"error": "%s: %s" % (type(e).__name__, e), "elapsed_ms": (time.perf_counter() - t0) * 1000.0}
        r = {
            "messages": out,
            "tokens_before": int(getattr(res, "tokens_before", 0) or 0),
            "tokens_after": int(getattr(res, "tokens_after", 0) or 0),
            "tokens_saved": int(getattr(res, "tokens_saved", 0) or 0),
            "transforms": [str(t) for t in (getattr(res, "transforms_applied", None) or [])],
            "elapsed_ms": (time.perf_counter() - t0) * 1000.0,
        }
        if count is not None and 0 <= target < len(messages) and target < len(out):
            try:
                before = messages[target].get("content")
                after = out[target].get("content") if isinstance(out[target], dict) else None
                if isinstance(before, str) and isinstance(after, str):
                    r["target_tokens_before"] = int(count(before))
                    r["target_tokens_after"] = int(count(after))
            except Exception:
                pass
        return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", default="0")
    ap.add_argument("--preload", action="store_true")
    ap.add_argument("--kompress-model", default=None)
    args = ap.parse_args()

    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )

    try:
        import headroom

        hr_compress_mod = importlib.import_module("headroom.compress")
        compress_fn = getattr(hr_compress_mod, "compress")
    except Exception as e:
        fatal("import headroom: %s: %s" % (type(e).__name__, e))
        return

    markers = disable_retrieval_markers(hr_compress_mod)
    tokenizers = warm_tokenizers()
    model_id = args.kompress_model
    preload_ml = args.preload and model_id != "disabled"
    ml = kompress_state(load=preload_ml, model_id=model_id)
    w = Worker(compress_fn, warm=False, ml=ml, loaded={model_id} if ml == "loaded" else set())
    if args.preload:
        try:
            w.warm_up(model_id)
        except Exception as e:
            fatal("preload: %s: %s" % (type(e).__name__, e))
            return

    send({
        "type": "ready",
        "protocol": PROTOCOL_VERSION,
        "headroom_version": headroom_version(headroom),
        "python": platform.python_version(),
        "pid": os.getpid(),
        "worker": args.worker,
        "preloaded": bool(args.preload),
        "ml": ml,
        "retrieval_markers": markers,
        "tokenizers": tokenizers,
    })

    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            os._exit(0)  # parent closed stdin or died
        if not line.strip():
            continue
        try:
            req = json.loads(line)
        except Exception as e:
            send({"id": 0, "ok": False, "error": "bad request line: %s" % e})
            continue
        rid = req.get("id", 0) if isinstance(req, dict) else 0
        if not isinstance(req, dict) or req.get("op") != "compress":
            send({"id": rid, "ok": False, "error": "unknown op"})
            continue
        try:
            reply = w.handle(req)
        except Exception as e:
            traceback.print_exc()
            reply = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        reply["id"] = rid
        send(reply)


if __name__ == "__main__":
    main()
