package hook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/compress/tokens"
	"github.com/tsheadroom/tsheadroom/workers"
)

// Answer is the outcome of one hook call: the response to send and what
// happened, for logs and metrics.
type Answer struct {
	Outcome Outcome
	// Reason explains a non-modify outcome in a few words, for logs.
	Reason string
	// Response is the JSON to send: {"action":"allow"} or the modify reply.
	Response []byte

	Shape              Shape
	Model, Provider    string
	Session, RequestID string
	LoginName          string // metadata.login_name
	Blocks, Rewritten  int
	// BlockStats has one entry per candidate block once the engine ran.
	BlockStats []BlockStat
	Kinds      []string // kind of each rewritten block
	// Restores are the rewritten blocks a later turn restored, and
	// RestoredTokens what they added back (counted in TokensAfter).
	Restores       []Restore
	RestoredTokens int
	// Pressure is below 1 when the request was over its model's context
	// window (Window tokens) and the engine compressed harder to fit.
	Pressure     float64
	Window       int
	TokensBefore int
	TokensAfter  int
	// ToolTokensBefore and ToolTokensAfter count tool output blocks only:
	// the part of a request compression is aimed at.
	ToolTokensBefore  int
	ToolTokensAfter   int
	BytesIn, BytesOut int // request body before and after
	EngineTime        time.Duration
	// TokenizerName names how tokens were counted ("o200k_base", "estimate").
	TokenizerName string
}

var allowResponse = []byte(`{"action":"allow"}`)

func allow(outcome Outcome, reason string) *Answer {
	return (&Answer{}).allow(outcome, reason)
}

// allow ends a with an allow reply.
func (a *Answer) allow(outcome Outcome, reason string) *Answer {
	a.Outcome, a.Reason, a.Response = outcome, reason, allowResponse
	return a
}

// Process runs one hook call (the JSON Aperture POSTs) and returns the
// answer. It never fails: every problem, a panic in the hook or the engine
// included, becomes an "allow" answer with the outcome that names it. The
// budget starts now; ctx bounds the work too: when either ends first the
// answer is allow with outcome timeout.
//
// It is made of the steps tests and tools can take one by one: ParseCall,
// Call.Candidates, Candidates.Request with Call.Knobs, the engine in a
// pool slot, and Candidates.Splice.
func (h *Hook) Process(ctx context.Context, data []byte) *Answer {
	ctx, cancel := context.WithTimeout(ctx, h.budget)
	defer cancel()
	return h.process(ctx, data, nil)
}

// process is Process within ctx's deadline; parsed, when set, is called
// once the call is parsed and its candidates collected, the part of the
// work the admission control bounds.
func (h *Hook) process(ctx context.Context, data []byte, parsed func()) (a *Answer) {
	defer func() {
		if v := recover(); v != nil {
			err := h.recovered(ctx, "hook", v)
			if a == nil {
				a = &Answer{}
			}
			a = a.allow(OutcomeError, err.Error())
		}
	}()
	c, err := parseCall(data, h.limits)
	if err != nil {
		return allow(outcomeOfParse(err), err.Error())
	}
	a = &Answer{Shape: c.Shape, Model: c.Model, Provider: c.Provider, Session: c.Session, RequestID: c.RequestID, LoginName: c.LoginName}
	a.BytesIn = len(c.Body())
	a.BytesOut = a.BytesIn
	cands, err := c.Candidates()
	if parsed != nil {
		parsed()
	}
	if err != nil {
		return a.allow(outcomeOf(err), err.Error())
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return a.allow(OutcomeTimeout, "budget spent before compression")
	case ctx.Err() != nil:
		return a.allow(OutcomeError, "caller went away")
	}
	a.Blocks = len(cands.Blocks)
	a.TokenizerName = tokens.For(a.Model).Name()
	if len(cands.Blocks) == 0 {
		a.TokensBefore = tokens.Estimate{}.Count(string(c.Body()))
		a.TokensAfter = a.TokensBefore
		return a.allow(OutcomeNoop, "no candidate blocks")
	}

	knobs, issues := c.Knobs(h.settings.Get(), h.grantsCap)
	if len(issues) > 0 {
		a.Reason = "override ignored: " + joinIssues(issues)
		h.logOverrideIssues(ctx, c, issues)
	}
	engineStart := time.Now()
	res, err := h.runEngine(ctx, cands.Request(knobs))
	a.EngineTime = time.Since(engineStart)
	switch {
	case errors.Is(err, workers.ErrOverload):
		return a.allow(OutcomeOverload, "worker pool overloaded")
	case errors.Is(err, context.DeadlineExceeded):
		return a.allow(OutcomeTimeout, "compression budget exceeded")
	case err != nil:
		return a.allow(OutcomeError, err.Error())
	}
	a.Pressure, a.Window = res.Pressure, res.Window
	rw, err := cands.Splice(res)
	if err != nil {
		return a.allow(OutcomeError, err.Error())
	}
	a.TokensBefore, a.TokensAfter = rw.TokensBefore, rw.TokensAfter
	a.ToolTokensBefore, a.ToolTokensAfter = rw.ToolTokensBefore, rw.ToolTokensAfter
	a.Restores, a.RestoredTokens = rw.Restores, rw.RestoredTokens
	a.BlockStats = rw.Stats
	if rw.Rewritten == 0 {
		return a.allow(OutcomeNoop, "nothing worth rewriting")
	}
	a.Rewritten, a.Kinds = rw.Rewritten, rw.Kinds
	a.BytesOut = len(rw.Body)
	a.Outcome, a.Response = OutcomeModify, modifyReply(rw.Body)
	return a
}

