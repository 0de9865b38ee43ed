package tsnet_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"tailscale.com/client/tailscale/apitype"
	"tailscale.com/tailcfg"

	"github.com/tsheadroom/tsheadroom/tsnet"
)

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
			res.CapMap[tsnet.DefaultCapName] = append(res.CapMap[tsnet.DefaultCapName], tailcfg.RawMessage(g))
		}
		return res, nil
	}
}

func serveAs(h http.Handler, method, path, remoteAddr string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader("{}"))
	req.RemoteAddr = remoteAddr
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestNewAccessValidates(t *testing.T) {
	who := whoisTable(nil)
	for name, cfg := range map[string]tsnet.AccessConfig{
		"no whois":      {},
		"unknown role":  {WhoIs: who, Allow: map[tsnet.Role]tsnet.AllowList{"root": {Tags: []string{"tag:x"}}}},
		"bare tag":      {WhoIs: who, Allow: map[tsnet.Role]tsnet.AllowList{tsnet.RoleHook: {Tags: []string{"aperture"}}}},
		"empty tag":     {WhoIs: who, Allow: map[tsnet.Role]tsnet.AllowList{tsnet.RoleHook: {Tags: []string{"tag:"}}}},
		"blank login":   {WhoIs: who, Allow: map[tsnet.Role]tsnet.AllowList{tsnet.RoleAdmin: {Logins: []string{" "}}}},
		"cap with tabs": {WhoIs: who, CapName: "a\tb"},
	} {
		if _, err := tsnet.NewAccess(cfg); err == nil {
			t.Errorf("%s: NewAccess accepted an invalid config", name)
		}
	}
}

