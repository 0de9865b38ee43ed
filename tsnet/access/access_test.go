package access_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"tailscale.com/client/tailscale/apitype"
	"tailscale.com/tailcfg"

	"github.com/tsheadroom/tsheadroom/internal/logtest"
	"github.com/tsheadroom/tsheadroom/tsnet/access"
)

// The tests here resolve roles and guard single handlers. Which endpoint of
// the service needs which role is tested against the service's own routes,
// in the top-level package (access_test.go there).

// identity is one peer as a tailnet node's WhoIs reports it.
type identity struct {
	name   string
	tags   []string
	login  string
	grants []string // raw JSON values of the tsheadroom capability
}

// whoisTable answers WhoIs from a fixed table keyed by "ip:port", the
// contract of a real node's LocalAPI (unknown address -> error).
func whoisTable(peers map[string]identity) func(context.Context, string) (*apitype.WhoIsResponse, error) {
	return func(_ context.Context, addr string) (*apitype.WhoIsResponse, error) {
		p, ok := peers[addr]
		if !ok {
			return nil, errors.New("no match for IP:port")
		}
		res := &apitype.WhoIsResponse{
			Node:        &tailcfg.Node{Name: p.name + ".example.ts.net.", Tags: p.tags},
			UserProfile: &tailcfg.UserProfile{LoginName: p.login},
		}
		for _, g := range p.grants {
			if res.CapMap == nil {
				res.CapMap = tailcfg.PeerCapMap{}
			}
			res.CapMap[access.DefaultCapName] = append(res.CapMap[access.DefaultCapName], tailcfg.RawMessage(g))
		}
		return res, nil
	}
}

// denials counts OnDeny calls by endpoint.
type denials struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *denials) add(endpoint string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[string]int{}
	}
	d.n[endpoint]++
}

func (d *denials) get(endpoint string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[endpoint]
}

// echo answers 200 with the caller Require attached, so tests see who the
// policy thinks is calling and with which roles.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, ok := access.CallerFrom(r.Context())
	if !ok {
		http.Error(w, "no caller in context", http.StatusInternalServerError)
		return
	}
	io.WriteString(w, "ok "+c.String()+" roles="+roles(c))
})

func roles(c access.Caller) string {
	names := make([]string, 0, len(c.Roles))
	for _, role := range c.Roles {
		names = append(names, string(role))
	}
	return strings.Join(names, ",")
}

// guard is each role with the endpoint name its denials are counted under.
var guard = []struct {
	role     access.Role
	endpoint string
}{{access.RoleHook, "hook"}, {access.RoleMetrics, "metrics"}, {access.RoleAdmin, "config"}}

