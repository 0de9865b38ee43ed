package hook

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/metrics"
)

// Engine compresses the candidate blocks of one request; compress.Native
// and workers.Headroom are the two.
//
// Implementations must be safe for concurrent use and deterministic: the
// same Request (blocks, model, config) yields the same Result bytes. The
// output for block i may depend only on blocks[0..i] and the config, never
// on later blocks, so that a growing conversation keeps its compressed
// prefix (and the provider's prompt cache). Compress returns one
// BlockResult per block, in order; an error leaves the whole request
// untouched.
type Engine interface {
	Compress(ctx context.Context, req *compress.Request) (*compress.Result, error)
}

// Runner runs each compression in a bounded slot; workers.Pool is the one.
// Do runs fn and returns its error, or returns workers.ErrOverload at once
// when too many calls already wait for a slot, or ctx's error when ctx ends
// before a slot is free (fn does not run then).
type Runner interface {
	Do(ctx context.Context, fn func(context.Context) error) error
}

// Readier is implemented by engines that can be unable to take calls for a
// while, such as the headroom engine while every worker process restarts.
// Ready returns nil when the engine can take a call, else why it cannot.
type Readier interface {
	Ready() error
}

// Versioner is implemented by engines that run a versioned library
// (headroom-ai); Version returns "" while it is not known yet.
type Versioner interface {
	Version() string
}

// Config configures a Hook.
type Config struct {
	// Engine compresses the candidate blocks. Required.
	Engine Engine
	// Pool runs every compression in a bounded slot. Required.
	Pool Runner
	// Knobs are the compression settings in force at start; /config can
	// change them at run time. Nil means compress.DefaultConfig().
	Knobs *compress.Config
	// Budget is how long one call may spend before the hook gives up and
	// answers allow (outcome timeout). Zero means DefaultBudget, below
	// Aperture's default hook timeout of 5 s.
	Budget time.Duration
	// MaxBodyBytes caps the request body on the wire and after decoding.
	// Zero means DefaultMaxBodyBytes (Aperture's own request limit).
	MaxBodyBytes int64
	// Metrics records calls; nil records nothing.
	Metrics *metrics.Metrics
	// Logger receives one line per call at debug level, and config changes
	// at info level. Nil discards them.
	Logger *slog.Logger
	// GrantsCap is the app capability whose values in metadata.grants
	// override compression knobs per user or team (Aperture forwards the
	// custom capabilities of the grants that matched the caller when the
	// hook is configured with send: ["grants"]). Each value is a JSON
	// object of knobs, e.g. {"savings_profile": "agent-90"}; several are
	// applied in order. Empty means DefaultGrantsCap.
	GrantsCap string
	// CallerName names the caller of a request for logs (the tailnet
	// identity attached by the access layer). Nil logs no caller.
	CallerName func(context.Context) string
}

// Defaults.
const (
	DefaultGrantsCap    = "tsheadroom.dev/cap/compress"
	DefaultBudget       = 4 * time.Second
	DefaultMaxBodyBytes = 50 << 20
)

// Hook serves the Aperture pre_request hook and the /config endpoint.
type Hook struct {
	engine     Engine
	pool       Runner
	knobs      atomic.Pointer[compress.Config]
	budget     time.Duration
	maxBody    int64
	metrics    *metrics.Metrics
	log        *slog.Logger
	callerName func(context.Context) string
	grantsCap  string
}

// New validates cfg and returns a Hook.
func New(cfg Config) (*Hook, error) {
	if cfg.Engine == nil {
		return nil, errors.New("hook: Engine is required")
	}
	if cfg.Pool == nil {
		return nil, errors.New("hook: Pool is required")
	}
	knobs := compress.DefaultConfig()
	if cfg.Knobs != nil {
		knobs = *cfg.Knobs
	}
	if err := knobs.Validate(); err != nil {
		return nil, fmt.Errorf("hook: compression config: %w", err)
	}
	if cfg.Budget < 0 || cfg.MaxBodyBytes < 0 {
		return nil, errors.New("hook: Budget and MaxBodyBytes must not be negative")
	}
	h := &Hook{
		engine:     cfg.Engine,
		pool:       cfg.Pool,
		budget:     cmp.Or(cfg.Budget, DefaultBudget),
		maxBody:    cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		metrics:    cfg.Metrics,
		log:        cfg.Logger,
		callerName: cfg.CallerName,
		grantsCap:  cmp.Or(cfg.GrantsCap, DefaultGrantsCap),
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.callerName == nil {
		h.callerName = func(context.Context) string { return "" }
	}
	h.knobs.Store(&knobs)
	return h, nil
}

// Knobs returns the compression settings in force.
func (h *Hook) Knobs() compress.Config { return *h.knobs.Load() }

// SetKnobs validates and installs new compression settings; calls already
// running keep the settings they started with.
func (h *Hook) SetKnobs(c compress.Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	h.knobs.Store(&c)
	return nil
}

// Ready reports whether the engine can take calls: nil, or why it cannot.
// An engine that is not a Readier is always ready.
func (h *Hook) Ready() error {
	if r, ok := h.engine.(Readier); ok {
		return r.Ready()
	}
	return nil
}

// EngineVersion returns the version of the library behind the engine, or
// "" when the engine is not a Versioner or does not know it yet.
func (h *Hook) EngineVersion() string {
	if v, ok := h.engine.(Versioner); ok {
		return v.Version()
	}
	return ""
}
