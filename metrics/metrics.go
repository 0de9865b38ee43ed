// Package metrics owns tsheadroom's Prometheus registry: every family the
// README's Metrics section lists (the headroom_* names shared with headroom's
// own proxy exporter and the native tsheadroom_* ones, all declared in New
// and Watch), the Go runtime and process collectors, and the HTTP handler
// that exposes them.
//
// It is for recording what the hook, the worker pool and the access layer
// observed, with label values kept to closed or capped sets so a hostile or
// buggy caller cannot grow the series count without bound. It is not for
// deciding anything: it serves no routes of its own (the caller mounts
// Handler on a tailnet-only mux behind the metrics role), knows nothing of
// HTTP request shapes, pools or engines, and imports no other tsheadroom
// package. Live values (pool occupancy, the engine's cache, the headroom
// version) are read through functions at scrape time (see Watch) so they
// cannot drift from their source.
package metrics

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Other is the label value that stands for every value outside a closed set
// and for every model or provider without a series of its own.
const Other = "other"

// Unknown is the label value recorded for an empty model or provider name.
// It is not counted against MaxModels or MaxProviders.
const Unknown = "unknown"

// Default caps applied when Config.MaxModels or Config.MaxProviders is zero.
const (
	DefaultMaxModels    = 50
	DefaultMaxProviders = 50
)

// DefaultLabelWindow is Config.LabelWindow when zero: hook calls between two
// decisions on which models and providers hold a series.
const DefaultLabelWindow = 1000

// maxLabelLen bounds a model or provider label value in bytes: names are
// short in practice, and a bound keeps one hostile request from storing a
// megabyte-long series name for the life of the process.
const maxLabelLen = 128

// DefaultFailedOutcomes lists the outcomes that count toward
// headroom_requests_failed_total when Config.FailedOutcomes is nil: each one
// means compression did not happen (the engine failed or timed out, the pool
// or the admission control was full, or the body could not be read,
// decoded or un-encoded, or it was past a limit of work) and the
// request went on unchanged. noop, passthrough and modify are not failures:
// the hook did its job, whatever it decided.
func DefaultFailedOutcomes() []string {
	return []string{"error", "read_error", "decode_error", "reject_encoding", "timeout", "overload", "too_large"}
}

// DefaultRestartReasons is the closed set of worker restart reasons used when
// Config.RestartReasons is nil.
func DefaultRestartReasons() []string {
	return []string{"crash", "timeout", "protocol"}
}

// Sources are the live values a scrape reads from components that report
// into the registry, and so are built after it: the worker pool and the
// engine. Every function is called at every scrape, so it must be cheap and
// must not block.
type Sources struct {
	// Pool returns the pool's occupancy, for tsheadroom_pool_slots_total,
	// tsheadroom_pool_slots_busy and tsheadroom_pool_waiting. Nil means
	// there is no pool and those gauges are not exposed at all (rather
	// than reported as zeros).
	Pool func() PoolStats
	// Cache returns the native engine's result cache counters, for the
	// tsheadroom_cache_* families. Nil (another engine) exposes none.
	Cache func() CacheStats
	// HeadroomVersion returns the headroom library version, the
	// build_info "headroom_version" label; it may return "" while
	// unknown. Nil means the label is always "".
	HeadroomVersion func() string
}

// CacheStats is a snapshot of the native engine's result cache, read at
// scrape time.
type CacheStats struct {
	// Entries and Bytes are what the cache holds now: block results, and
	// their text plus a fixed per-entry overhead.
	Entries, Bytes int
	// Hits, Misses and Evictions count lookups that found a result, those
	// that did not, and results dropped to stay within the bounds.
	Hits, Misses, Evictions uint64
}

// PoolStats is a snapshot of the worker pool, read at scrape time.
type PoolStats struct {
	// Total is the number of worker slots (the semaphore's size).
	Total int
	// Busy is the number of slots compressing right now.
	Busy int
	// Waiting is the number of calls queued for a slot.
	Waiting int
}

