package metrics

import (
	"sync"
	"time"
)

// Call is what the hook reports about one processed hook call.
type Call struct {
	// Provider is metadata.provider; "" is recorded as Unknown.
	Provider string
	// Model is the resolved model name; "" is recorded as Unknown.
	Model string
	// Outcome is one of Config.Outcomes; anything else is recorded as Other.
	Outcome string
	// Duration is the time spent handling the call.
	Duration time.Duration
	// TokensBefore and TokensAfter count the request's tokens before and
	// after compression. When the request went on unchanged, TokensAfter
	// should equal TokensBefore (both may be 0 when nothing was counted).
	// Negative values are treated as 0.
	TokensBefore, TokensAfter int
	// BytesIn and BytesOut are the request-body sizes before and after;
	// BytesOut equals BytesIn when the request went on unchanged.
	BytesIn, BytesOut int
	// Kinds holds the content kind of each rewritten block, one entry per
	// block; kinds outside Config.Kinds are recorded as Other.
	Kinds []string
	// Restores holds the reason of each block a later turn restored on
	// this request (its first request in restored form), one entry per
	// block; reasons outside Config.RestoreReasons are recorded as Other.
	// RestoredTokens is what every restored block of the request added
	// back, fresh or not.
	Restores       []string
	RestoredTokens int
	// Pressured is set when the request was over its model's context
	// window and was compressed harder to fit.
	Pressured bool
}

// ObserveCall records one hook call in every family it feeds:
// headroom_requests_total, headroom_requests_failed_total (when the outcome
// is one of Config.FailedOutcomes), the token and byte counters, the
// headroom_overhead_ms quartet, headroom_requests_by_provider and _by_model,
// tsheadroom_requests_by_outcome, tsheadroom_hook_duration_seconds,
// tsheadroom_blocks_compressed_total and the restore and context-pressure
// counters.
func (m *Metrics) ObserveCall(c Call) {
	before, after := nonNeg(c.TokensBefore), nonNeg(c.TokensAfter)
	d := c.Duration
	if d < 0 {
		d = 0
	}

	m.requests.Inc()
	m.tokensInput.Add(float64(before))
	if before > after {
		m.tokensSaved.Add(float64(before - after))
	}
	m.tokensAfter.Add(float64(after))
	m.bytesIn.Add(float64(nonNeg(c.BytesIn)))
	m.bytesOut.Add(float64(nonNeg(c.BytesOut)))
	m.overhead.observe(float64(d) / float64(time.Millisecond))
	m.byProvider.inc(c.Provider)
	m.byModel.inc(c.Model)

	if o, ok := m.outcomes.get(c.Outcome); ok {
		o.requests.Inc()
		o.duration.Observe(d.Seconds())
		if o.failed {
			m.failed.Inc()
		}
	}
	for _, k := range c.Kinds {
		if b, ok := m.blocks.get(k); ok {
			b.Inc()
		}
	}
	for _, r := range c.Restores {
		if b, ok := m.restored.get(r); ok {
			b.Inc()
		}
	}
	m.tokensRestored.Add(float64(nonNeg(c.RestoredTokens)))
	if c.Pressured {
		m.pressured.Inc()
	}
}

// InboundStarted records an HTTP request arriving on the hook endpoint and
// returns the function to call when it has been answered. Calling done more
// than once counts once.
func (m *Metrics) InboundStarted() (done func()) {
	m.inboundTotal.Inc()
	m.inboundActive.Inc()
	var once sync.Once
	return func() {
		once.Do(func() {
			m.inboundActive.Dec()
			m.inboundDone.Inc()
		})
	}
}

// AccessDenied records a request refused by the access policy on endpoint
// (one of Config.Endpoints, else Other).
func (m *Metrics) AccessDenied(endpoint string) {
	if c, ok := m.denied.get(endpoint); ok {
		c.Inc()
	}
}

// ConfigUpdated records an accepted PUT /config.
func (m *Metrics) ConfigUpdated() { m.configUpdates.Inc() }

// Panicked records a panic recovered in an engine or the hook.
func (m *Metrics) Panicked() { m.panics.Inc() }

// PoolWait records the time a call waited for a worker slot.
func (m *Metrics) PoolWait(d time.Duration) {
	if d < 0 {
		d = 0
	}
	m.poolWait.Observe(d.Seconds())
}

// AffinityHit records a headroom engine call served by its session's worker.
func (m *Metrics) AffinityHit() { m.affinityHits.Inc() }

// AffinitySpill records a headroom engine call sent to another worker
// because its session's worker was busy.
func (m *Metrics) AffinitySpill() { m.affinitySpills.Inc() }

// ColdStart records a worker call that paid a model load.
func (m *Metrics) ColdStart() { m.coldStarts.Inc() }

// WorkerRestart records a worker process replaced for reason (one of
// Config.RestartReasons, else Other).
func (m *Metrics) WorkerRestart(reason string) {
	if c, ok := m.restarts.get(reason); ok {
		c.Inc()
	}
}

func nonNeg(n int) int {
	if n < 0 {
		return 0
	}
	return n
}
