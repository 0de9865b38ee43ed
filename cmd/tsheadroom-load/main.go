// Command tsheadroom-load drives concurrent Aperture hook calls at a running
// tsheadroom, checks every answer, and reports throughput, latency,
// outcomes and the server's memory and goroutines. It is bounded in calls
// (-n) and in time (-duration), whichever ends first.
//
// The calls are the development corpus (../shared/corpus, read in place;
// -corpus names another directory) or, without it, the repository's
// testdata/samples, filtered by size (-min-size, -max-size). Every modify
// answer is checked against its call: the same JSON structure, every byte
// outside the rewritten values unchanged, and only values the hook offered
// as candidate blocks rewritten.
//
// Against a server that is already running (on loopback, -pid for its
// memory):
//
//	tsheadroom-load -url http://127.0.0.1:8787/ -pid 1234 -c 32 -n 10000
//
// Starting the server itself on loopback:
//
//	tsheadroom-load -server ./tsheadroom -c 32 -n 10000
//
// Over an in-process tailnet (a private control server, DERP relay and
// client node inside the test binary, which is the only place the harness
// may run; the servers join it as separate processes), with the same flags
// after -args:
//
//	TSHEADROOM_LOAD='-server /abs/tsheadroom -c 32 -n 2000' \
//	  go test -tags ts_omit_peerapiserver -run TestLoadTailnet -v ./cmd/tsheadroom-load
//	TSHEADROOM_LOAD='-server /abs/tsheadroom -replicas 2 -service svc:hook -n 2000' ...
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

type options struct {
	url         string
	pid         int
	server      string
	serverArgs  string
	tailnet     bool // set by TestLoadTailnet
	replicas    int
	service     string
	corpusDir   string
	minSize     int
	maxSize     int
	concurrency int
	requests    int
	duration    time.Duration
	window      int
	callTimeout time.Duration
	jsonOut     bool
	dump        string
	plainReply  bool
	verbose     bool
}

func main() {
	var o options
	fs := flagSet(&o)
	fs.Parse(os.Args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, startLoopback, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tsheadroom-load:", err)
		os.Exit(1)
	}
}

// flagSet defines the flags into o; the tailnet test parses the same ones.
func flagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("tsheadroom-load", flag.ExitOnError)
	fs.StringVar(&o.url, "url", "", "hook URL of a running tsheadroom (e.g. http://127.0.0.1:8787/); its /metrics must be readable (loopback callers may)")
	fs.IntVar(&o.pid, "pid", 0, "with -url: the server's process ID, for its memory figures")
	fs.StringVar(&o.server, "server", "", "start this tsheadroom binary on loopback and drive it")
	fs.StringVar(&o.serverArgs, "server-args", "", "extra space-separated flags for -server (e.g. \"-pool-size 2\")")
	fs.IntVar(&o.replicas, "replicas", 1, "tailnet mode (TestLoadTailnet): servers to start")
	fs.StringVar(&o.service, "service", "", "tailnet mode (TestLoadTailnet): the servers host this Tailscale Service (svc:NAME) and calls go to its name")
	fs.StringVar(&o.corpusDir, "corpus", "", "directory of *.hook.json calls (default: ../shared/corpus beside the repository, else testdata/samples)")
	fs.IntVar(&o.minSize, "min-size", 0, "skip calls smaller than this many bytes")
	fs.IntVar(&o.maxSize, "max-size", 0, "skip calls larger than this many bytes (0: no limit)")
	fs.IntVar(&o.concurrency, "c", 32, "concurrent callers")
	fs.IntVar(&o.requests, "n", 10000, "calls to send at most")
	fs.DurationVar(&o.duration, "duration", time.Minute, "time to send calls for at most")
	fs.IntVar(&o.window, "window", 1000, "sample the servers' memory and goroutines every this many calls")
	fs.DurationVar(&o.callTimeout, "call-timeout", 30*time.Second, "give up on one call after this long (a transport error)")
	fs.BoolVar(&o.jsonOut, "json", false, "print the report as JSON")
	fs.BoolVar(&o.plainReply, "no-gzip", false, "do not accept gzipped answers (Go clients, Aperture's among them, accept them by default)")
	fs.StringVar(&o.dump, "dump", "", "write the distinct answers of bodies that got more than one into this directory (NAME.N.json)")
	fs.BoolVar(&o.verbose, "v", false, "show the servers' logs")
	return fs
}

