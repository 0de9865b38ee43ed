package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"tailscale.com/client/tailscale/apitype"
	"tailscale.com/tailcfg"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/hook"
	"github.com/tsheadroom/tsheadroom/metrics"
	"github.com/tsheadroom/tsheadroom/settings"
	"github.com/tsheadroom/tsheadroom/tsnet/access"
	"github.com/tsheadroom/tsheadroom/workers"
)

// peer is a caller as the tailnet node's WhoIs would describe it.
type peer struct {
	tags   []string
	login  string
	grants []string // values of the tsheadroom capability
}

// tableWhoIs answers WhoIs from a fixed table keyed by "ip:port", with the
// contract of the node's LocalAPI (unknown address: error).
func tableWhoIs(peers map[string]peer) func(context.Context, string) (*apitype.WhoIsResponse, error) {
	return func(_ context.Context, addr string) (*apitype.WhoIsResponse, error) {
		p, ok := peers[addr]
		if !ok {
			return nil, errors.New("no match for IP:port")
		}
		who := &apitype.WhoIsResponse{Node: &tailcfg.Node{Name: "n.example.ts.net.", Tags: p.tags}, UserProfile: &tailcfg.UserProfile{LoginName: p.login}}
		for _, g := range p.grants {
			if who.CapMap == nil {
				who.CapMap = tailcfg.PeerCapMap{}
			}
			who.CapMap[access.DefaultCapName] = append(who.CapMap[access.DefaultCapName], tailcfg.RawMessage(g))
		}
		return who, nil
	}
}