// serveAs runs h for one request from remoteAddr.
func serveAs(h http.Handler, remoteAddr string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
	req.RemoteAddr = remoteAddr
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestNewValidates(t *testing.T) {
	who := whoisTable(nil)
	for name, cfg := range map[string]access.Config{
		"no whois":        {},
		"unknown role":    {WhoIs: who, Allow: map[access.Role]access.AllowList{"root": {Tags: []string{"tag:x"}}}},
		"bare tag":        {WhoIs: who, Allow: map[access.Role]access.AllowList{access.RoleHook: {Tags: []string{"aperture"}}}},
		"empty tag":       {WhoIs: who, Allow: map[access.Role]access.AllowList{access.RoleHook: {Tags: []string{"tag:"}}}},
		"blank login":     {WhoIs: who, Allow: map[access.Role]access.AllowList{access.RoleAdmin: {Logins: []string{" "}}}},
		"cap with tabs":   {WhoIs: who, CapName: "a\tb", RequireGrant: true},
		"open and closed": {WhoIs: who, Open: true, RequireGrant: true},
	} {
		if _, err := access.New(cfg); err == nil {
			t.Errorf("%s: New accepted an invalid config", name)
		}
	}
}

// TestNoPolicyRefused: a policy that names no way to grant roles (no allow
// list, no RequireGrant, no Open) is refused rather than left open, and
// so is one whose allow lists are all empty; each of the three ways makes
// it valid.
func TestNoPolicyRefused(t *testing.T) {
	who := whoisTable(nil)
	for name, cfg := range map[string]access.Config{
		"nothing":       {WhoIs: who},
		"empty lists":   {WhoIs: who, Allow: map[access.Role]access.AllowList{access.RoleHook: {}, access.RoleAdmin: {Tags: nil}}},
		"cap name only": {WhoIs: who, CapName: "example.com/cap/x"},
	} {
		if _, err := access.New(cfg); !errors.Is(err, access.ErrNoPolicy) {
			t.Errorf("%s: New returned %v, want ErrNoPolicy", name, err)
		}
	}
	for name, cfg := range map[string]access.Config{
		"allow list":    {WhoIs: who, Allow: map[access.Role]access.AllowList{access.RoleHook: {Tags: []string{"tag:aperture"}}}},
		"require grant": {WhoIs: who, RequireGrant: true},
		"open":          {WhoIs: who, Open: true},
	} {
		if _, err := access.New(cfg); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestRoleResolution covers the sources of roles one by one: grants
// (several merged, unknown names and malformed values ignored), tag and
// login allow lists, admin implying everything, and deny by default once a
// policy exists.
func TestRoleResolution(t *testing.T) {
	log, logs := logtest.New(t)
	peers := map[string]identity{
		"100.64.0.1:1000": {name: "aperture", tags: []string{"tag:aperture"}, login: "tagged-devices",
			grants: []string{`{"roles":["hook"]}`, `{"roles":["metrics","bogus"]}`}},
		"100.64.0.2:1000": {name: "prom", tags: []string{"tag:prometheus"}, login: "tagged-devices"},
		"100.64.0.3:1000": {name: "laptop", login: "alice@example.com"},
		"100.64.0.4:1000": {name: "ops", login: "bob@example.com", grants: []string{`{"roles":["admin"]}`}},
		"100.64.0.5:1000": {name: "stranger", login: "eve@example.com"},
		// Tagged by alice: acts as its tag, not as alice.
		"100.64.0.6:1000": {name: "ci", tags: []string{"tag:ci"}, login: "alice@example.com"},
		"100.64.0.7:1000": {name: "broken", tags: []string{"tag:x"}, grants: []string{`{"roles":"hook"}`, `{"roles":["metrics"]}`}},
	}
	var denied denials
	p, err := access.New(access.Config{
		WhoIs:        whoisTable(peers),
		RequireGrant: true,
		Allow: map[access.Role]access.AllowList{
			access.RoleMetrics: {Tags: []string{"tag:prometheus"}},
			access.RoleAdmin:   {Logins: []string{"alice@example.com"}},
		},
		OnDeny: denied.add,
		Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		addr                  string
		hook, metrics, config int
		roles                 string
	}{
		{"100.64.0.1:1000", 200, 200, 403, "hook,metrics"},
		{"100.64.0.2:1000", 403, 200, 403, "metrics"},
		{"100.64.0.3:1000", 200, 200, 200, "hook,metrics,admin"},
		{"100.64.0.4:1000", 200, 200, 200, "hook,metrics,admin"},
		{"100.64.0.5:1000", 403, 403, 403, ""},
		{"100.64.0.6:1000", 403, 403, 403, ""},
		{"100.64.0.7:1000", 403, 200, 403, "metrics"},
		{"100.64.0.99:1000", 403, 403, 403, ""}, // WhoIs fails
	} {
		for i, g := range guard {
			want := [...]int{tc.hook, tc.metrics, tc.config}[i]
			rec := serveAs(p.Require(g.role, g.endpoint, echo), tc.addr)
			if rec.Code != want {
				t.Errorf("%s %s: got %d %q, want %d", tc.addr, g.role, rec.Code, rec.Body, want)
				continue
			}
			body := rec.Body.String()
			if want == 200 && !strings.HasSuffix(body, "roles="+tc.roles) {
				t.Errorf("%s %s: body %q, want roles=%s", tc.addr, g.role, body, tc.roles)
			}
			if want == 403 {
				if !strings.HasPrefix(body, "forbidden: ") || strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") {
					t.Errorf("%s %s: denial is not one line: %q", tc.addr, g.role, body)
				}
			}
		}
	}
	// "bogus" was seen on every aperture request but is logged once.
	if n := logs.Count(`role=bogus`); n != 1 {
		t.Errorf("unknown role logged %d times, want 1:\n%s", n, logs)
	}
	if n := logs.Count("ignoring malformed app-capability grant"); n == 0 {
		t.Errorf("malformed grant not logged:\n%s", logs)
	}
	// Denials name the caller, and are counted per endpoint.
	if !strings.Contains(logs.String(), `caller="login=eve@example.com node=stranger.example.ts.net ip=100.64.0.5"`) {
		t.Errorf("denial log lacks caller identity:\n%s", logs)
	}
	if got := denied.get("config"); got != 6 {
		t.Errorf("config denials counted %d, want 6", got)
	}
	if got := denied.get("hook"); got != 5 {
		t.Errorf("hook denials counted %d, want 5", got)
	}
}

// TestOpenMode: only when asked for, any identifiable peer gets hook and
// metrics, admin still needs a grant or an allow list, a warning says so,
// and an unknown address is still refused.
func TestOpenMode(t *testing.T) {
	log, logs := logtest.New(t)
	p, err := access.New(access.Config{
		WhoIs: whoisTable(map[string]identity{
			"100.64.0.5:1": {name: "anyone", login: "eve@example.com"},
			"100.64.0.4:1": {name: "ops", login: "bob@example.com", grants: []string{`{"roles":["admin"]}`}},
			"100.64.0.3:1": {name: "laptop", login: "alice@example.com"},
		}),
		Open:   true,
		Allow:  map[access.Role]access.AllowList{access.RoleAdmin: {Logins: []string{"alice@example.com"}}},
		Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if logs.Count("level=WARN msg=\"OPEN MODE: any tailnet peer") != 1 {
		t.Fatalf("open mode not reported; logs:\n%s", logs)
	}
	for _, tc := range []struct {
		addr string
		role access.Role
		want int
	}{
		{"100.64.0.5:1", access.RoleHook, 200},
		{"100.64.0.5:1", access.RoleMetrics, 200},
		{"100.64.0.5:1", access.RoleAdmin, 403},
		{"100.64.0.4:1", access.RoleAdmin, 200},
		{"100.64.0.3:1", access.RoleAdmin, 200},
		{"100.64.0.9:1", access.RoleHook, 403},
	} {
		if rec := serveAs(p.Require(tc.role, string(tc.role), echo), tc.addr); rec.Code != tc.want {
			t.Errorf("%s %s: got %d %q, want %d", tc.addr, tc.role, rec.Code, rec.Body, tc.want)
		}
	}
}

// TestWhoIsErrorDenies: a failing WhoIs is a denial with a reason,
// a log line with the error, and a count.
func TestWhoIsErrorDenies(t *testing.T) {
	log, logs := logtest.New(t)
	var denied denials
	p, err := access.New(access.Config{
		WhoIs: func(context.Context, string) (*apitype.WhoIsResponse, error) {
			return nil, errors.New("localapi unavailable")
		},
		Open:   true, // even open mode denies a caller WhoIs cannot name
		OnDeny: denied.add,
		Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := serveAs(p.Require(access.RoleHook, "hook", echo), "100.64.0.1:5")
	if rec.Code != 403 || rec.Body.String() != "forbidden: cannot identify caller\n" {
		t.Errorf("got %d %q", rec.Code, rec.Body)
	}
	if denied.get("hook") != 1 || !strings.Contains(logs.String(), "localapi unavailable") {
		t.Errorf("denial not counted or logged: %d\n%s", denied.get("hook"), logs)
	}
}

// TestDenialLogsRateLimited: a caller denied over and over is logged once
// per interval, with the count held back, while every denial is counted;
// another caller, and a caller WhoIs cannot name (by address), get lines
// of their own.
func TestDenialLogsRateLimited(t *testing.T) {
	log, logs := logtest.New(t)
	var denied denials
	p, err := access.New(access.Config{
		WhoIs:        whoisTable(map[string]identity{"100.64.0.5:1": {name: "stranger", login: "eve@example.com"}, "100.64.0.6:1": {name: "other", login: "mallory@example.com"}}),
		RequireGrant: true,
		OnDeny:       denied.add,
		Logger:       log,
		DenyLogEvery: 30 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	h := p.Require(access.RoleAdmin, "config", echo)
	for range 20 {
		serveAs(h, "100.64.0.5:1")
	}
	serveAs(h, "100.64.0.6:1")
	serveAs(h, "100.64.0.99:7")
	serveAs(h, "100.64.0.99:8") // same address, another port
	if n := logs.Count(`caller="login=eve@example.com`); n != 1 {
		t.Errorf("eve's 20 denials logged %d times, want 1", n)
	}
	if logs.Count(`caller="login=mallory@example.com`) != 1 || logs.Count("cannot identify caller") != 1 {
		t.Errorf("other callers not logged apart:\n%s", logs)
	}
	if got := denied.get("config"); got != 23 {
		t.Errorf("%d denials counted, want 23", got)
	}
	time.Sleep(40 * time.Millisecond)
	serveAs(h, "100.64.0.5:1")
	if !strings.Contains(logs.String(), `caller="login=eve@example.com node=stranger.example.ts.net ip=100.64.0.5" held_back=19`) {
		t.Errorf("the next interval's line lacks the count held back:\n%s", logs)
	}
}

// TestLoopbackCallerRoles: requests marked by Loopback get hook and metrics
// without any WhoIs, never admin, even under a strict policy; unmarked
// loopback requests are identified with WhoIs like any other.
func TestLoopbackCallerRoles(t *testing.T) {
	log, _ := logtest.New(t)
	whoisCalls := 0
	p, err := access.New(access.Config{
		WhoIs: func(context.Context, string) (*apitype.WhoIsResponse, error) {
			whoisCalls++
			return nil, errors.New("not a tailnet peer")
		},
		RequireGrant: true,
		Logger:       log,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range guard {
		want := 200
		if g.role == access.RoleAdmin {
			want = 403
		}
		rec := serveAs(access.Loopback(p.Require(g.role, g.endpoint, echo)), "127.0.0.1:4567")
		if rec.Code != want {
			t.Errorf("%s: got %d %q, want %d", g.role, rec.Code, rec.Body, want)
		}
		if want == 200 && rec.Body.String() != "ok local ip=127.0.0.1 roles=hook,metrics" {
			t.Errorf("%s: body %q", g.role, rec.Body)
		}
	}
	if whoisCalls != 0 {
		t.Errorf("WhoIs called %d times for loopback callers", whoisCalls)
	}
	if rec := serveAs(p.Require(access.RoleHook, "hook", echo), "127.0.0.1:4567"); rec.Code != 403 || whoisCalls != 1 {
		t.Errorf("unmarked loopback request: %d, %d WhoIs calls; want 403 after one", rec.Code, whoisCalls)
	}
}

func TestCallerString(t *testing.T) {
	for _, tc := range []struct {
		c    access.Caller
		want string
	}{
		{access.Caller{Tags: []string{"tag:a", "tag:b"}, NodeName: "n.ts.net"}, "tags=tag:a,tag:b node=n.ts.net"},
		{access.Caller{LoginName: "a@b.c"}, "login=a@b.c"},
		{access.Caller{}, "unknown"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%+v: got %q want %q", tc.c, got, tc.want)
		}
	}
}

// TestNoTailnetWhoIs identifies nobody, so only loopback callers get roles.
func TestNoTailnetWhoIs(t *testing.T) {
	if _, err := access.NoTailnetWhoIs(context.Background(), "100.64.0.1:1"); !errors.Is(err, access.ErrNoTailnet) {
		t.Errorf("NoTailnetWhoIs: %v", err)
	}
	p, err := access.New(access.Config{WhoIs: access.NoTailnetWhoIs, RequireGrant: true})
	if err != nil {
		t.Fatal(err)
	}
	if rec := serveAs(p.Require(access.RoleHook, "hook", echo), "100.64.0.1:1"); rec.Code != 403 {
		t.Errorf("tailnet-looking caller without a tailnet: %d", rec.Code)
	}
	if rec := serveAs(access.Loopback(p.Require(access.RoleHook, "hook", echo)), "127.0.0.1:1"); rec.Code != 200 {
		t.Errorf("loopback caller without a tailnet: %d %q", rec.Code, rec.Body)
	}
}
