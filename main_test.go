package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tailscale.com/ipn/store/mem"
	"tailscale.com/tsnet"

	"github.com/tsheadroom/tsheadroom/internal/logtest"
	"github.com/tsheadroom/tsheadroom/internal/probe"
	"github.com/tsheadroom/tsheadroom/internal/promtest"
	"github.com/tsheadroom/tsheadroom/internal/tailnettest"
	"github.com/tsheadroom/tsheadroom/tsnet/access"
	"github.com/tsheadroom/tsheadroom/tsnet/node"
)

// tailnet is the private in-process tailnet every end-to-end test in this
// package shares: started once, in TestMain.
var tailnet *tailnettest.Tailnet

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		main() // the fault tests' tsheadroom process (faults_test.go)
		os.Exit(0)
	}
	os.Exit(tailnettest.Main(m, tailnettest.Options{}, &tailnet))
}

func testContext(t *testing.T) context.Context { return tailnettest.Context(t, 2*time.Minute) }

// service is tsheadroom started by run() exactly as main does, joined to the
// test tailnet.
type service struct {
	host string
	lc   tailnettest.WhoIser // the service node's own view, to wait on grant changes
	stop func()              // shuts it down and waits; also run when the test ends
	port string              // ":8080" when started with -addr; empty for :80
}

// startService runs the real binary's wiring with the given flags on the
// test tailnet and returns once its node is up. Its settings file is in a
// fresh directory unless args name one. It stops when the test ends.
func startService(t *testing.T, host string, args ...string) *service {
	t.Helper()
	return launch(t, host, nil, append([]string{"-config", filepath.Join(t.TempDir(), "tsheadroom.config.json")}, args...)...)
}

// launch is startService without the settings file default; adjust, when
// set, edits the options after parsing (a logger to read, for instance).
func launch(t *testing.T, host string, adjust func(*options), args ...string) *service {
	t.Helper()
	o, err := parseFlags(append([]string{"-hostname", host, "-state-dir", t.TempDir()}, args...))
	if err != nil {
		t.Fatal(err)
	}
	if adjust != nil {
		adjust(&o)
	}
	up := make(chan tailnettest.WhoIser, 1)
	o.adjustTailnet = func(c *node.Config) {
		c.ControlURL = tailnet.ControlURL()
		c.Store = new(mem.Store)
		c.Ephemeral = true
		c.AfterUp = func(ctx context.Context, s *tsnet.Server) error {
			if err := tailnet.Prepare(ctx, s); err != nil {
				return err
			}
			lc, err := s.LocalClient()
			if err != nil {
				return err
			}
			up <- lc
			return nil
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, o) }()
	stop := sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("service shut down with: %v", err)
		}
	})
	t.Cleanup(stop)
	select {
	case lc := <-up:
		return &service{host: host, lc: lc, stop: stop}
	case err := <-done:
		t.Fatalf("service did not start: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("service did not come up within a minute")
	}
	return nil
}

func (s *service) url(scheme, path string) string {
	port := ""
	if scheme == "http" {
		port = s.port
	}
	return scheme + "://" + tailnet.FQDN(s.host) + port + path
}

// grantRoles gives src the roles through the tailnet policy's app
// capability, as a grant with dst the service would.
func grantRoles(t *testing.T, ctx context.Context, src *tailnettest.Node, roles []string, waitOn ...tailnettest.WhoIser) {
	t.Helper()
	caps := map[string][]any{}
	if len(roles) > 0 {
		caps[access.DefaultCapName] = []any{map[string]any{"roles": roles}}
	}
	if err := tailnet.SetAppCaps(ctx, src, caps, waitOn...); err != nil {
		t.Fatal(err)
	}
}

// call sends one request from a tailnet node and returns status and body.
func call(t *testing.T, ctx context.Context, n *tailnettest.Node, method, url string, body []byte) (int, string) {
	t.Helper()
	if body == nil {
		return callWith(t, ctx, n, method, url, nil)
	}
	return callWith(t, ctx, n, method, url, body, "Content-Type", "application/json")
}