// starter starts the servers of -server: on loopback here, on the
// in-process tailnet in the test binary (the harness runs only there).
type starter func(context.Context, options) (*environment, error)

func run(ctx context.Context, o options, start starter, out io.Writer) error {
	if o.concurrency < 1 || o.requests < 1 || o.duration <= 0 {
		return errors.New("-c, -n and -duration must be positive")
	}
	bodies, src, err := loadBodies(o.corpusDir, o.minSize, o.maxSize)
	if err != nil {
		return err
	}
	cfg := loadConfig{
		bodies: bodies, concurrency: o.concurrency, requests: o.requests,
		duration: o.duration, window: o.window, callTimeout: o.callTimeout,
	}
	var env *environment
	switch {
	case o.url != "" && o.server == "":
		cfg.client = newClient(o.concurrency, nil)
		cfg.hookURL = o.url
		base := strings.TrimSuffix(strings.TrimSuffix(o.url, "/hook"), "/")
		cfg.targets = []target{{name: "server", hookURL: o.url, metricsURL: base + "/metrics", pid: o.pid}}
	case o.server != "" && o.url == "":
		env, err = start(ctx, o)
		if err != nil {
			return err
		}
		defer env.close()
		cfg.client, cfg.hookURL, cfg.targets = env.client, env.hookURL, env.targets
	default:
		return errors.New("give either -url (a running server) or -server (a binary to start)")
	}
	if o.plainReply {
		cfg.client.Transport.(*http.Transport).DisableCompression = true
	}
	rep, err := runLoad(ctx, cfg)
	if err != nil {
		return err
	}
	var shutdowns []string
	if env != nil {
		shutdowns = env.stop()
	}
	if o.dump != "" {
		if err := dumpUnstable(o.dump, rep); err != nil {
			return err
		}
	}
	if o.jsonOut {
		e := json.NewEncoder(out)
		e.SetIndent("", "  ")
		return e.Encode(rep)
	}
	printReport(out, rep, src, mode(o), shutdowns)
	if rep.Corrupt > 0 || rep.Non200 > 0 {
		return fmt.Errorf("%d corrupt answers, %d non-200", rep.Corrupt, rep.Non200)
	}
	return nil
}

func mode(o options) string {
	switch {
	case o.url != "":
		return "running server at " + o.url
	case o.tailnet && o.service != "":
		return fmt.Sprintf("in-process tailnet, %d replica(s) behind %s", o.replicas, o.service)
	case o.tailnet:
		return "in-process tailnet"
	default:
		return "loopback"
	}
}

// loadBodies reads the hook calls to send: dir, else the corpus beside the
// repository, else testdata/samples; only calls within the size bounds.
func loadBodies(dir string, minSize, maxSize int) ([]body, string, error) {
	if dir == "" {
		if d, ok := corpus.Dir(); ok {
			dir = d
		} else if d, ok := corpus.SamplesDir(); ok {
			dir = d
		} else {
			return nil, "", errors.New("no corpus found: pass -corpus DIR (the shared corpus, or the repository's testdata/samples)")
		}
	}
	cases, err := corpus.Read(dir)
	if err != nil {
		return nil, "", err
	}
	var out []body
	for _, c := range cases {
		if len(c.Call) < minSize || maxSize > 0 && len(c.Call) > maxSize {
			continue
		}
		ck, err := newChecker(c.Call)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", c.Name, err)
		}
		out = append(out, body{name: c.Name, call: c.Call, ck: ck})
	}
	if len(out) == 0 {
		return nil, "", fmt.Errorf("no call in %s between %d and %d bytes", dir, minSize, maxSize)
	}
	return out, dir, nil
}

