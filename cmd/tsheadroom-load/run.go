package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/probe"
	"github.com/tsheadroom/tsheadroom/internal/procinfo"
)

// body is one hook call the load sends, with its checker.
type body struct {
	name string
	call []byte
	ck   *checker
}

// target is one running tsheadroom: where to send hook calls and scrapes,
// and its process, when it is local, for memory figures.
type target struct {
	name       string // for the report
	hookURL    string // POST here
	metricsURL string // GET /metrics here (needs the metrics role)
	pid        int    // 0 when the process is not on this machine
}

// loadConfig bounds one run.
type loadConfig struct {
	client      *http.Client
	hookURL     string   // where calls go (a target's, or a Service's)
	targets     []target // where figures come from
	bodies      []body
	concurrency int
	requests    int           // stop after this many calls
	duration    time.Duration // or after this long
	window      int           // sample memory and goroutines every window calls
	callTimeout time.Duration
}

// sample is the servers' state after some number of calls.
type sample struct {
	Calls      int            `json:"calls"`
	RSSBytes   map[string]int `json:"rss_bytes,omitempty"`  // target -> VmRSS
	Goroutines map[string]int `json:"goroutines,omitempty"` // target -> go_goroutines
	HeapBytes  map[string]int `json:"heap_bytes,omitempty"` // target -> go_memstats_heap_inuse_bytes
}

// report is what one run measured.
type report struct {
	Calls         int                `json:"calls"`
	Seconds       float64            `json:"seconds"`
	PerSecond     float64            `json:"calls_per_second"`
	Concurrency   int                `json:"concurrency"`
	Bodies        int                `json:"distinct_bodies"`
	MeanBodyBytes int                `json:"mean_body_bytes"`
	P50, P95, P99 time.Duration      `json:"-"`
	Max           time.Duration      `json:"-"`
	Latency       map[string]float64 `json:"latency_ms"`
	Answers       map[string]int     `json:"answers"`          // allow, modify
	Non200        int                `json:"non_200"`          // HTTP answers other than 200
	TransportErrs int                `json:"transport_errors"` // no HTTP answer at all
	Corrupt       int                `json:"corrupt"`          // modify bodies that broke an invariant
	FirstProblems []string           `json:"first_problems,omitempty"`
	Distinct      int                `json:"distinct_answers"` // distinct answers per body, summed
	// Unstable names the bodies that got more than one distinct answer: a
	// deterministic engine gives one, so that every replica, warm or cold,
	// answers a turn with the same bytes and prompt caches keep hitting.
	Unstable map[string]int `json:"unstable,omitempty"`
	// UnstableAnswers holds, per unstable body, its first distinct answers.
	UnstableAnswers map[string][][]byte `json:"-"`
	ServerOutcome   map[string]float64  `json:"server_outcomes,omitempty"` // tsheadroom_requests_by_outcome deltas
	PeakRSS         map[string]int      `json:"peak_rss_bytes,omitempty"`  // VmHWM at the end
	// CPUPerCall is the servers' CPU time (user+system, from /proc) over
	// the run divided by the calls: a figure other work on a shared
	// machine skews far less than calls per second.
	CPUPerCall map[string]time.Duration `json:"cpu_per_call,omitempty"`
	LoaderCPU  time.Duration            `json:"loader_cpu_per_call,omitempty"` // this process's
	Samples    []sample                 `json:"samples"`
	// Idle is a sample taken a second after the last call, with nothing in
	// flight: what the servers hold at rest after the run.
	Idle    sample    `json:"idle"`
	LoadAvg [2]string `json:"loadavg_start_end"`
}

// verified remembers answers already checked: the native engine is
// deterministic, so most answers repeat byte for byte, and checking each
// distinct answer once keeps the generator's CPU for load.
type verified struct {
	mu   sync.Mutex
	seen map[[32]byte]string // sha256(body index, answer) -> outcome, "" when it failed
	per  map[int]int         // body index -> distinct answers
	keep map[int][][]byte    // body index -> its first distinct answers, for -dump
}

