// Package promtest runs a real Prometheus server for tests: it writes a
// scrape config for the given targets, starts the prometheus binary (Debian
// package "prometheus") on a free loopback port with its storage in a
// scratch directory, waits until it is ready, and reads values back through
// the HTTP query API.
//
// It is test support only: it knows nothing of tailnets or of tsheadroom's
// metrics. A target is just host:port, so a test that scrapes across a
// tailnet points it at a local bridge that forwards to the service. It never
// downloads anything; when the binary is missing, Start and RequireBinary
// skip the test loudly, or fail it when CI=true.
package promtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/probe"
	"github.com/tsheadroom/tsheadroom/internal/testenv"
)

// Config describes one Prometheus server.
type Config struct {
	// Targets are the host:port addresses to scrape, all in one job.
	// Required. Tests must use loopback addresses only.
	Targets []string
	// Dir receives the generated config, the TSDB and the server's log.
	// Required by New; Start uses tb.TempDir() when empty.
	Dir string
	// Binary is the prometheus executable. Empty means "prometheus" looked
	// up on PATH.
	Binary string
	// JobName is the scrape job's name (the "job" label). Empty means
	// "tsheadroom".
	JobName string
	// MetricsPath is the path scraped on each target. Empty means
	// "/metrics".
	MetricsPath string
	// ScrapeInterval is how often targets are scraped (also the scrape
	// timeout). Zero means one second; it is rounded down to whole
	// milliseconds and must be at least 10ms.
	ScrapeInterval time.Duration
	// StartTimeout bounds the wait for the server to report ready. Zero
	// means one minute (a cold start on a loaded 2-core machine takes a few
	// seconds).
	StartTimeout time.Duration
}

// ErrNotInstalled is returned by New when the prometheus binary cannot be
// found.
var ErrNotInstalled = errors.New("prometheus binary not found")

// Server is a running Prometheus. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	url     string
	cmd     *exec.Cmd
	logPath string
	client  *http.Client

	exited  chan struct{} // closed when the process has exited
	waitErr error         // set before exited is closed

	stopOnce sync.Once
	stopErr  error
}

// Sample is one element of an instant query result.
type Sample struct {
	// Metric holds the series' labels, including __name__ when present.
	Metric map[string]string
	// Value is the sample value (NaN and ±Inf are parsed as such).
	Value float64
}

// Target is the scrape state of one target, as /api/v1/targets reports it.
type Target struct {
	ScrapeURL string
	Health    string // "up", "down" or "unknown"
	LastError string
}

// New validates cfg, starts Prometheus and waits until it is ready. The
// caller must call Stop. A port picked free can be taken by someone else
// before Prometheus binds it, so a start that dies early is retried on a new
// port a few times.
func New(cfg Config) (*Server, error) {
	if err := cfg.fill(); err != nil {
		return nil, fmt.Errorf("promtest config: %w", err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(cfg, attempt)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	return nil, lastErr
}

// Start is New for tests: it applies the skip/fail rule of RequireBinary,
// uses tb.TempDir() when cfg.Dir is empty, fails the test when the server
// does not come up, and stops the server when the test ends.
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	if cfg.Binary == "" {
		cfg.Binary = RequireBinary(tb, "prometheus")
	}
	if cfg.Dir == "" {
		cfg.Dir = tb.TempDir()
	}
	s, err := New(cfg)
	if err != nil {
		tb.Fatalf("start prometheus: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("stop prometheus: %v", err)
		}
	})
	return s
}

// RequireBinary returns the path of the named binary (e.g. "prometheus" or
// "promtool", both from the Debian package "prometheus"). When it is absent
// the test is skipped with a loud message, except under CI=true where a
// missing binary is a broken CI setup and fails the test.
func RequireBinary(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	testenv.Missing(tb, name, fmt.Sprintf("%v; install the Debian package: apt-get install -y prometheus", err))
	return ""
}

// URL is the server's base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.url }

// LogTail returns the last few KiB of the server's log, for error messages.
func (s *Server) LogTail() string { return tail(s.logPath, 4096) }