func sampleCall(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/sample.hook.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scrape fetches /metrics from a node and parses it as Prometheus does.
func scrape(t *testing.T, ctx context.Context, n *tailnettest.Node, s *service) map[string]float64 {
	t.Helper()
	return scrapeURL(t, ctx, n, s.url("http", "/metrics"))
}

func scrapeURL(t *testing.T, ctx context.Context, n *tailnettest.Node, url string) map[string]float64 {
	t.Helper()
	m, err := probe.Metrics(ctx, n.HTTPClient(), url)
	if err != nil {
		t.Fatalf("from %s: %v", n.Hostname, err)
	}
	return m
}

// parseScrape parses a /metrics answer as Prometheus does, into values keyed
// by "name,label=value,...".
func parseScrape(t *testing.T, body string) map[string]float64 {
	t.Helper()
	out, err := probe.ParseMetrics(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTailnetService drives the real wiring over real tailnet nodes: roles
// from grants and allow lists, the hook over HTTP and HTTPS, metrics and
// config each for their role only, and a grant change taking effect while
// everything runs.
func TestTailnetService(t *testing.T) {
	ctx := testContext(t)
	aperture := tailnet.MustAddNode(t, ctx, "aperture", "tag:aperture")
	prom := tailnet.MustAddNode(t, ctx, "prom", "tag:prometheus")
	admin := tailnet.MustAddNode(t, ctx, "sre-laptop")
	stranger := tailnet.MustAddNode(t, ctx, "laptop")
	grantRoles(t, ctx, aperture, []string{"hook"})
	grantRoles(t, ctx, admin, []string{"admin"})
	svc := startService(t, "tsheadroom", "-https", "-require-grant", "-metrics-tags", "tag:prometheus", "-pool-size", "3")
	sample := sampleCall(t)

	t.Run("hook over HTTP and HTTPS", func(t *testing.T) {
		for _, scheme := range []string{"http", "https"} {
			code, body := call(t, ctx, aperture, "POST", svc.url(scheme, "/"), sample)
			if code != 200 || !strings.HasPrefix(body, `{"action":"modify","request_body":`) {
				t.Errorf("%s: %d %.120s", scheme, code, body)
			}
		}
	})
	t.Run("no role, no hook", func(t *testing.T) {
		code, body := call(t, ctx, stranger, "POST", svc.url("http", "/"), sample)
		if code != 403 || !strings.HasPrefix(body, "forbidden: ") || strings.Count(body, "\n") != 1 {
			t.Errorf("stranger: %d %q", code, body)
		}
	})
	t.Run("health needs no role", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz"} {
			if code, body := call(t, ctx, stranger, "GET", svc.url("http", p), nil); code != 200 {
				t.Errorf("%s: %d %s", p, code, body)
			}
		}
	})
	t.Run("each endpoint for its role only", func(t *testing.T) {
		for _, c := range []struct {
			node *tailnettest.Node
			path string
			want int
		}{
			{aperture, "/metrics", 403}, {aperture, "/config", 403},
			{prom, "/config", 403}, {prom, "/metrics", 200},
			{stranger, "/metrics", 403}, {stranger, "/config", 403},
			{admin, "/config", 200}, {admin, "/metrics", 200},
			{admin, "/debug/pprof/", 200}, {aperture, "/debug/pprof/", 403},
			{prom, "/debug/pprof/", 403}, {stranger, "/debug/pprof/", 403},
		} {
			if code, body := call(t, ctx, c.node, "GET", svc.url("https", c.path), nil); code != c.want {
				t.Errorf("%s GET %s: %d, want %d (%s)", c.node.Hostname, c.path, code, c.want, body)
			}
		}
		if code, _ := call(t, ctx, prom, "POST", svc.url("http", "/"), sample); code != 403 {
			t.Errorf("metrics role called the hook: %d", code)
		}
	})
	t.Run("admin tunes config", func(t *testing.T) {
		code, body := call(t, ctx, admin, "PUT", svc.url("https", "/config"), []byte(`{"savings_profile":"agent-90"}`))
		if code != 200 || !strings.Contains(body, `"savings_profile": "agent-90"`) {
			t.Fatalf("PUT /config: %d %s", code, body)
		}
		if code, _ := call(t, ctx, aperture, "PUT", svc.url("https", "/config"), []byte(`{}`)); code != 403 {
			t.Errorf("hook role changed config: %d", code)
		}
	})
	t.Run("metrics count what happened", func(t *testing.T) {
		m := scrape(t, ctx, prom, svc)
		for key, want := range map[string]float64{
			"headroom_requests_total":                         2,
			"tsheadroom_requests_by_outcome,outcome=modify":   2,
			"tsheadroom_access_denied_total,endpoint=hook":    2,
			"tsheadroom_access_denied_total,endpoint=metrics": 2,
			"tsheadroom_access_denied_total,endpoint=config":  4,
			"tsheadroom_config_updates_total":                 1,
			"tsheadroom_pool_slots_total":                     3,
		} {
			if m[key] != want {
				t.Errorf("%s = %v, want %v", key, m[key], want)
			}
		}
		if m["headroom_tokens_saved_total"] <= 0 {
			t.Errorf("headroom_tokens_saved_total = %v", m["headroom_tokens_saved_total"])
		}
	})
	t.Run("grant changes take effect without restart", func(t *testing.T) {
		grantRoles(t, ctx, aperture, nil, svc.lc)
		if code, _ := call(t, ctx, aperture, "POST", svc.url("http", "/"), sample); code != 403 {
			t.Errorf("after revoke: %d, want 403", code)
		}
		grantRoles(t, ctx, aperture, []string{"hook"}, svc.lc)
		if code, _ := call(t, ctx, aperture, "POST", svc.url("http", "/"), sample); code != 200 {
			t.Errorf("after re-grant: %d, want 200", code)
		}
	})
}

// TestOpenMode: with -open (here from its variable, as a container would
// set it), any peer may call the hook and scrape metrics, nobody reaches
// config, and the start says so at warn.
func TestOpenMode(t *testing.T) {
	ctx := testContext(t)
	peer := tailnet.MustAddNode(t, ctx, "anyone")
	t.Setenv("TSHEADROOM_OPEN", "true")
	log, logs := logtest.New(t)
	svc := launch(t, "tsheadroom-open", func(o *options) { o.logger = log }, "-config", "")
	if n := logs.Count(`level=WARN msg="OPEN MODE: any tailnet peer`); n != 1 {
		t.Errorf("open mode warned %d times at start, want 1:\n%s", n, logs)
	}
	if code, body := call(t, ctx, peer, "POST", svc.url("http", "/hook"), sampleCall(t)); code != 200 || !strings.Contains(body, `"modify"`) {
		t.Errorf("hook: %d %.80s", code, body)
	}
	if code, _ := call(t, ctx, peer, "GET", svc.url("http", "/metrics"), nil); code != 200 {
		t.Errorf("metrics: %d", code)
	}
	if code, _ := call(t, ctx, peer, "GET", svc.url("http", "/config"), nil); code != 403 {
		t.Errorf("config: %d, want 403", code)
	}
}

// TestNoPolicyRefusesStart: on the tailnet, with no allow list,
// -require-grant or -open, the service stops before anything starts (no
// state directory, no settings file), naming the three ways out; -open with
// -require-grant is refused the same way.
func TestNoPolicyRefusesStart(t *testing.T) {
	for _, extra := range [][]string{nil, {"-open", "-require-grant"}, {"-hook-tags", ","}} {
		dir := t.TempDir()
		state, config := filepath.Join(dir, "state"), filepath.Join(dir, "config.json")
		o, err := parseFlags(append([]string{"-state-dir", state, "-config", config, "-control-url", "http://127.0.0.1:1"}, extra...))
		if err != nil {
			t.Fatal(err)
		}
		o.logger, _ = logtest.New(t)
		err = run(context.Background(), o)
		want := "-require-grant to take roles from the tailnet policy's app-capability grants only, or -open"
		if len(extra) > 0 && extra[0] == "-open" {
			want = "contradict"
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: run returned %v; want an error naming %s", extra, err, want)
		}
		if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%v: state dir touched before the refusal: %v", extra, err)
		}
		if _, err := os.Stat(config); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%v: settings file touched before the refusal: %v", extra, err)
		}
	}
}

