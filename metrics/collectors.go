package metrics

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// overheadCollector keeps the headroom_overhead_ms_{sum,count,min,max}
// quartet. headroom exposes these as four plain families rather than a
// summary, so they are kept together under one lock and emitted from one
// snapshot: a scrape never sees a count without its sum, or a min above max.
type overheadCollector struct {
	sumDesc, countDesc, minDesc, maxDesc *prometheus.Desc

	mu    sync.Mutex
	sum   float64
	count uint64
	min   float64
	max   float64
}

func newOverheadCollector() *overheadCollector {
	return &overheadCollector{
		sumDesc: prometheus.NewDesc("headroom_overhead_ms_sum",
			"Milliseconds spent handling hook calls, summed.", nil, nil),
		countDesc: prometheus.NewDesc("headroom_overhead_ms_count",
			"Hook calls whose handling time is in headroom_overhead_ms_sum.", nil, nil),
		minDesc: prometheus.NewDesc("headroom_overhead_ms_min",
			"Shortest hook call handling time since start, in milliseconds (0 before the first call).", nil, nil),
		maxDesc: prometheus.NewDesc("headroom_overhead_ms_max",
			"Longest hook call handling time since start, in milliseconds (0 before the first call).", nil, nil),
	}
}

func (c *overheadCollector) observe(ms float64) {
	if math.IsNaN(ms) || ms < 0 {
		ms = 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count == 0 || ms < c.min {
		c.min = ms
	}
	if c.count == 0 || ms > c.max {
		c.max = ms
	}
	c.sum += ms
	c.count++
}

func (c *overheadCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.sumDesc
	ch <- c.countDesc
	ch <- c.minDesc
	ch <- c.maxDesc
}

func (c *overheadCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	sum, count, lo, hi := c.sum, c.count, c.min, c.max
	c.mu.Unlock()
	ch <- constMetric(c.sumDesc, prometheus.CounterValue, sum)
	ch <- constMetric(c.countDesc, prometheus.CounterValue, float64(count))
	ch <- constMetric(c.minDesc, prometheus.GaugeValue, lo)
	ch <- constMetric(c.maxDesc, prometheus.GaugeValue, hi)
}

// snapshotCollector emits a fixed list of unlabelled families from one
// snapshot of their source per scrape, so that they never disagree with
// each other and there is no copy of the source's state to drift.
type snapshotCollector struct {
	families []snapshotFamily
	values   func() []float64 // one per family, in order
}

type snapshotFamily struct {
	desc *prometheus.Desc
	typ  prometheus.ValueType
}

func family(name, help string, typ prometheus.ValueType) snapshotFamily {
	return snapshotFamily{prometheus.NewDesc(name, help, nil, nil), typ}
}

func (c *snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range c.families {
		ch <- f.desc
	}
}

func (c *snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	vals := c.values()
	for i, f := range c.families {
		ch <- constMetric(f.desc, f.typ, vals[i])
	}
}

func newSnapshotCollector(values func() []float64, families ...snapshotFamily) *snapshotCollector {
	return &snapshotCollector{families: families, values: values}
}

// newPoolCollector reads the pool's occupancy.
func newPoolCollector(stats func() PoolStats) *snapshotCollector {
	return newSnapshotCollector(func() []float64 {
		s := stats()
		return []float64{float64(s.Total), float64(s.Busy), float64(s.Waiting)}
	},
		family("tsheadroom_pool_slots_total", "Worker slots in the pool (the semaphore's size).", prometheus.GaugeValue),
		family("tsheadroom_pool_slots_busy", "Worker slots compressing right now; the pool is saturated when this equals tsheadroom_pool_slots_total.", prometheus.GaugeValue),
		family("tsheadroom_pool_waiting", "Hook calls waiting for a free worker slot.", prometheus.GaugeValue),
	)
}

// newCacheCollector reads the native engine's result cache.
func newCacheCollector(stats func() CacheStats) *snapshotCollector {
	return newSnapshotCollector(func() []float64 {
		s := stats()
		return []float64{float64(s.Entries), float64(s.Bytes), float64(s.Hits), float64(s.Misses), float64(s.Evictions)}
	},
		family("tsheadroom_cache_entries", "Block results held in the native engine's result cache.", prometheus.GaugeValue),
		family("tsheadroom_cache_bytes", "Bytes held in the native engine's result cache (result texts plus a fixed overhead per entry).", prometheus.GaugeValue),
		family("tsheadroom_cache_hits_total", "Lookups in the native engine's result cache that found a result (a block seen on an earlier turn).", prometheus.CounterValue),
		family("tsheadroom_cache_misses_total", "Lookups in the native engine's result cache that found nothing, so the block was computed.", prometheus.CounterValue),
		family("tsheadroom_cache_evictions_total", "Results dropped from the native engine's result cache to stay within its bounds.", prometheus.CounterValue),
	)
}

// buildInfoCollector exposes tsheadroom_build_info. The headroom version is
// asked for at scrape time because it is only known once a worker reported
// it, and may change when workers are replaced; its source arrives with
// Watch, after the collector is registered.
type buildInfoCollector struct {
	desc            *prometheus.Desc
	version, engine string
	headroomVersion atomic.Pointer[func() string]
}

func newBuildInfoCollector(version, engine string) *buildInfoCollector {
	return &buildInfoCollector{
		desc: prometheus.NewDesc("tsheadroom_build_info",
			"Always 1; the labels say which tsheadroom version, compression engine and headroom library version are running.",
			[]string{"version", "engine", "headroom_version"}, nil),
		version: labelValue(version, ""),
		engine:  labelValue(engine, ""),
	}
}

func (c *buildInfoCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *buildInfoCollector) Collect(ch chan<- prometheus.Metric) {
	hv := ""
	if f := c.headroomVersion.Load(); f != nil {
		hv = labelValue((*f)(), "")
	}
	ch <- constMetric(c.desc, prometheus.GaugeValue, 1, c.version, c.engine, hv)
}

// newNodeInfo is tsheadroom_node_info: always 1, labelled with the
// replica's name and the Services it hosts.
func newNodeInfo(node string, services []string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tsheadroom_node_info",
		Help: "Always 1; the labels name this replica (its tailnet device) and the Tailscale Services it hosts.",
		ConstLabels: prometheus.Labels{
			"node":     labelValue(node, ""),
			"services": labelValue(strings.Join(services, ","), ""),
		},
	})
	g.Set(1)
	return g
}

