package hook

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/tsheadroom/tsheadroom/internal/firstbyte"
	"github.com/tsheadroom/tsheadroom/metrics"
)

// acceptedCodings is advertised on every response (RFC 7694) so a client
// may compress its request bodies.
const acceptedCodings = "zstd, gzip"

// minGzipBytes: smaller replies are not worth compressing.
const minGzipBytes = 1 << 10

// ServeHTTP answers one Aperture pre_request hook call. It answers 200 on
// every path except a wrong method (405) and a content coding it cannot
// decode (415).
//
// The budget runs from the request's first byte (when the server records
// it, see internal/firstbyte) to the answer: the body must arrive within
// it (the read deadline is the budget's end), and the admission control
// answers allow at once, before the body is read, when too many bodies are
// being read or too many bytes are held.
func (h *Hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start, ok := firstbyte.From(r.Context())
	if !ok {
		start = time.Now()
	}
	if h.metrics != nil {
		done := h.metrics.InboundStarted()
		defer done()
	}
	if !h.noAccept {
		w.Header().Set("Accept-Encoding", acceptedCodings)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "the Aperture hook takes POST", http.StatusMethodNotAllowed)
		return
	}
	deadline := start.Add(h.budget)
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	defer cancel()
	rc := http.NewResponseController(w)
	// Errors mean the writer has no deadlines (a test recorder): nothing
	// to bound then.
	_ = rc.SetReadDeadline(deadline)

	var a *Answer
	wire := 0
	switch t, outcome, err := h.admit(r); {
	case err != nil:
		a = allow(outcome, err.Error())
	default:
		defer t.release()
		var body []byte
		body, wire, outcome, err = h.readBody(r, t)
		switch {
		case outcome == OutcomeRejectEncoding:
			a = allow(outcome, err.Error())
			h.finish(r, a, wire, start)
			http.Error(w, err.Error(), http.StatusUnsupportedMediaType)
			return
		case err != nil:
			a = allow(outcome, err.Error())
		default:
			a = h.process(ctx, body, t.doneReading)
		}
	}
	if a.Outcome == OutcomeOverload || a.Outcome == OutcomeTooLarge || a.Outcome == OutcomeTimeout || a.Outcome == OutcomeReadError {
		// The rest of the body may never come (or not soon): without
		// this the server would read it before the next request.
		w.Header().Set("Connection", "close")
	}
	h.finish(r, a, wire, start)
	// A caller that does not read its reply is dropped at the deadline;
	// the deadline is cleared once the reply is out, since a server
	// without a WriteTimeout would keep it for the connection's next
	// request.
	_ = rc.SetWriteDeadline(time.Now().Add(h.writeLimit))
	h.writeAnswer(w, r, a.Response)
	if rc.Flush() == nil {
		_ = rc.SetWriteDeadline(time.Time{})
	}
	if h.returnAfter > 0 && int64(max(wire, a.BytesIn)) >= h.returnAfter {
		h.memory.after()
	}
}

// admit applies the admission control and the declared size cap before
// anything of the body is read.
func (h *Hook) admit(r *http.Request) (*ticket, Outcome, error) {
	if r.ContentLength > h.maxBody {
		return nil, OutcomeTooLarge, fmt.Errorf("body of %d bytes exceeds %d", r.ContentLength, h.maxBody)
	}
	t, ok := h.admission.admit(r.ContentLength)
	if !ok {
		return nil, OutcomeOverload, errors.New("too many bodies being read, or bytes of bodies held, to take this one")
	}
	return t, "", nil
}

// readBody reads and decodes the request body within the size caps,
// accounting the decoded bytes to t (nil: no accounting).
func (h *Hook) readBody(r *http.Request, t *ticket) (body []byte, wire int, _ Outcome, _ error) {
	counted := &countingReader{r: http.MaxBytesReader(nil, r.Body, h.maxBody)}
	var src io.Reader = counted
	coding := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	switch coding {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(counted)
		if err != nil {
			return nil, counted.n, readOrDecode(counted), fmt.Errorf("gzip body: %w", err)
		}
		defer zr.Close()
		src = zr
	case "zstd":
		zr, err := zstd.NewReader(counted, zstd.WithDecoderMaxMemory(uint64(h.maxBody)), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, counted.n, readOrDecode(counted), fmt.Errorf("zstd body: %w", err)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, 0, OutcomeRejectEncoding, fmt.Errorf("unsupported Content-Encoding %q; accepted: %s", coding, acceptedCodings)
	}
	if t != nil {
		src = &accountReader{r: src, t: t}
	}
	declared := r.ContentLength
	if coding != "" && coding != "identity" {
		declared = -1 // the wire length says nothing of the decoded one
	}
	body, err := readAll(io.LimitReader(src, h.maxBody+1), declared)
	// A decoder may hide the transport's error: ask the transport too.
	is := func(target error) bool { return errors.Is(err, target) || errors.Is(counted.err, target) }
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, errInFlight):
		return nil, counted.n, OutcomeOverload, err
	case is(os.ErrDeadlineExceeded) || isTimeout(err) || isTimeout(counted.err):
		return nil, counted.n, OutcomeTimeout, fmt.Errorf("body not received within the budget: %w", err)
	case errors.As(err, &tooBig) || errors.As(counted.err, &tooBig):
		return nil, counted.n, OutcomeTooLarge, fmt.Errorf("read body: %w", err)
	case err != nil:
		return nil, counted.n, readOrDecode(counted), fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > h.maxBody {
		return nil, counted.n, OutcomeTooLarge, fmt.Errorf("decoded body exceeds %d bytes", h.maxBody)
	}
	return body, counted.n, "", nil
}