// Config describes what the registry exposes. Every closed set becomes the
// only allowed values of its label; anything else is recorded as Other.
type Config struct {
	// Version is the tsheadroom version, the build_info "version" label.
	// Required.
	Version string
	// Engine is the compression engine in use ("native" or "headroom"), the
	// build_info "engine" label. Required.
	Engine string
	// Node names this replica, the "node" label of tsheadroom_node_info:
	// its tailnet device name. Replicas behind one Tailscale Service are
	// scraped one by one at their own names, where Prometheus's instance
	// label tells them apart; node says which replica answered a scrape
	// that went through the Service name anyway. Empty means no
	// tsheadroom_node_info.
	Node string
	// Services are the Tailscale Services the replica hosts, the
	// "services" label of tsheadroom_node_info (comma-separated).
	Services []string
	// Outcomes is the closed set of hook outcomes (the "outcome" label of
	// tsheadroom_requests_by_outcome and tsheadroom_hook_duration_seconds).
	// Required; values must be non-empty, distinct and not Other.
	Outcomes []string
	// FailedOutcomes is the subset of Outcomes counted by
	// headroom_requests_failed_total. Nil means the members of
	// DefaultFailedOutcomes that are in Outcomes. An outcome outside
	// Outcomes (recorded as Other) never counts as failed.
	FailedOutcomes []string
	// Kinds is the closed set of block kinds (the "kind" label of
	// tsheadroom_blocks_compressed_total), normally compress.CompressedKinds.
	// Required; same rules as Outcomes.
	Kinds []string
	// RestoreReasons is the closed set of reasons a later turn restores a
	// block (the "reason" label of tsheadroom_blocks_restored_total),
	// normally compress.RestoreReasons. Required; same rules as Outcomes.
	RestoreReasons []string
	// Endpoints is the closed set of endpoints (the "endpoint" label of
	// tsheadroom_access_denied_total), e.g. "hook", "metrics", "config".
	// Required; same rules as Outcomes.
	Endpoints []string
	// RestartReasons is the closed set of worker restart reasons (the
	// "reason" label of tsheadroom_worker_restarts_total). Nil means
	// DefaultRestartReasons.
	RestartReasons []string
	// MaxModels caps the "model" label values of headroom_requests_by_model
	// that have a series at any time (Other and Unknown aside). The first
	// MaxModels names seen get one at once; after that the most frequent
	// names take the series of rarer ones every LabelWindow calls, so junk
	// names cannot keep real ones in Other (see cappedCounter). Zero means
	// DefaultMaxModels; negative is an error.
	MaxModels int
	// MaxProviders is the same cap for the "provider" label of
	// headroom_requests_by_provider. Zero means DefaultMaxProviders.
	MaxProviders int
	// LabelWindow is the number of hook calls between two decisions on
	// which models and providers hold a series. Zero means
	// DefaultLabelWindow; negative is an error.
	LabelWindow int
	// Logger receives scrape errors (with component=metrics). Nil discards
	// them.
	Logger *slog.Logger
}

// Metrics records tsheadroom's observations. All methods are safe for
// concurrent use and never panic on odd input.
type Metrics struct {
	reg       *prometheus.Registry
	handler   http.Handler
	buildInfo *buildInfoCollector
	watched   atomic.Bool

	// headroom_* families.
	requests       prometheus.Counter
	failed         prometheus.Counter
	tokensInput    prometheus.Counter
	tokensSaved    prometheus.Counter
	overhead       *overheadCollector
	byProvider     *cappedCounter
	byModel        *cappedCounter
	inboundTotal   prometheus.Counter
	inboundDone    prometheus.Counter
	inboundActive  prometheus.Gauge
	tokensAfter    prometheus.Counter
	bytesIn        prometheus.Counter
	bytesOut       prometheus.Counter
	poolWait       prometheus.Histogram
	outcomes       *closedSet[outcomeSeries]
	blocks         *closedSet[prometheus.Counter]
	restored       *closedSet[prometheus.Counter]
	tokensRestored prometheus.Counter
	pressured      prometheus.Counter
	affinityHits   prometheus.Counter
	affinitySpills prometheus.Counter
	coldStarts     prometheus.Counter
	restarts       *closedSet[prometheus.Counter]
	denied         *closedSet[prometheus.Counter]
	configUpdates  prometheus.Counter
	panics         prometheus.Counter
}

// outcomeSeries groups the per-outcome children so one map lookup serves a
// whole ObserveCall.
type outcomeSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
	failed   bool
}