// outcomeOfParse names the outcome of a call that does not parse: too
// large past a limit of work, else a decode error.
func outcomeOfParse(err error) Outcome {
	if tl := (*tooLargeError)(nil); errors.As(err, &tl) {
		return OutcomeTooLarge
	}
	return OutcomeDecodeError
}

// outcomeOf names the outcome of a call that has no candidates.
func outcomeOf(err error) Outcome {
	if skip := (*skipError)(nil); errors.As(err, &skip) {
		return skip.outcome
	}
	return OutcomeError
}

// runEngine runs the engine in a pool slot, bounded by ctx (whose deadline
// is the call's budget). The answer does not wait for an engine that
// overruns: the slot stays busy until the engine notices the cancellation,
// which the pool gauges show. A panic in the engine is recovered in the
// slot, so the slot is freed and the call fails open like any error.
func (h *Hook) runEngine(ctx context.Context, req *compress.Request) (*compress.Result, error) {
	type outcome struct {
		res *compress.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		var res *compress.Result
		err := h.pool.Do(ctx, func(ctx context.Context) (err error) {
			defer func() {
				if v := recover(); v != nil {
					res, err = nil, h.recovered(ctx, "engine", v)
				}
			}()
			res, err = h.engine.Compress(ctx, req)
			return err
		})
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		if o.err == nil && o.res == nil {
			o.err = errors.New("engine returned no result")
		}
		return o.res, o.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, context.DeadlineExceeded
		}
		return nil, fmt.Errorf("caller went away: %w", ctx.Err())
	}
}

func joinIssues(issues []OverrideIssue) string {
	parts := make([]string, len(issues))
	for i, is := range issues {
		parts[i] = is.String()
	}
	return strings.Join(parts, "; ")
}

// logOverrideIssues reports the members of per-team overrides that were
// not applied, at warn with the user the grant is for, each problem of
// each user at most once per LogEvery: a grant is the same on every call,
// so one line says it all.
func (h *Hook) logOverrideIssues(ctx context.Context, c *Call, issues []OverrideIssue) {
	for _, is := range issues {
		ok, held := h.grantLog.Allow(c.LoginName + "\x00" + is.Field + "\x00" + is.Problem)
		if !ok {
			continue
		}
		h.log.LogAttrs(ctx, slog.LevelWarn, "per-team override ignored",
			slog.String("login", c.LoginName),
			slog.String("caller", h.callerName(ctx)),
			slog.String("cap", h.grantsCap),
			slog.String("field", is.Field),
			slog.String("problem", is.Problem),
			slog.Int("held_back", held),
		)
	}
}