// isTimeout reports a deadline error of a connection that is not
// os.ErrDeadlineExceeded (tsnet's gVisor connections have their own).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readOrDecode tells a content coding that does not decode from a
// transport failure (too large on the wire, cut off): it is the
// transport's when the body reader itself failed, whatever the decoder made
// of that. Every other error is the decoder's own (zstd has dozens, many
// unexported), a compressed stream that ends early in a body that arrived
// whole included.
func readOrDecode(wire *countingReader) Outcome {
	if wire.err != nil {
		return OutcomeReadError
	}
	return OutcomeDecodeError
}

// countingReader counts the wire bytes and keeps the transport's first
// error, so that a failure can be told apart from the decoder's own.
type countingReader struct {
	r   io.Reader
	n   int
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// writeAnswer sends the JSON reply, gzipped when the caller accepts gzip
// and the reply is large enough to gain from it.
func (h *Hook) writeAnswer(w http.ResponseWriter, r *http.Request, resp []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Add("Vary", "Accept-Encoding")
	if !h.noGzip && len(resp) >= minGzipBytes && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		var buf bytes.Buffer
		buf.Grow(len(resp) / 4)
		zw, _ := h.gzip.Get().(*kgzip.Writer)
		if zw == nil {
			zw, _ = kgzip.NewWriterLevel(&buf, kgzip.BestSpeed)
		} else {
			zw.Reset(&buf)
		}
		zw.Write(resp)
		zw.Close()
		h.gzip.Put(zw)
		hdr.Set("Content-Encoding", "gzip")
		resp = buf.Bytes()
	}
	hdr.Set("Content-Length", strconv.Itoa(len(resp)))
	w.WriteHeader(http.StatusOK)
	w.Write(resp)
}

// acceptsGzip parses an Accept-Encoding header: gzip (or *) with a
// non-zero quality.
func acceptsGzip(header string) bool {
	star, gz := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				continue
			}
			q = f
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "x-gzip":
			gz = q
		case "*":
			star = q
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}

// logCall logs an event of the call a answers: its session and request id,
// then attrs.
func (h *Hook) logCall(ctx context.Context, level slog.Level, msg string, a *Answer, attrs ...slog.Attr) {
	if !h.log.Enabled(ctx, level) {
		return
	}
	h.log.LogAttrs(ctx, level, msg, append([]slog.Attr{
		slog.String("session", a.Session),
		slog.String("request_id", a.RequestID),
	}, attrs...)...)
}

// finish logs the call and records it in metrics. A call that failed open
// is logged at warn, at most once per LogEvery per outcome (with the count
// held back since), so failures show without -v and a storm of them stays
// a few lines; every other call is logged at debug.
func (h *Hook) finish(r *http.Request, a *Answer, wire int, start time.Time) {
	total := time.Since(start)
	level, msg := slog.LevelDebug, "hook call"
	var extra []slog.Attr
	if a.Outcome.FailedOpen() {
		if ok, held := h.failLog.Allow(string(a.Outcome)); ok {
			level, msg = slog.LevelWarn, "hook call failed open: answered allow"
			extra = append(extra, slog.Int("held_back", held))
		}
	}
	h.log.LogAttrs(r.Context(), level, msg, append([]slog.Attr{
		slog.String("outcome", string(a.Outcome)),
		slog.String("shape", string(a.Shape)),
		slog.String("session", a.Session),
		slog.String("request_id", a.RequestID),
		slog.String("caller", h.callerName(r.Context())),
		slog.String("login", a.LoginName),
		slog.String("model", a.Model),
		slog.Int("bytes_in", a.BytesIn),
		slog.Int("bytes_out", a.BytesOut),
		slog.Int("bytes_wire", wire),
		slog.Int("blocks", a.Blocks),
		slog.Int("rewritten", a.Rewritten),
		slog.Int("tokens_before", a.TokensBefore),
		slog.Int("tokens_after", a.TokensAfter),
		slog.Duration("engine_time", a.EngineTime),
		slog.Duration("total_time", total),
		slog.String("reason", a.Reason),
	}, extra...)...)
	for _, rs := range a.Restores {
		h.logCall(r.Context(), slog.LevelDebug, "block restored by a later turn", a,
			slog.Int("block", rs.Block),
			slog.String("reason", rs.Reason),
			slog.Int("tokens_added", rs.Tokens),
			slog.Bool("fresh", rs.Fresh),
		)
	}
	pressured := a.Pressure > 0 && a.Pressure < 1
	if pressured {
		h.logCall(r.Context(), slog.LevelInfo, "request over its context window: compressed harder", a,
			slog.String("model", a.Model),
			slog.Int("window", a.Window),
			slog.Float64("pressure", a.Pressure),
			slog.Int("tokens_after", a.TokensAfter),
		)
	}
	if h.metrics == nil {
		return
	}
	// A restore counts once, on the request where it breaks the prompt
	// cache; the tokens it adds back count on every request carrying it.
	var fresh []string
	for _, rs := range a.Restores {
		if rs.Fresh {
			fresh = append(fresh, rs.Reason)
		}
	}
	h.metrics.ObserveCall(metrics.Call{
		Provider:       a.Provider,
		Model:          a.Model,
		Outcome:        string(a.Outcome),
		Duration:       total,
		TokensBefore:   a.TokensBefore,
		TokensAfter:    a.TokensAfter,
		BytesIn:        a.BytesIn,
		BytesOut:       a.BytesOut,
		Kinds:          a.Kinds,
		Restores:       fresh,
		RestoredTokens: a.RestoredTokens,
		Pressured:      pressured,
	})
}