// TestAccessRoleResolution covers the sources of roles one by one: grants
// (several merged, unknown names and malformed values ignored), tag and
// login allow lists, admin implying everything, and deny by default once a
// policy exists.
func TestAccessRoleResolution(t *testing.T) {
	log, logs := newLogger(t)
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
	a, err := tsnet.NewAccess(tsnet.AccessConfig{
		WhoIs:        whoisTable(peers),
		RequireGrant: true,
		Allow: map[tsnet.Role]tsnet.AllowList{
			tsnet.RoleMetrics: {Tags: []string{"tag:prometheus"}},
			tsnet.RoleAdmin:   {Logins: []string{"alice@example.com"}},
		},
		OnDeny: denied.add,
		Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Open() {
		t.Fatal("a policy is configured, yet Open() is true")
	}
	mux := http.NewServeMux()
	routes(mux, "", a)

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
		for ep, want := range map[string]int{"/hook": tc.hook, "/metrics": tc.metrics, "/config": tc.config} {
			rec := serveAs(mux, methodFor(ep), ep, tc.addr)
			if rec.Code != want {
				t.Errorf("%s %s: got %d %q, want %d", tc.addr, ep, rec.Code, rec.Body, want)
				continue
			}
			body := rec.Body.String()
			if want == 200 && !strings.HasSuffix(body, "roles="+tc.roles) {
				t.Errorf("%s %s: body %q, want roles=%s", tc.addr, ep, body, tc.roles)
			}
			if want == 403 {
				if !strings.HasPrefix(body, "forbidden: ") || strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") {
					t.Errorf("%s %s: denial is not one line: %q", tc.addr, ep, body)
				}
			}
		}
	}
	// "bogus" was seen on every aperture request but is logged once.
	if n := logs.count(`role=bogus`); n != 1 {
		t.Errorf("unknown role logged %d times, want 1:\n%s", n, logs)
	}
	if n := logs.count("ignoring malformed app-capability grant"); n == 0 {
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

// TestAccessOpenMode: with no policy, any identifiable peer gets hook and
// metrics, admin still needs a grant, a warning says so, and an unknown
// address is still refused.
func TestAccessOpenMode(t *testing.T) {
	log, logs := newLogger(t)
	a, err := tsnet.NewAccess(tsnet.AccessConfig{
		WhoIs: whoisTable(map[string]identity{
			"100.64.0.5:1": {name: "anyone", login: "eve@example.com"},
			"100.64.0.4:1": {name: "ops", login: "bob@example.com", grants: []string{`{"roles":["admin"]}`}},
		}),
		Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Open() || !strings.Contains(logs.String(), "no access policy configured") {
		t.Fatalf("open mode not reported: Open()=%v logs:\n%s", a.Open(), logs)
	}
	mux := http.NewServeMux()
	routes(mux, "", a)
	for _, tc := range []struct {
		addr, ep string
		want     int
	}{
		{"100.64.0.5:1", "/hook", 200},
		{"100.64.0.5:1", "/metrics", 200},
		{"100.64.0.5:1", "/config", 403},
		{"100.64.0.4:1", "/config", 200},
		{"100.64.0.9:1", "/hook", 403},
	} {
		if rec := serveAs(mux, methodFor(tc.ep), tc.ep, tc.addr); rec.Code != tc.want {
			t.Errorf("%s %s: got %d %q, want %d", tc.addr, tc.ep, rec.Code, rec.Body, tc.want)
		}
	}
}

// TestAccessWhoIsErrorDenies: a failing WhoIs is a denial with a reason,
// a log line with the error, and a count.
func TestAccessWhoIsErrorDenies(t *testing.T) {
	log, logs := newLogger(t)
	var denied denials
	a, err := tsnet.NewAccess(tsnet.AccessConfig{
		WhoIs: func(context.Context, string) (*apitype.WhoIsResponse, error) {
			return nil, errors.New("localapi unavailable")
		},
		OnDeny: denied.add,
		Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := serveAs(a.Require(tsnet.RoleHook, "hook", echo), "POST", "/hook", "100.64.0.1:5")
	if rec.Code != 403 || rec.Body.String() != "forbidden: cannot identify caller\n" {
		t.Errorf("got %d %q", rec.Code, rec.Body)
	}
	if denied.get("hook") != 1 || !strings.Contains(logs.String(), "localapi unavailable") {
		t.Errorf("denial not counted or logged: %d\n%s", denied.get("hook"), logs)
	}
}

// TestLocalCallerRoles: requests marked local get hook and metrics without
// any WhoIs, never admin, even under a strict policy.
func TestLocalCallerRoles(t *testing.T) {
	log, _ := newLogger(t)
	a, err := tsnet.NewAccess(tsnet.AccessConfig{
		WhoIs: func(context.Context, string) (*apitype.WhoIsResponse, error) {
			t.Error("WhoIs called for a local caller")
			return nil, errors.New("unexpected")
		},
		RequireGrant: true,
		Logger:       log,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	routes(mux, "", a)
	h := tsnet.WithLocalCaller(mux)
	for ep, want := range map[string]int{"/hook": 200, "/metrics": 200, "/config": 403} {
		rec := serveAs(h, methodFor(ep), ep, "127.0.0.1:4567")
		if rec.Code != want {
			t.Errorf("%s: got %d %q, want %d", ep, rec.Code, rec.Body, want)
		}
		if want == 200 && rec.Body.String() != "ok local ip=127.0.0.1 roles=hook,metrics" {
			t.Errorf("%s: body %q", ep, rec.Body)
		}
	}
}

func TestCallerString(t *testing.T) {
	for _, tc := range []struct {
		c    tsnet.Caller
		want string
	}{
		{tsnet.Caller{Tags: []string{"tag:a", "tag:b"}, NodeName: "n.ts.net"}, "tags=tag:a,tag:b node=n.ts.net"},
		{tsnet.Caller{LoginName: "a@b.c"}, "login=a@b.c"},
		{tsnet.Caller{}, "unknown"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%+v: got %q want %q", tc.c, got, tc.want)
		}
	}
}