// newClient keeps one connection per caller alive; dial, when non-nil,
// goes through a tailnet node.
func newClient(concurrency int, tr *http.Transport) *http.Client {
	if tr == nil {
		tr = &http.Transport{}
	}
	tr.MaxIdleConns = concurrency * 2
	tr.MaxIdleConnsPerHost = concurrency * 2
	tr.IdleConnTimeout = time.Minute
	return &http.Client{Transport: tr}
}

func printReport(w io.Writer, r *report, src, mode string, shutdowns []string) {
	mib := func(b int) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	fmt.Fprintf(w, "mode:        %s\n", mode)
	fmt.Fprintf(w, "calls:       %d in %.2fs = %.0f calls/s, concurrency %d\n", r.Calls, r.Seconds, r.PerSecond, r.Concurrency)
	fmt.Fprintf(w, "bodies:      %d distinct from %s, mean %.1f KB\n", r.Bodies, src, float64(r.MeanBodyBytes)/1000)
	fmt.Fprintf(w, "latency:     p50 %v  p95 %v  p99 %v  max %v\n", r.P50.Round(10*time.Microsecond), r.P95.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond))
	fmt.Fprintf(w, "answers:     modify %d, allow %d; non-200 %d; transport errors %d; corrupt %d (%d distinct answers checked)\n",
		r.Answers["modify"], r.Answers["allow"], r.Non200, r.TransportErrs, r.Corrupt, r.Distinct)
	for _, name := range slices.Sorted(maps.Keys(r.Unstable)) {
		fmt.Fprintf(w, "unstable:    %s got %d different answers\n", name, r.Unstable[name])
	}
	if len(r.ServerOutcome) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(r.ServerOutcome)) {
			parts = append(parts, fmt.Sprintf("%s %.0f", k, r.ServerOutcome[k]))
		}
		fmt.Fprintf(w, "server:      outcomes %s\n", strings.Join(parts, ", "))
	}
	for _, name := range slices.Sorted(maps.Keys(r.PeakRSS)) {
		fmt.Fprintf(w, "peak RSS:    %s %s\n", name, mib(r.PeakRSS[name]))
	}
	for _, name := range slices.Sorted(maps.Keys(r.CPUPerCall)) {
		fmt.Fprintf(w, "CPU/call:    %s %v (load generator %v)\n", name, r.CPUPerCall[name].Round(time.Microsecond), r.LoaderCPU.Round(time.Microsecond))
	}
	// Drift: the first window against the last one taken while calls
	// were still running (the one at the very end sees them drained), and
	// the servers at rest after the run.
	under := r.Samples
	if n := len(under); n > 1 && under[n-1].Calls >= r.Calls {
		under = under[:n-1]
	}
	for _, name := range slices.Sorted(maps.Keys(r.Idle.Goroutines)) {
		state := func(s sample) string {
			return fmt.Sprintf("RSS %s (Go heap in use %s), %d goroutines", mib(s.RSSBytes[name]), mib(s.HeapBytes[name]), s.Goroutines[name])
		}
		if n := len(under); n > 0 {
			fmt.Fprintf(w, "drift:       %s under load after %d calls: %s; after %d calls: %s\n", name, under[0].Calls, state(under[0]), under[n-1].Calls, state(under[n-1]))
		}
		fmt.Fprintf(w, "at rest:     %s after the run: %s\n", name, state(r.Idle))
	}
	fmt.Fprintf(w, "load avg:    %s at start, %s at end\n", r.LoadAvg[0], r.LoadAvg[1])
	for _, s := range shutdowns {
		fmt.Fprintf(w, "shutdown:    %s\n", s)
	}
	for _, p := range r.FirstProblems {
		fmt.Fprintf(w, "problem:     %s\n", p)
	}
}

// dumpUnstable writes each unstable body's distinct answers to dir, to
// diff them.
func dumpUnstable(dir string, r *report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, answers := range r.UnstableAnswers {
		for i, a := range answers {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s.%d.json", name, i+1)), a, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
