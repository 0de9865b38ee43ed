package hook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/metrics"
	"github.com/tsheadroom/tsheadroom/workers"
)

// Config configures a Hook.
type Config struct {
	// Engine compresses the candidate blocks. Required.
	Engine compress.Engine
	// Pool bounds concurrent compressions. Required.
	Pool *workers.Pool
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
	// at info level. Nil discards.
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
	engine     compress.Engine
	pool       *workers.Pool
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
		budget:     cfg.Budget,
		maxBody:    cfg.MaxBodyBytes,
		metrics:    cfg.Metrics,
		log:        cfg.Logger,
		callerName: cfg.CallerName,
		grantsCap:  cfg.GrantsCap,
	}
	if h.grantsCap == "" {
		h.grantsCap = DefaultGrantsCap
	}
	if h.budget == 0 {
		h.budget = DefaultBudget
	}
	if h.maxBody == 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if h.callerName == nil {
		h.callerName = func(context.Context) string { return "" }
	}
	h.knobs.Store(&knobs)
	return h, nil
}

// knobsFor returns the knobs for one call: the runtime settings with the
// caller's grant overrides from metadata.grants applied. Overrides that do
// not parse or validate are ignored as a whole (the call still compresses,
// with the runtime settings) and reported in reason.
func (h *Hook) knobsFor(md *node, src []byte) (c compress.Config, reason string) {
	base := h.Knobs()
	grants := md.get("grants").get(h.grantsCap).items()
	if len(grants) == 0 {
		return base, ""
	}
	c = base
	for _, g := range grants {
		if !g.isObject() {
			return base, "grant override is not an object"
		}
		if err := json.Unmarshal(g.raw(src), &c); err != nil {
			return base, "grant override: " + err.Error()
		}
	}
	if err := c.Validate(); err != nil {
		return base, "grant override: " + err.Error()
	}
	return c, ""
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
