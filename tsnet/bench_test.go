package tsnet_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"tailscale.com/ipn/store/mem"

	"github.com/tsheadroom/tsheadroom/internal/tailnettest"
	"github.com/tsheadroom/tsheadroom/tsnet"
)

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// BenchmarkRequireResolve is the access check without the WhoIs round
// trip: role resolution from grants and allow lists.
func BenchmarkRequireResolve(b *testing.B) {
	a, err := tsnet.NewAccess(tsnet.AccessConfig{
		WhoIs: whoisTable(map[string]identity{
			"100.64.0.1:1000": {name: "aperture", tags: []string{"tag:aperture"}, grants: []string{`{"roles":["hook"]}`}},
		}),
		RequireGrant: true,
		Allow:        map[tsnet.Role]tsnet.AllowList{tsnet.RoleMetrics: {Tags: []string{"tag:prometheus"}}},
		Logger:       quietLogger(),
	})
	if err != nil {
		b.Fatal(err)
	}
	h := a.Require(tsnet.RoleHook, "hook", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest("POST", "/hook", nil)
	req.RemoteAddr = "100.64.0.1:1000"
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkRequireRealWhoIs is the access check as it runs in production:
// WhoIs through the service node's in-process LocalAPI, then resolution.
func BenchmarkRequireRealWhoIs(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, peer := benchService(b, ctx, "benchwhois")
	a, err := tsnet.NewAccess(tsnet.AccessConfig{WhoIs: svc.WhoIs, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	h := a.Require(tsnet.RoleHook, "hook", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest("POST", "/hook", nil)
	req.RemoteAddr = peer.IP4.String() + ":4242"
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
}

// BenchmarkTailnetRoundTrip is one small guarded POST from a peer node to
// the service over the loopback tailnet (WireGuard in userspace, netstack on
// both ends), on a kept-alive connection.
func BenchmarkTailnetRoundTrip(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, peer := benchService(b, ctx, "benchrt")
	url := svc.URLs()[0] + "/hook"
	c := peer.HTTPClient()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(`{"x":1}`))
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatal(res.Status)
		}
	}
}

// benchService starts an open-policy service with a /hook route and a peer,
// returning both.
func benchService(b *testing.B, ctx context.Context, name string) (*tsnet.Server, *tailnettest.Node) {
	b.Helper()
	peer, err := tailnet.AddNode(ctx, tailnettest.NodeOptions{Hostname: name + "-peer"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { peer.Close() })
	mux := http.NewServeMux()
	svc, err := tsnet.New(tsnet.Config{
		Hostname: name, Dir: b.TempDir(), ControlURL: tailnet.ControlURL(), Store: new(mem.Store),
		Ephemeral: true, Handler: mux, Logger: quietLogger(), AfterUp: tailnet.Prepare,
	})
	if err != nil {
		b.Fatal(err)
	}
	a, err := tsnet.NewAccess(tsnet.AccessConfig{WhoIs: svc.WhoIs, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	mux.Handle("POST /hook", a.Require(tsnet.RoleHook, "hook", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "allow")
	})))
	if err := svc.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Shutdown(context.Background()) })
	return svc, peer
}
