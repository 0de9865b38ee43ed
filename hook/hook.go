package hook

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/internal/ratelog"
	"github.com/tsheadroom/tsheadroom/metrics"
	"github.com/tsheadroom/tsheadroom/settings"
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
	// Settings supplies the settings in force for each call: the knobs
	// and which of them a per-team override may change (a
	// *settings.Store, which /config updates). Nil means fixed settings:
	// Knobs with the default overridable list.
	Settings SettingsSource
	// Knobs are the compression knobs when Settings is nil. Nil means
	// compress.DefaultConfig().
	Knobs *compress.Config
	// Budget is how long one call may spend before the hook gives up and
	// answers allow (outcome timeout), from the first byte of the request
	// when the server says when that was (RequestStart), else from when
	// the handler starts. Zero means DefaultBudget, below Aperture's
	// default hook timeout of 5 s.
	Budget time.Duration
	// MaxBodyBytes caps the request body on the wire and after decoding.
	// Zero means DefaultMaxBodyBytes (Aperture's own request limit).
	MaxBodyBytes int64
	// MaxReading bounds the bodies being read and parsed at once, and
	// MaxInFlightBytes the bytes of all bodies held (the declared length,
	// or the decoded bytes as they arrive): a call past either is answered
	// allow at once, as overload, before its body is read. Zero means
	// DefaultMaxReading and DefaultMaxInFlightBytes; MaxInFlightBytes is
	// never below MaxBodyBytes.
	MaxReading       int
	MaxInFlightBytes int64
	// MaxMessages, MaxBlocks and MaxValues bound one call's work: the
	// messages of its conversation, the texts it hands the engine, the
	// JSON values of its body. A call past one is answered allow as
	// too_large. Zero means the Default* values.
	MaxMessages, MaxBlocks, MaxValues int
	// WriteTimeout bounds sending a reply. Zero means DefaultWriteTimeout.
	WriteTimeout time.Duration
	// ReturnMemoryAfter is the body size from which the hook hands the
	// process's free memory back to the operating system after the call
	// (at most once every 10 s). Zero means DefaultReturnMemoryAfter;
	// negative never.
	ReturnMemoryAfter int64
	// Metrics records calls; nil records nothing.
	Metrics *metrics.Metrics
	// Logger receives one line per call at debug level; calls that fail
	// open, and per-team overrides that name unknown or non-overridable
	// knobs or invalid values, at warn (each at most once per LogEvery per
	// outcome or per caller and problem, with a count of the lines held
	// back). Nil discards them.
	Logger *slog.Logger
	// LogEvery is the interval of those warn lines. Zero means
	// DefaultLogEvery.
	LogEvery time.Duration
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
	// NoGzipReply sends replies uncompressed even to callers that accept
	// gzip (the original's -gzip-response=false).
	NoGzipReply bool
	// NoAcceptEncoding leaves the Accept-Encoding response header out, so
	// clients are not invited to compress request bodies (the original's
	// -accept-compressed=false); compressed bodies are decoded anyway.
	NoAcceptEncoding bool
}

// SettingsSource supplies the settings in force; *settings.Store is one.
type SettingsSource interface {
	Get() settings.Settings
}

// fixedSettings is the SettingsSource of a hook built without one.
type fixedSettings settings.Settings

func (f fixedSettings) Get() settings.Settings { return settings.Settings(f) }

// Defaults.
const (
	DefaultGrantsCap    = "tsheadroom.dev/cap/compress"
	DefaultBudget       = 4 * time.Second
	DefaultMaxBodyBytes = 50 << 20
	DefaultLogEvery     = 10 * time.Second
)

// maxLogKeys bounds the callers and problems whose warn lines are rate
// limited one by one; beyond it they share one budget.
const maxLogKeys = 1024

// Hook serves the Aperture pre_request hook.
type Hook struct {
	engine     Engine
	pool       Runner
	settings   SettingsSource
	budget     time.Duration
	maxBody    int64
	metrics    *metrics.Metrics
	log        *slog.Logger
	callerName func(context.Context) string
	grantsCap  string
	noGzip     bool
	noAccept   bool
	limits     limits
	writeLimit time.Duration
	admission  *admission
	// returnAfter and memory hand memory back after large calls.
	returnAfter int64
	memory      memoryReturner
	// failLog, grantLog and panicLog rate-limit the warn lines of failed
	// calls (by outcome) and of bad per-team overrides (by caller and
	// problem), and the stacks of panics (by place and value).
	failLog, grantLog, panicLog *ratelog.Limiter

	// gzip holds *gzip.Writer for replies: a fresh writer costs more than
	// compressing a 50 KB reply (about 1 MB of allocations).
	gzip sync.Pool
}

// New validates cfg and returns a Hook.
func New(cfg Config) (*Hook, error) {
	if cfg.Engine == nil {
		return nil, errors.New("hook: Engine is required")
	}
	if cfg.Pool == nil {
		return nil, errors.New("hook: Pool is required")
	}
	src := cfg.Settings
	if src == nil {
		s := settings.Default()
		if cfg.Knobs != nil {
			s.Config = *cfg.Knobs
		}
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("hook: compression config: %w", err)
		}
		src = fixedSettings(s.Clone())
	}
	if cfg.Budget < 0 || cfg.MaxBodyBytes < 0 || cfg.LogEvery < 0 || cfg.WriteTimeout < 0 {
		return nil, errors.New("hook: Budget, MaxBodyBytes, LogEvery and WriteTimeout must not be negative")
	}
	if cfg.MaxReading < 0 || cfg.MaxInFlightBytes < 0 || cfg.MaxMessages < 0 || cfg.MaxBlocks < 0 || cfg.MaxValues < 0 {
		return nil, errors.New("hook: MaxReading, MaxInFlightBytes, MaxMessages, MaxBlocks and MaxValues must not be negative")
	}
	every := cmp.Or(cfg.LogEvery, DefaultLogEvery)
	maxBody := cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	h := &Hook{
		engine:     cfg.Engine,
		pool:       cfg.Pool,
		settings:   src,
		budget:     cmp.Or(cfg.Budget, DefaultBudget),
		maxBody:    maxBody,
		metrics:    cfg.Metrics,
		log:        cfg.Logger,
		callerName: cfg.CallerName,
		grantsCap:  cmp.Or(cfg.GrantsCap, DefaultGrantsCap),
		noGzip:     cfg.NoGzipReply,
		noAccept:   cfg.NoAcceptEncoding,
		limits: limits{
			messages: cmp.Or(cfg.MaxMessages, DefaultMaxMessages),
			blocks:   cmp.Or(cfg.MaxBlocks, DefaultMaxBlocks),
			values:   cmp.Or(cfg.MaxValues, DefaultMaxValues),
		},
		writeLimit: cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout),
		// One body of the largest size must always fit.
		admission:   newAdmission(cmp.Or(cfg.MaxReading, DefaultMaxReading), max(cmp.Or(cfg.MaxInFlightBytes, DefaultMaxInFlightBytes), maxBody)),
		returnAfter: cmp.Or(cfg.ReturnMemoryAfter, DefaultReturnMemoryAfter),
		failLog:     ratelog.New(every, maxLogKeys, nil),
		grantLog:    ratelog.New(every, maxLogKeys, nil),
		panicLog:    ratelog.New(every, maxLogKeys, nil),
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.callerName == nil {
		h.callerName = func(context.Context) string { return "" }
	}
	return h, nil
}

// Knobs returns the compression knobs in force.
func (h *Hook) Knobs() compress.Config { return h.settings.Get().Config }

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