// Buckets of tsheadroom_hook_duration_seconds: the native engine answers in
// well under a millisecond to a few ms, the headroom engine in tens of ms to
// seconds, and hook timeouts sit in the tens of seconds.
var hookDurationBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// Buckets of tsheadroom_pool_wait_seconds: an idle pool grants a slot in
// microseconds; anything past a second means the pool is undersized.
var poolWaitBuckets = []float64{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// New validates cfg and builds a registry holding every family but those
// Watch adds, plus the Go and process collectors.
func New(cfg Config) (*Metrics, error) {
	return build(cfg, prometheus.NewRegistry())
}

// build does New's work on a given registry, so tests can use a pedantic
// one that also checks every collector against its descriptions.
func build(cfg Config, reg *prometheus.Registry) (*Metrics, error) {
	if err := cfg.fill(); err != nil {
		return nil, fmt.Errorf("metrics config: %w", err)
	}
	m := &Metrics{reg: reg}
	var regErr error
	register := func(c prometheus.Collector) {
		if err := reg.Register(c); err != nil && regErr == nil {
			regErr = err
		}
	}
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
		register(c)
		return c
	}
	gauge := func(name, help string) prometheus.Gauge {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		register(g)
		return g
	}
	counterVec := func(name, help, label string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{label})
		register(v)
		return v
	}

	// headroom_* — names and types shared with headroom's proxy exporter.
	m.requests = counter("headroom_requests_total",
		"Hook calls processed, whatever their outcome.")
	m.failed = counter("headroom_requests_failed_total",
		"Hook calls where compression failed and the request was allowed unchanged (outcomes: "+joinSet(cfg.FailedOutcomes)+").")
	m.tokensInput = counter("headroom_tokens_input_total",
		"Tokens of the request before compression, summed over hook calls.")
	m.tokensSaved = counter("headroom_tokens_saved_total",
		"Tokens removed by compression (before minus after, never negative), summed over hook calls.")
	m.overhead = newOverheadCollector()
	register(m.overhead)
	m.byProvider = newCappedCounter(counterVec("headroom_requests_by_provider",
		"Hook calls per provider (metadata.provider); providers without a series of their own (the most frequent hold one) are labelled \"other\".", "provider"), cfg.MaxProviders, cfg.LabelWindow)
	m.byModel = newCappedCounter(counterVec("headroom_requests_by_model",
		"Hook calls per model; models without a series of their own (the most frequent hold one) are labelled \"other\".", "model"), cfg.MaxModels, cfg.LabelWindow)
	m.inboundTotal = counter("headroom_inbound_requests_total",
		"HTTP requests received on the hook endpoint.")
	m.inboundDone = counter("headroom_inbound_requests_completed_total",
		"HTTP requests on the hook endpoint that have been answered.")
	m.inboundActive = gauge("headroom_inbound_requests_active",
		"HTTP requests on the hook endpoint in flight right now.")

	// tsheadroom_* — native families.
	m.poolWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "tsheadroom_pool_wait_seconds",
		Help:    "Time a hook call waited for a free worker slot.",
		Buckets: poolWaitBuckets,
	})
	register(m.poolWait)

	byOutcome := counterVec("tsheadroom_requests_by_outcome",
		"Hook calls by outcome.", "outcome")
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tsheadroom_hook_duration_seconds",
		Help:    "Time spent handling a hook call, by outcome.",
		Buckets: hookDurationBuckets,
	}, []string{"outcome"})
	register(duration)
	m.outcomes = newClosedSet(cfg.Outcomes, func(v string) (outcomeSeries, error) {
		c, err := byOutcome.GetMetricWithLabelValues(v)
		if err != nil {
			return outcomeSeries{}, err
		}
		o, err := duration.GetMetricWithLabelValues(v)
		if err != nil {
			return outcomeSeries{}, err
		}
		return outcomeSeries{requests: c, duration: o, failed: slices.Contains(cfg.FailedOutcomes, v)}, nil
	})

	// Plain counters, and counters by a label of a closed set of values.
	for _, c := range []struct {
		dst        *prometheus.Counter
		name, help string
	}{
		{&m.tokensAfter, "tsheadroom_tokens_after_total",
			"Tokens of the request after compression, summed over hook calls."},
		{&m.bytesIn, "tsheadroom_bytes_in_total",
			"Request-body bytes received by the hook, before compression."},
		{&m.bytesOut, "tsheadroom_bytes_out_total",
			"Request-body bytes after compression (equal to bytes in when the request was left unchanged)."},
		{&m.tokensRestored, "tsheadroom_tokens_restored_total",
			"Tokens restores added back, summed over every request carrying a restored block (included in tsheadroom_tokens_after_total)."},
		{&m.pressured, "tsheadroom_context_pressure_total",
			"Hook calls over their model's context window that were compressed harder to fit."},
		{&m.affinityHits, "tsheadroom_affinity_hits_total",
			"Headroom engine calls served by the worker that already held the session."},
		{&m.affinitySpills, "tsheadroom_affinity_spills_total",
			"Headroom engine calls sent to another worker because the session's worker was busy."},
		{&m.coldStarts, "tsheadroom_cold_starts_total",
			"Headroom engine worker calls that paid a model load."},
		{&m.configUpdates, "tsheadroom_config_updates_total",
			"Accepted PUT /config requests."},
		{&m.panics, "tsheadroom_panics_total",
			"Panics recovered in an engine or the hook; each call was answered allow (outcome error)."},
	} {
		*c.dst = counter(c.name, c.help)
	}
	for _, c := range []struct {
		dst               **closedSet[prometheus.Counter]
		values            []string
		name, help, label string
	}{
		{&m.blocks, cfg.Kinds, "tsheadroom_blocks_compressed_total",
			"Blocks rewritten by compression, by content kind.", "kind"},
		{&m.restored, cfg.RestoreReasons, "tsheadroom_blocks_restored_total",
			"Blocks whose compressed form a later turn changed to bring back what it referred to, by reason; counted once, on the request where the block changed form (and the prompt cache broke).", "reason"},
		{&m.restarts, cfg.RestartReasons, "tsheadroom_worker_restarts_total",
			"Headroom worker processes replaced, by reason.", "reason"},
		{&m.denied, cfg.Endpoints, "tsheadroom_access_denied_total",
			"Requests refused by the tailnet access policy, by endpoint.", "endpoint"},
	} {
		*c.dst = newClosedSet(c.values, counterChild(counterVec(c.name, c.help, c.label)))
	}
	m.buildInfo = newBuildInfoCollector(cfg.Version, cfg.Engine)
	register(m.buildInfo)
	if cfg.Node != "" {
		register(newNodeInfo(cfg.Node, cfg.Services))
	}

	register(collectors.NewGoCollector())
	register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	if regErr != nil {
		return nil, fmt.Errorf("register metrics: %w", regErr)
	}
	for _, s := range []interface{ err() error }{m.outcomes, m.blocks, m.restored, m.restarts, m.denied} {
		if err := s.err(); err != nil {
			return nil, fmt.Errorf("create metric series: %w", err)
		}
	}

	// OpenMetrics stays off on purpose: its encoder appends _total to
	// counters that lack it, which would rename the headroom-compatible
	// headroom_requests_by_provider/_by_model families (and
	// tsheadroom_requests_by_outcome). Prometheus then falls back to the
	// classic text format, which writes every name exactly as declared.
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            slogPrinter{cfg.Logger},
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		EnableOpenMetrics:   false,
	})
	return m, nil
}