// constMetric builds a const metric, turning the (never expected) error into
// an invalid metric that the scrape reports instead of a panic.
func constMetric(desc *prometheus.Desc, typ prometheus.ValueType, v float64, labels ...string) prometheus.Metric {
	m, err := prometheus.NewConstMetric(desc, typ, v, labels...)
	if err != nil {
		return prometheus.NewInvalidMetric(desc, err)
	}
	return m
}

// cappedCounter is a one-label counter family (model, provider) whose
// label values are bounded: at most max values have a series of their own
// at any time, besides Other and Unknown.
//
// The first max values seen get a series at once. After that, which values
// hold one is decided by how often they come, with no clock: every window
// calls, the values seen at least twice in the recent past (call counts that
// halve every window) that rank among the max most frequent take the series
// of held values that rank lower. A value that loses its series has its
// count folded into Other, so the family's sum never goes down; a value
// that gains one starts from zero (its earlier calls stay in Other). Names
// sent once each can take the free series but never displace a name that
// keeps coming, which gets its own series within a window or two of its
// first call. Counts are kept for at most 4*max values; a new value takes
// the place of one seen no more than once, or is not counted at all, so a
// flood of new names cannot push out the counts of frequent ones.
type cappedCounter struct {
	vec    *prometheus.CounterVec
	max    int
	window int
	track  int

	mu     sync.Mutex
	series map[string]*series // values with a series: admitted ones, Other, Unknown
	freq   map[string]float64 // decayed call counts, at most track values
	calls  int                // since the window began
	held   int                // admitted values, counted against max
}

// series is one label value's counter and what it has counted, kept so an
// evicted value's count can move to Other.
type series struct {
	c prometheus.Counter
	n float64
}

// minAdmitCount is how often a value must have come, in decayed count, to
// take a series from another at a window's end: more than a one-off.
const minAdmitCount = 2