// QuerySamples runs an instant query and returns every sample of the
// result. A scalar result is returned as one sample with no labels. An
// error means the query was rejected or the server could not be reached.
func (s *Server) QuerySamples(ctx context.Context, expr string) ([]Sample, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := s.api(ctx, "/api/v1/query?query="+url.QueryEscape(expr), &data); err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	switch data.ResultType {
	case "vector":
		var vec []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(data.Result, &vec); err != nil {
			return nil, fmt.Errorf("query %q: decode vector: %w", expr, err)
		}
		out := make([]Sample, 0, len(vec))
		for _, v := range vec {
			f, err := sampleValue(v.Value)
			if err != nil {
				return nil, fmt.Errorf("query %q: %w", expr, err)
			}
			out = append(out, Sample{Metric: v.Metric, Value: f})
		}
		return out, nil
	case "scalar":
		var sc [2]any
		if err := json.Unmarshal(data.Result, &sc); err != nil {
			return nil, fmt.Errorf("query %q: decode scalar: %w", expr, err)
		}
		f, err := sampleValue(sc)
		if err != nil {
			return nil, fmt.Errorf("query %q: %w", expr, err)
		}
		return []Sample{{Value: f}}, nil
	default:
		return nil, fmt.Errorf("query %q: result type %q is not an instant vector or scalar", expr, data.ResultType)
	}
}

// ErrNoData is returned by Query when the expression matched no series.
var ErrNoData = errors.New("no data")

// Query runs an instant query that must yield exactly one value.
func (s *Server) Query(ctx context.Context, expr string) (float64, error) {
	samples, err := s.QuerySamples(ctx, expr)
	if err != nil {
		return 0, err
	}
	switch len(samples) {
	case 0:
		return 0, fmt.Errorf("query %q: %w", expr, ErrNoData)
	case 1:
		return samples[0].Value, nil
	default:
		return 0, fmt.Errorf("query %q: %d series, want exactly one", expr, len(samples))
	}
}

// WaitFor polls Query(expr) until ok accepts its value or ctx ends, and
// returns the last value. On failure the error says what was last seen and
// how each target's scrape is going, which is what one needs to debug it.
func (s *Server) WaitFor(ctx context.Context, expr string, ok func(float64) bool) (float64, error) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var (
		v       float64
		lastErr error
	)
	for {
		v, lastErr = s.Query(ctx, expr)
		if lastErr == nil && ok(v) {
			return v, nil
		}
		select {
		case <-ctx.Done():
			var b strings.Builder
			fmt.Fprintf(&b, "wait for %q: %v; last value %v, last error: %v", expr, ctx.Err(), v, lastErr)
			tctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if ts, err := s.Targets(tctx); err != nil {
				fmt.Fprintf(&b, "; targets unavailable: %v", err)
			} else {
				for _, t := range ts {
					fmt.Fprintf(&b, "; target %s health=%s last_error=%q", t.ScrapeURL, t.Health, t.LastError)
				}
			}
			return v, errors.New(b.String())
		case <-s.exited:
			return v, fmt.Errorf("wait for %q: prometheus exited: %v; log:\n%s", expr, s.waitErr, s.LogTail())
		case <-tick.C:
		}
	}
}

// Targets reports the scrape state of the active targets.
func (s *Server) Targets(ctx context.Context) ([]Target, error) {
	var data struct {
		Active []struct {
			ScrapeURL string `json:"scrapeUrl"`
			Health    string `json:"health"`
			LastError string `json:"lastError"`
		} `json:"activeTargets"`
	}
	if err := s.api(ctx, "/api/v1/targets?state=active", &data); err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	out := make([]Target, 0, len(data.Active))
	for _, t := range data.Active {
		out = append(out, Target(t))
	}
	return out, nil
}

// Stop terminates the server (SIGTERM, then SIGKILL after ten seconds) and
// waits for it to exit. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		select {
		case <-s.exited:
			return
		default:
		}
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			s.stopErr = fmt.Errorf("signal prometheus (pid %d): %w", s.cmd.Process.Pid, err)
		}
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
				s.stopErr = fmt.Errorf("kill prometheus (pid %d): %w", s.cmd.Process.Pid, err)
			}
			<-s.exited
			if s.stopErr == nil {
				s.stopErr = fmt.Errorf("prometheus (pid %d) ignored SIGTERM for 10s and was killed", s.cmd.Process.Pid)
			}
		}
	})
	return s.stopErr
}