// Watch gives m the live sources of the pool and cache families and of the
// build_info headroom_version label, which exist only once the components
// reporting into m are built. Call it once, before Handler serves.
func (m *Metrics) Watch(s Sources) error {
	if m.watched.Swap(true) {
		return errors.New("metrics: Watch called twice")
	}
	if s.Pool != nil {
		if err := m.reg.Register(newPoolCollector(s.Pool)); err != nil {
			return fmt.Errorf("metrics: register pool gauges: %w", err)
		}
	}
	if s.Cache != nil {
		if err := m.reg.Register(newCacheCollector(s.Cache)); err != nil {
			return fmt.Errorf("metrics: register cache families: %w", err)
		}
	}
	if s.HeadroomVersion != nil {
		m.buildInfo.headroomVersion.Store(&s.HeadroomVersion)
	}
	return nil
}

// Handler serves the registry in the Prometheus text exposition format. It
// applies no access control: mount it only where the metrics role is
// enforced.
func (m *Metrics) Handler() http.Handler { return m.handler }

// fill validates c and applies defaults in place.
func (c *Config) fill() error {
	if c.Version == "" {
		return errors.New("missing Version")
	}
	if c.Engine == "" {
		return errors.New("missing Engine")
	}
	if err := checkSet("Outcomes", c.Outcomes); err != nil {
		return err
	}
	if err := checkSet("Kinds", c.Kinds); err != nil {
		return err
	}
	if err := checkSet("RestoreReasons", c.RestoreReasons); err != nil {
		return err
	}
	if err := checkSet("Endpoints", c.Endpoints); err != nil {
		return err
	}
	if c.RestartReasons == nil {
		c.RestartReasons = DefaultRestartReasons()
	}
	if err := checkSet("RestartReasons", c.RestartReasons); err != nil {
		return err
	}
	if c.FailedOutcomes == nil {
		for _, o := range DefaultFailedOutcomes() {
			if slices.Contains(c.Outcomes, o) {
				c.FailedOutcomes = append(c.FailedOutcomes, o)
			}
		}
	} else {
		for _, o := range c.FailedOutcomes {
			if !slices.Contains(c.Outcomes, o) {
				return fmt.Errorf("FailedOutcomes: %q is not one of Outcomes", o)
			}
		}
	}
	switch {
	case c.MaxModels < 0:
		return fmt.Errorf("MaxModels %d is negative", c.MaxModels)
	case c.MaxModels == 0:
		c.MaxModels = DefaultMaxModels
	}
	switch {
	case c.MaxProviders < 0:
		return fmt.Errorf("MaxProviders %d is negative", c.MaxProviders)
	case c.MaxProviders == 0:
		c.MaxProviders = DefaultMaxProviders
	}
	switch {
	case c.LabelWindow < 0:
		return fmt.Errorf("LabelWindow %d is negative", c.LabelWindow)
	case c.LabelWindow == 0:
		c.LabelWindow = DefaultLabelWindow
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// checkSet rejects an empty closed set and values that could not be told
// apart from the overflow value or from each other.
func checkSet(field string, set []string) error {
	if len(set) == 0 {
		return fmt.Errorf("%s is empty", field)
	}
	seen := make(map[string]bool, len(set))
	for _, v := range set {
		switch {
		case v == "":
			return fmt.Errorf("%s holds an empty value", field)
		case v == Other:
			return fmt.Errorf("%s holds %q, which is reserved for values outside the set", field, Other)
		case seen[v]:
			return fmt.Errorf("%s holds %q twice", field, v)
		case !validLabelValue(v):
			return fmt.Errorf("%s holds %q, which is not valid UTF-8 or longer than %d bytes", field, v, maxLabelLen)
		}
		seen[v] = true
	}
	return nil
}

func joinSet(set []string) string {
	if len(set) == 0 {
		return "none"
	}
	out := set[0]
	for _, s := range set[1:] {
		out += ", " + s
	}
	return out
}

// slogPrinter adapts slog to promhttp's Println-style error log.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	p.l.Warn("metrics scrape failed", "component", "metrics", "err", fmt.Sprint(v...))
}

// closedSet maps each allowed label value to its pre-created series; values
// outside the set share one lazily created Other series. The map is never
// written after construction, so lookups need no lock.
type closedSet[T any] struct {
	known   map[string]T
	other   func() (T, error)
	once    sync.Once
	otherV  T
	otherOK bool
	initErr error
}

func newClosedSet[T any](values []string, child func(string) (T, error)) *closedSet[T] {
	s := &closedSet[T]{known: make(map[string]T, len(values))}
	for _, v := range values {
		c, err := child(v)
		if err != nil {
			s.initErr = fmt.Errorf("label value %q: %w", v, err)
			return s
		}
		s.known[v] = c
	}
	s.other = func() (T, error) { return child(Other) }
	return s
}

func (s *closedSet[T]) err() error { return s.initErr }

// get returns the series for v, or Other's when v is outside the set. ok is
// false only if Other's series could not be created (never expected: the
// label value is a constant).
func (s *closedSet[T]) get(v string) (T, bool) {
	if c, ok := s.known[v]; ok {
		return c, true
	}
	s.once.Do(func() {
		if s.other == nil {
			return
		}
		c, err := s.other()
		if err == nil {
			s.otherV, s.otherOK = c, true
		}
	})
	return s.otherV, s.otherOK
}

func counterChild(v *prometheus.CounterVec) func(string) (prometheus.Counter, error) {
	return func(label string) (prometheus.Counter, error) { return v.GetMetricWithLabelValues(label) }
}