// TestLocalOnly: -tailnet=false with -local-addr serves loopback callers the
// hook and metrics, never config, and refuses a non-loopback address.
func TestLocalOnly(t *testing.T) {
	if _, err := parseFlags([]string{"-local-addr", "0.0.0.0:8787"}); err != nil {
		t.Fatal(err) // flags parse; the address is refused when serving
	}
	o, _ := parseFlags([]string{"-tailnet=false", "-local-addr", "0.0.0.0:0", "-config", ""})
	if err := run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("non-loopback -local-addr: %v", err)
	}
	addr, err := probe.FreeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	o, err = parseFlags([]string{"-tailnet=false", "-local-addr", addr, "-config", ""})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, o) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + addr
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := (probe.Poll{Every: 20 * time.Millisecond}).OK(wctx, base+"/healthz"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/", "application/json", bytes.NewReader(sampleCall(t)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"modify"`) {
		t.Errorf("local hook: %d %.80s", resp.StatusCode, body)
	}
	for path, want := range map[string]int{"/metrics": 200, "/config": 403, "/readyz": 200} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("local GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// TestPrometheusAcrossTailnet: a real Prometheus server scrapes the service
// across the tailnet through a bridge node — a tagged peer holding the
// metrics role that forwards 127.0.0.1:PORT to the service — and the test
// reads values back through Prometheus's query API.
func TestPrometheusAcrossTailnet(t *testing.T) {
	bin := promtest.RequireBinary(t, "prometheus")
	ctx := testContext(t)
	bridge := tailnet.MustAddNode(t, ctx, "prom-bridge", "tag:prometheus")
	aperture := tailnet.MustAddNode(t, ctx, "aperture-2", "tag:aperture")
	svc := startService(t, "tsheadroom-prom", "-metrics-tags", "tag:prometheus", "-hook-tags", "tag:aperture", "-pool-size", "5")
	if code, _ := call(t, ctx, aperture, "POST", svc.url("http", "/"), sampleCall(t)); code != 200 {
		t.Fatalf("hook: %d", code)
	}
	target := forward(t, func(ctx context.Context) (net.Conn, error) {
		return bridge.Server.Dial(ctx, "tcp", tailnet.FQDN(svc.host)+":80")
	})
	srv := promtest.Start(t, promtest.Config{Binary: bin, Targets: []string{target}, ScrapeInterval: time.Second})
	for expr, want := range map[string]float64{
		"headroom_requests_total":     1,
		"tsheadroom_pool_slots_total": 5,
	} {
		got, err := srv.WaitFor(ctx, expr, func(v float64) bool { return v == want })
		if err != nil {
			t.Errorf("%s: %v (last %v)", expr, err, got)
		}
	}
}

// forward listens on 127.0.0.1 and copies every connection to one dialled
// by dial: the bridge from a loopback-only program onto the tailnet.
func forward(t *testing.T, dial func(context.Context) (net.Conn, error)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Logf("bridge accept: %v", err)
				}
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer in.Close()
				out, err := dial(ctx)
				if err != nil {
					t.Logf("bridge dial: %v", err)
					return
				}
				defer out.Close()
				go func() {
					<-ctx.Done()
					in.Close()
					out.Close()
				}()
				go io.Copy(out, in)
				io.Copy(in, out)
			}()
		}
	}()
	return ln.Addr().String()
}