// maxKept bounds the distinct answers kept per body for -dump.
const maxKept = 4

func (v *verified) check(i int, b body, answer []byte) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00", i)
	h.Write(answer)
	var key [32]byte
	h.Sum(key[:0])
	v.mu.Lock()
	out, ok := v.seen[key]
	v.mu.Unlock()
	if ok {
		if out == "" {
			return "", fmt.Errorf("%s: same corrupt answer again", b.name)
		}
		return out, nil
	}
	out, err := b.ck.outcome(answer)
	v.mu.Lock()
	// Two callers may have checked the same new answer at once: count it
	// once.
	if _, dup := v.seen[key]; !dup {
		v.seen[key] = out
		if err != nil {
			v.seen[key] = ""
		}
		v.per[i]++
		if len(v.keep[i]) < maxKept {
			v.keep[i] = append(v.keep[i], bytes.Clone(answer))
		}
	}
	v.mu.Unlock()
	if err != nil {
		return out, fmt.Errorf("%s: %w", b.name, err)
	}
	return out, nil
}

// runLoad drives cfg.concurrency callers until cfg.requests calls were
// sent or cfg.duration passed, whichever comes first, and reports.
func runLoad(ctx context.Context, cfg loadConfig) (*report, error) {
	if len(cfg.bodies) == 0 {
		return nil, fmt.Errorf("no hook calls to send")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	before := scrapeOutcomes(ctx, cfg)
	rep := &report{Concurrency: cfg.concurrency, Bodies: len(cfg.bodies), Answers: map[string]int{}}
	rep.LoadAvg[0] = procinfo.LoadAvg()
	total := 0
	for _, b := range cfg.bodies {
		total += len(b.call)
	}
	rep.MeanBodyBytes = total / len(cfg.bodies)

	cpu0 := map[string]time.Duration{}
	for _, t := range cfg.targets {
		if t.pid != 0 {
			cpu0[t.name], _ = procinfo.CPU(t.pid)
		}
	}
	self0, _ := procinfo.CPU(os.Getpid())
	ver := &verified{seen: map[[32]byte]string{}, per: map[int]int{}, keep: map[int][][]byte{}}
	var (
		next     atomic.Int64 // calls handed out
		done     atomic.Int64 // calls finished
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, min(cfg.requests, 1<<20))
		problems []string
	)
	note := func(p string) {
		mu.Lock()
		if len(problems) < 10 {
			problems = append(problems, p)
		}
		mu.Unlock()
	}
	samples := make(chan int, 64)
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for calls := range samples {
			rep.Samples = append(rep.Samples, takeSample(context.WithoutCancel(ctx), cfg, calls))
		}
	})

	start := time.Now()
	var wg sync.WaitGroup
	for range cfg.concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				n := int(next.Add(1))
				if n > cfg.requests {
					return
				}
				i := (n - 1) % len(cfg.bodies)
				b := cfg.bodies[i]
				t0 := time.Now()
				callCtx, cancel := context.WithTimeout(ctx, cfg.callTimeout)
				code, answer, err := probe.PostJSON(callCtx, cfg.client, cfg.hookURL, b.call)
				cancel()
				d := time.Since(t0)
				if err != nil && ctx.Err() != nil {
					return // the time bound cut this call off; it does not count
				}
				mu.Lock()
				lat = append(lat, d)
				switch {
				case err != nil:
					rep.TransportErrs++
				case code != 200:
					rep.Non200++
				}
				mu.Unlock()
				if err != nil {
					note(fmt.Sprintf("%s: %v", b.name, err))
				} else if code != 200 {
					note(fmt.Sprintf("%s: HTTP %d: %.100s", b.name, code, answer))
				} else {
					out, err := ver.check(i, b, answer)
					mu.Lock()
					if err != nil {
						rep.Corrupt++
					}
					if out != "" {
						rep.Answers[out]++
					}
					mu.Unlock()
					if err != nil {
						note(err.Error())
					}
				}
				if c := int(done.Add(1)); cfg.window > 0 && c%cfg.window == 0 {
					select {
					case samples <- c:
					default: // the sampler is behind; skip this window
					}
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(samples)
	sampler.Wait()

	time.Sleep(time.Second) // let the servers' connection goroutines and buffers go
	rep.Idle = takeSample(context.WithoutCancel(ctx), cfg, len(lat))
	rep.Calls = len(lat)
	rep.Seconds = elapsed.Seconds()
	rep.PerSecond = float64(rep.Calls) / elapsed.Seconds()
	slices.Sort(lat)
	if len(lat) > 0 {
		rep.P50, rep.P95, rep.P99, rep.Max = pct(lat, 50), pct(lat, 95), pct(lat, 99), lat[len(lat)-1]
	}
	rep.Latency = map[string]float64{"p50": ms(rep.P50), "p95": ms(rep.P95), "p99": ms(rep.P99), "max": ms(rep.Max)}
	rep.FirstProblems = problems
	for i, n := range ver.per {
		rep.Distinct += n
		if n > 1 {
			if rep.Unstable == nil {
				rep.Unstable = map[string]int{}
			}
			rep.Unstable[cfg.bodies[i].name] = n
			if rep.UnstableAnswers == nil {
				rep.UnstableAnswers = map[string][][]byte{}
			}
			rep.UnstableAnswers[cfg.bodies[i].name] = ver.keep[i]
		}
	}
	after := scrapeOutcomes(context.Background(), cfg)
	if after != nil {
		rep.ServerOutcome = map[string]float64{}
		for k, v := range after {
			if d := v - before[k]; d != 0 {
				rep.ServerOutcome[k] = d
			}
		}
	}
	rep.PeakRSS = map[string]int{}
	rep.CPUPerCall = map[string]time.Duration{}
	for _, t := range cfg.targets {
		if t.pid != 0 {
			if m, err := procinfo.ReadMemory(t.pid); err == nil {
				rep.PeakRSS[t.name] = int(m.Peak)
			}
			if c, err := procinfo.CPU(t.pid); err == nil && rep.Calls > 0 {
				rep.CPUPerCall[t.name] = (c - cpu0[t.name]) / time.Duration(rep.Calls)
			}
		}
	}
	if c, err := procinfo.CPU(os.Getpid()); err == nil && rep.Calls > 0 {
		rep.LoaderCPU = (c - self0) / time.Duration(rep.Calls)
	}
	rep.LoadAvg[1] = procinfo.LoadAvg()
	return rep, nil
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(i, len(sorted))-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func takeSample(ctx context.Context, cfg loadConfig, calls int) sample {
	s := sample{Calls: calls, RSSBytes: map[string]int{}, Goroutines: map[string]int{}, HeapBytes: map[string]int{}}
	for _, t := range cfg.targets {
		if t.pid != 0 {
			if m, err := procinfo.ReadMemory(t.pid); err == nil {
				s.RSSBytes[t.name] = int(m.RSS)
			}
		}
		if m, err := probe.Metrics(ctx, cfg.client, t.metricsURL); err == nil {
			s.Goroutines[t.name] = int(m["go_goroutines"])
			s.HeapBytes[t.name] = int(m["go_memstats_heap_inuse_bytes"])
		}
	}
	return s
}

// scrapeOutcomes sums tsheadroom_requests_by_outcome over the targets, or
// nil when a target cannot be scraped.
func scrapeOutcomes(ctx context.Context, cfg loadConfig) map[string]float64 {
	out := map[string]float64{}
	for _, t := range cfg.targets {
		m, err := probe.Metrics(ctx, cfg.client, t.metricsURL)
		if err != nil {
			return nil
		}
		for k, v := range m {
			if o, ok := strings.CutPrefix(k, "tsheadroom_requests_by_outcome,outcome="); ok {
				out[o] += v
			}
		}
	}
	return out
}