func newCappedCounter(vec *prometheus.CounterVec, max, window int) *cappedCounter {
	return &cappedCounter{vec: vec, max: max, window: window, track: 4 * max,
		series: make(map[string]*series), freq: make(map[string]float64)}
}

func (c *cappedCounter) inc(raw string) {
	v := labelValue(raw, Unknown)
	c.mu.Lock()
	defer c.mu.Unlock()
	reserved := v == Other || v == Unknown
	if !reserved {
		c.count(v)
	}
	s := c.series[v]
	switch {
	case s != nil:
	case v == Unknown:
		s = c.create(v)
	case !reserved && c.held < c.max:
		if s = c.create(v); s != nil {
			c.held++
		}
	}
	if s == nil {
		s = c.other()
	}
	if s != nil {
		s.c.Inc()
		s.n++
	}
	if c.calls++; c.calls >= c.window {
		c.calls = 0
		c.rebalance()
	}
}

// count adds one call of v to its decayed count. When the table is full v
// replaces the value with the lowest count (ties: the greatest name, so the
// choice is the same on every run) if that count is at most 1, else v goes
// uncounted this time.
func (c *cappedCounter) count(v string) {
	if _, ok := c.freq[v]; ok || len(c.freq) < c.track {
		c.freq[v]++
		return
	}
	victim, low := "", 0.0
	for k, n := range c.freq {
		if victim == "" || n < low || n == low && k > victim {
			victim, low = k, n
		}
	}
	if low <= 1 {
		delete(c.freq, victim)
		c.freq[v] = 1
	}
}

// rebalance ends a window: the most frequent values take the series of
// held values that rank lower, then every count halves.
func (c *cappedCounter) rebalance() {
	ranked := make([]string, 0, len(c.freq))
	for k := range c.freq {
		ranked = append(ranked, k)
	}
	slices.SortFunc(ranked, func(a, b string) int {
		if d := cmp.Compare(c.freq[b], c.freq[a]); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	top := ranked[:min(len(ranked), c.max)]
	var newcomers []string
	for _, k := range top {
		if c.series[k] == nil && c.freq[k] >= minAdmitCount {
			newcomers = append(newcomers, k)
		}
	}
	if len(newcomers) > 0 {
		// Held values outside the top, least frequent first, give up
		// their series to the newcomers (free series go first).
		var losers []string
		for k := range c.series {
			if k != Other && k != Unknown && !slices.Contains(top, k) {
				losers = append(losers, k)
			}
		}
		slices.SortFunc(losers, func(a, b string) int {
			if d := cmp.Compare(c.freq[a], c.freq[b]); d != 0 {
				return d
			}
			return strings.Compare(b, a)
		})
		for _, k := range newcomers {
			if c.held >= c.max {
				if len(losers) == 0 {
					break
				}
				c.evict(losers[0])
				losers = losers[1:]
			}
			if c.create(k) != nil {
				c.held++
			}
		}
	}
	for k, n := range c.freq {
		if n /= 2; n < 0.25 {
			delete(c.freq, k)
		} else {
			c.freq[k] = n
		}
	}
}

// evict removes v's series and moves its count to Other.
func (c *cappedCounter) evict(v string) {
	s := c.series[v]
	delete(c.series, v)
	c.held--
	c.vec.DeleteLabelValues(v)
	if o := c.other(); o != nil {
		o.c.Add(s.n)
		o.n += s.n
	}
}

// create makes v's series; nil only if client_golang refuses the value
// (unreachable for sanitized values: dropping one increment beats failing
// the hook call that reported it).
func (c *cappedCounter) create(v string) *series {
	child, err := c.vec.GetMetricWithLabelValues(v)
	if err != nil {
		return nil
	}
	s := &series{c: child}
	c.series[v] = s
	return s
}

func (c *cappedCounter) other() *series {
	if s := c.series[Other]; s != nil {
		return s
	}
	return c.create(Other)
}

// labelValue makes s safe as a label value: empty becomes empty, invalid
// UTF-8 is replaced (client_golang refuses it) and length is bounded.
func labelValue(s, empty string) string {
	if s == "" {
		return empty
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxLabelLen {
		return s
	}
	cut := maxLabelLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func validLabelValue(s string) bool {
	return utf8.ValidString(s) && len(s) <= maxLabelLen
}