// testService is the service's own mux (routes) over the real hook, native
// engine, pool and metrics, with callers identified by whois under a policy
// with the given allow lists.
func testService(t *testing.T, whois func(context.Context, string) (*apitype.WhoIsResponse, error), ao accessOptions) (*metrics.Metrics, http.Handler) {
	t.Helper()
	m, err := metrics.New(metrics.Config{Version: "test", Engine: "native", Outcomes: hook.Outcomes(), Kinds: kindNames(), RestoreReasons: compress.RestoreReasons(), Endpoints: endpoints()})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := compress.NewNative(compress.NativeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := workers.NewPool(workers.PoolConfig{Size: 2, MaxWaiting: 4, Observer: m})
	if err != nil {
		t.Fatal(err)
	}
	h, err := hook.New(hook.Config{Engine: eng, Pool: pool, Metrics: m, CallerName: callerName})
	if err != nil {
		t.Fatal(err)
	}
	// The service's own policy wiring, so a flag it forgets is a failure here.
	p, err := newAccess(ao, whois, m, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	store, err := settings.Open(settings.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	config, err := settings.NewHandler(settings.HandlerConfig{Store: store, OnUpdate: m.ConfigUpdated})
	if err != nil {
		t.Fatal(err)
	}
	return m, routes(p, h, config, m, readiness(nil, h))
}

// route is one request to the service and the role it needs ("" for none).
type route struct {
	method, path string
	role         access.Role
}

var serviceRoutes = []route{
	{"POST", "/", access.RoleHook},
	{"POST", "/hook", access.RoleHook},
	{"GET", "/metrics", access.RoleMetrics},
	{"GET", "/config", access.RoleAdmin},
	{"PUT", "/config", access.RoleAdmin},
	{"GET", "/debug/pprof/", access.RoleAdmin},
	{"GET", "/debug/pprof/goroutine?debug=1", access.RoleAdmin},
	{"GET", "/debug/pprof/heap", access.RoleAdmin},
	{"GET", "/healthz", ""},
	{"GET", "/readyz", ""},
}

// send serves one request of r from remoteAddr on h.
func send(t *testing.T, h http.Handler, remoteAddr string, r route) (int, string) {
	t.Helper()
	var body []byte
	switch {
	case r.role == access.RoleHook:
		body = sampleCall(t)
	case r.method == "PUT":
		body = []byte(`{}`)
	}
	req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
	req.RemoteAddr = remoteAddr
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// checkRoutes sends every route from remoteAddr and checks that exactly
// those needing no role or one of roles answer 200, the others a one-line
// 403. It returns the denials sent, by endpoint.
func checkRoutes(t *testing.T, h http.Handler, remoteAddr string, roles ...access.Role) map[string]int {
	t.Helper()
	denied := map[string]int{}
	for _, r := range serviceRoutes {
		code, body := send(t, h, remoteAddr, r)
		allowed := r.role == "" || slices.Contains(roles, r.role)
		switch {
		case allowed && code != 200:
			t.Errorf("%s %s %s: %d %.100q, want 200", remoteAddr, r.method, r.path, code, body)
		case !allowed && (code != 403 || !strings.HasPrefix(body, "forbidden: ") || strings.Count(body, "\n") != 1):
			t.Errorf("%s %s %s: %d %q, want a one-line 403", remoteAddr, r.method, r.path, code, body)
		case !allowed:
			denied[endpointOf(r.path)]++
		}
	}
	return denied
}

// endpointOf is the endpoint name a path's denials are counted under.
func endpointOf(path string) string {
	switch {
	case path == "/" || path == "/hook":
		return "hook"
	case strings.HasPrefix(path, "/debug/"):
		return "debug"
	}
	return strings.TrimPrefix(path, "/")
}

// TestRoutesRoles sends every route of the service's own mux from callers
// holding each set of roles: each guarded endpoint answers only its role
// (admin holds them all), /debug/pprof only admins, health checks anyone; a
// caller WhoIs cannot identify gets nothing guarded; every denial is one
// line, counted under its endpoint.
func TestRoutesRoles(t *testing.T) {
	peers := map[string]peer{
		"100.64.0.1:1": {tags: []string{"tag:aperture"}, grants: []string{`{"roles":["hook"]}`}},
		"100.64.0.2:1": {tags: []string{"tag:prometheus"}},
		"100.64.0.3:1": {login: "alice@example.com"},
		"100.64.0.4:1": {login: "eve@example.com"},
	}
	m, mux := testService(t, tableWhoIs(peers), accessOptions{requireGrant: true, metricsTags: "tag:prometheus", adminLogins: "alice@example.com"})
	denied := map[string]int{}
	for addr, roles := range map[string][]access.Role{
		"100.64.0.1:1":  {access.RoleHook},
		"100.64.0.2:1":  {access.RoleMetrics},
		"100.64.0.3:1":  {access.RoleHook, access.RoleMetrics, access.RoleAdmin},
		"100.64.0.4:1":  nil,
		"100.64.0.99:1": nil, // WhoIs fails
	} {
		for ep, n := range checkRoutes(t, mux, addr, roles...) {
			denied[ep] += n
		}
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	scraped := parseScrape(t, rec.Body.String())
	for _, ep := range endpoints() {
		if got := scraped["tsheadroom_access_denied_total,endpoint="+ep]; got != float64(denied[ep]) || denied[ep] == 0 {
			t.Errorf("access denied for %s: %v counted, %d sent", ep, got, denied[ep])
		}
	}
}

// TestRoutesOpenMode: with -open, any identifiable peer gets the hook and
// metrics, never config or profiles, which an allow list still grants.
func TestRoutesOpenMode(t *testing.T) {
	peers := map[string]peer{"100.64.0.5:1": {login: "eve@example.com"}, "100.64.0.3:1": {login: "alice@example.com"}}
	_, mux := testService(t, tableWhoIs(peers), accessOptions{open: true, adminLogins: "alice@example.com"})
	checkRoutes(t, mux, "100.64.0.5:1", access.RoleHook, access.RoleMetrics)
	checkRoutes(t, mux, "100.64.0.3:1", access.RoleHook, access.RoleMetrics, access.RoleAdmin)
	checkRoutes(t, mux, "100.64.0.9:1")
}

// TestRoutesNoPolicy: the service's policy wiring refuses a tailnet with no
// allow list, -require-grant or -open, and -open with -require-grant;
// without a tailnet (loopback only) nothing is needed.
func TestRoutesNoPolicy(t *testing.T) {
	m, err := metrics.New(metrics.Config{Version: "test", Engine: "native", Outcomes: hook.Outcomes(), Kinds: kindNames(), RestoreReasons: compress.RestoreReasons(), Endpoints: endpoints()})
	if err != nil {
		t.Fatal(err)
	}
	whois := tableWhoIs(nil)
	if _, err := newAccess(accessOptions{}, whois, m, nil); !errors.Is(err, errNoPolicy) {
		t.Errorf("no policy on the tailnet: %v", err)
	}
	if _, err := newAccess(accessOptions{hookTags: " , "}, whois, m, nil); !errors.Is(err, errNoPolicy) {
		t.Errorf("an allow list of blanks: %v", err)
	}
	if _, err := newAccess(accessOptions{open: true, requireGrant: true}, whois, m, nil); err == nil || !strings.Contains(err.Error(), "contradict") {
		t.Errorf("-open -require-grant: %v", err)
	}
	if _, err := newAccess(accessOptions{}, nil, m, nil); err != nil {
		t.Errorf("loopback only: %v", err)
	}
}

// TestRoutesDefaultMuxUnserved: the debug handlers tsnet and net/http/pprof
// register on http.DefaultServeMux are not reachable through the service's
// mux, admin or not; its own /debug/pprof/ is the only profile route, and
// it leaves out the command line.
func TestRoutesDefaultMuxUnserved(t *testing.T) {
	peers := map[string]peer{"100.64.0.3:1": {login: "alice@example.com"}}
	_, mux := testService(t, tableWhoIs(peers), accessOptions{requireGrant: true, adminLogins: "alice@example.com"})
	// /debug/pprof only redirects to the guarded /debug/pprof/.
	for _, path := range []string{"/debug/vars", "/debug/", "/debug/pprof", "/debug/metrics"} {
		if code, body := send(t, mux, "100.64.0.3:1", route{"GET", path, access.RoleAdmin}); code != 404 && !(path == "/debug/pprof" && code == 307) {
			t.Errorf("admin GET %s: %d %.80q, want 404", path, code, body)
		}
	}
	// Not served on purpose: the command line may carry -authkey.
	if code, body := send(t, mux, "100.64.0.3:1", route{"GET", "/debug/pprof/cmdline", access.RoleAdmin}); code != 404 {
		t.Errorf("admin GET /debug/pprof/cmdline: %d %.80q, want 404", code, body)
	}
}

// TestRoutesLoopback: through access.Loopback, as serve wraps the mux for
// the loopback listener, callers get hook and metrics, never config or
// profiles, without any WhoIs.
func TestRoutesLoopback(t *testing.T) {
	whois := func(context.Context, string) (*apitype.WhoIsResponse, error) {
		t.Error("WhoIs called for a loopback caller")
		return nil, errors.New("unexpected")
	}
	_, mux := testService(t, whois, accessOptions{requireGrant: true})
	checkRoutes(t, access.Loopback(mux), "127.0.0.1:4567", access.RoleHook, access.RoleMetrics)
}