func (c *Config) fill() error {
	if len(c.Targets) == 0 {
		return errors.New("no Targets")
	}
	for _, t := range c.Targets {
		host, port, err := net.SplitHostPort(t)
		if err != nil {
			return fmt.Errorf("target %q: %w", t, err)
		}
		if host == "" || port == "" || strings.ContainsAny(t, "\"'\\\n\r\t #") {
			return fmt.Errorf("target %q is not a plain host:port", t)
		}
	}
	if c.Dir == "" {
		return errors.New("no Dir")
	}
	if c.Binary == "" {
		p, err := exec.LookPath("prometheus")
		if err != nil {
			return fmt.Errorf("%w: %v", ErrNotInstalled, err)
		}
		c.Binary = p
	}
	if c.JobName == "" {
		c.JobName = "tsheadroom"
	}
	if c.MetricsPath == "" {
		c.MetricsPath = "/metrics"
	}
	if !strings.HasPrefix(c.MetricsPath, "/") {
		return fmt.Errorf("MetricsPath %q does not start with /", c.MetricsPath)
	}
	if c.ScrapeInterval == 0 {
		c.ScrapeInterval = time.Second
	}
	if c.ScrapeInterval < 10*time.Millisecond {
		return fmt.Errorf("ScrapeInterval %v is below 10ms", c.ScrapeInterval)
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = time.Minute
	}
	return nil
}

// configYAML renders the scrape config. Strings are written as JSON
// strings, which YAML reads as double-quoted scalars.
func (c *Config) configYAML() string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	iv := strconv.FormatInt(c.ScrapeInterval.Milliseconds(), 10) + "ms"
	targets := make([]string, len(c.Targets))
	for i, t := range c.Targets {
		targets[i] = q(t)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\n", iv, iv, iv)
	fmt.Fprintf(&b, "scrape_configs:\n  - job_name: %s\n    metrics_path: %s\n", q(c.JobName), q(c.MetricsPath))
	fmt.Fprintf(&b, "    static_configs:\n      - targets: [%s]\n", strings.Join(targets, ", "))
	return b.String()
}

var (
	errExitedEarly = errors.New("prometheus exited before it was ready")
	errPortTaken   = errors.New("listen port taken")
)

func start(cfg Config, attempt int) (*Server, error) {
	addr, err := probe.FreeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	confPath := filepath.Join(cfg.Dir, "prometheus.yml")
	if err := os.WriteFile(confPath, []byte(cfg.configYAML()), 0o644); err != nil {
		return nil, fmt.Errorf("write prometheus config: %w", err)
	}
	logPath := filepath.Join(cfg.Dir, fmt.Sprintf("prometheus-%d.log", attempt))
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create prometheus log: %w", err)
	}
	cmd := exec.Command(cfg.Binary,
		"--config.file="+confPath,
		"--storage.tsdb.path="+filepath.Join(cfg.Dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=info",
	)
	cmd.Stdout = logf
	cmd.Stderr = logf
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", cfg.Binary, err)
	}
	s := &Server{
		cfg:     cfg,
		url:     "http://" + addr,
		cmd:     cmd,
		logPath: logPath,
		client:  &http.Client{Timeout: 10 * time.Second},
		exited:  make(chan struct{}),
	}
	go func() {
		s.waitErr = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	if err := s.waitReady(cfg.StartTimeout); err != nil {
		stopErr := s.Stop()
		return nil, errors.Join(err, stopErr)
	}
	return s, nil
}

func (s *Server) waitReady(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := probe.Poll{Client: s.client, Every: 100 * time.Millisecond, Exited: s.exited}.OK(ctx, s.url+"/-/ready")
	switch {
	case err == nil:
		return nil
	case errors.Is(err, probe.ErrExited):
		log := s.LogTail()
		if strings.Contains(log, "address already in use") {
			return fmt.Errorf("%w: %w (%v)", errExitedEarly, errPortTaken, s.waitErr)
		}
		return fmt.Errorf("%w (%v); log:\n%s", errExitedEarly, s.waitErr, log)
	default:
		return fmt.Errorf("prometheus at %s not ready after %v; log:\n%s", s.url, timeout, s.LogTail())
	}
}

// api GETs a Prometheus API path and decodes the "data" member of a
// successful answer into out.
func (s *Server) api(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+path, nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	var env struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("HTTP %d, undecodable answer %q: %w", resp.StatusCode, truncate(body, 200), err)
	}
	if env.Status != "success" {
		return fmt.Errorf("HTTP %d: %s: %s", resp.StatusCode, env.ErrorType, env.Error)
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("decode data: %w", err)
	}
	return nil
}

// sampleValue decodes a [timestamp, "value"] pair.
func sampleValue(pair [2]any) (float64, error) {
	str, ok := pair[1].(string)
	if !ok {
		return 0, fmt.Errorf("sample value %v is not a string", pair[1])
	}
	f, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return 0, fmt.Errorf("sample value %q: %w", str, err)
	}
	return f, nil
}

func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(log unavailable: %v)", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		if _, err := f.Seek(st.Size()-n, io.SeekStart); err != nil {
			return fmt.Sprintf("(log unavailable: %v)", err)
		}
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return append(bytes.Clone(b[:n]), "..."...)
	}
	return b
}
