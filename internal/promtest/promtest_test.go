package promtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestConfigValidation(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "prometheus") // need not exist for validation
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no targets", Config{Dir: dir, Binary: bin}, "no Targets"},
		{"no port", Config{Targets: []string{"127.0.0.1"}, Dir: dir, Binary: bin}, "missing port"},
		{"injection", Config{Targets: []string{"127.0.0.1:9 #x"}, Dir: dir, Binary: bin}, "not a plain host:port"},
		{"no dir", Config{Targets: []string{"127.0.0.1:9"}, Binary: bin}, "no Dir"},
		{"relative path", Config{Targets: []string{"127.0.0.1:9"}, Dir: dir, Binary: bin, MetricsPath: "metrics"}, "does not start with /"},
		{"tiny interval", Config{Targets: []string{"127.0.0.1:9"}, Dir: dir, Binary: bin, ScrapeInterval: time.Millisecond}, "below 10ms"},
		{"missing binary", Config{Targets: []string{"127.0.0.1:9"}, Dir: dir, Binary: filepath.Join(dir, "nope")}, "start "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.cfg)
			if err == nil {
				s.Stop()
				t.Fatal("New accepted the config")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestConfigYAML(t *testing.T) {
	c := Config{Targets: []string{"127.0.0.1:9100", "[::1]:80"}, Dir: "d", Binary: "b", ScrapeInterval: 1500 * time.Millisecond}
	if err := c.fill(); err != nil {
		t.Fatal(err)
	}
	want := `global:
  scrape_interval: 1500ms
  scrape_timeout: 1500ms
  evaluation_interval: 1500ms
scrape_configs:
  - job_name: "tsheadroom"
    metrics_path: "/metrics"
    static_configs:
      - targets: ["127.0.0.1:9100", "[::1]:80"]
`
	if got := c.configYAML(); got != want {
		t.Fatalf("config\n%s\nwant\n%s", got, want)
	}
}

// TestPromtoolAcceptsGeneratedConfig has Prometheus's own checker validate
// the config we generate.
func TestPromtoolAcceptsGeneratedConfig(t *testing.T) {
	promtool := RequireBinary(t, "promtool")
	c := Config{Targets: []string{"127.0.0.1:9100"}, Dir: t.TempDir(), Binary: "b"}
	if err := c.fill(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(c.Dir, "prometheus.yml")
	if err := os.WriteFile(path, []byte(c.configYAML()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := execOutput(promtool, "check", "config", path)
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
}

// TestRealPrometheus starts the real server against a loopback target whose
// value changes, and reads it back through the query API.
func TestRealPrometheus(t *testing.T) {
	var value atomic.Int64
	value.Store(41)
	var scrapes atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		scrapes.Add(1)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# HELP promtest_probe A value the test sets.\n# TYPE promtest_probe gauge\npromtest_probe{side=\"a\"} %d\npromtest_probe{side=\"b\"} 2\n", value.Load())
	}))
	defer target.Close()

	srv := Start(t, Config{Targets: []string{target.Listener.Addr().String()}})
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") {
		t.Fatalf("server URL %s is not on loopback", srv.URL())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	if _, err := srv.WaitFor(ctx, `promtest_probe{side="a"}`, func(v float64) bool { return v == 41 }); err != nil {
		t.Fatal(err)
	}
	value.Store(42)
	if _, err := srv.WaitFor(ctx, `promtest_probe{side="a"}`, func(v float64) bool { return v == 42 }); err != nil {
		t.Fatal(err)
	}
	if v, err := srv.Query(ctx, `up{job="tsheadroom"}`); err != nil || v != 1 {
		t.Fatalf("up = %v, %v", v, err)
	}
	if v, err := srv.Query(ctx, `sum(promtest_probe)`); err != nil || v != 44 {
		t.Fatalf("sum = %v, %v", v, err)
	}
	if v, err := srv.Query(ctx, `scalar(promtest_probe{side="b"}) * 3`); err != nil || v != 6 {
		t.Fatalf("scalar = %v, %v", v, err)
	}
	if v, err := srv.Query(ctx, `promtest_probe{side="b"} / 0`); err != nil || !math.IsInf(v, 1) {
		t.Fatalf("+Inf = %v, %v", v, err)
	}
	samples, err := srv.QuerySamples(ctx, `promtest_probe`)
	if err != nil || len(samples) != 2 {
		t.Fatalf("samples = %v, %v", samples, err)
	}
	if _, err := srv.Query(ctx, `promtest_probe`); err == nil || !strings.Contains(err.Error(), "2 series") {
		t.Fatalf("two-series Query error = %v", err)
	}
	if _, err := srv.Query(ctx, `promtest_absent`); !errors.Is(err, ErrNoData) {
		t.Fatalf("absent series error = %v, want ErrNoData", err)
	}
	if _, err := srv.Query(ctx, `sum(`); err == nil || !strings.Contains(err.Error(), "bad_data") {
		t.Fatalf("bad PromQL error = %v", err)
	}
	ts, err := srv.Targets(ctx)
	if err != nil || len(ts) != 1 || ts[0].Health != "up" || !strings.HasSuffix(ts[0].ScrapeURL, "/metrics") {
		t.Fatalf("targets = %+v, %v", ts, err)
	}
	if scrapes.Load() < 2 {
		t.Fatalf("target scraped %d times", scrapes.Load())
	}

	// A wait that cannot succeed explains itself.
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	_, err = srv.WaitFor(short, `promtest_probe{side="a"}`, func(v float64) bool { return v == -1 })
	if err == nil || !strings.Contains(err.Error(), "health=up") || !strings.Contains(err.Error(), "last value 42") {
		t.Fatalf("failed wait error = %v", err)
	}

	if err := srv.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("second stop: %v", err)
	}
	if _, err := srv.Query(context.Background(), "up"); err == nil {
		t.Fatal("query succeeded after Stop")
	}
}

// TestDownTargetIsReported shows WaitFor's error names a failing target.
func TestDownTargetIsReported(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	}))
	defer target.Close()
	srv := Start(t, Config{Targets: []string{target.Listener.Addr().String()}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := srv.WaitFor(ctx, `up`, func(v float64) bool { return v == 0 }); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	_, err := srv.WaitFor(short, `up`, func(v float64) bool { return v == 1 })
	if err == nil || !strings.Contains(err.Error(), "health=down") || !strings.Contains(err.Error(), "403") {
		t.Fatalf("error = %v", err)
	}
}

func execOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}
