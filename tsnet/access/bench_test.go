package access_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tsheadroom/tsheadroom/tsnet/access"
)

// BenchmarkRequireResolve is the access check without the WhoIs round
// trip: role resolution from grants and allow lists.
func BenchmarkRequireResolve(b *testing.B) {
	p, err := access.New(access.Config{
		WhoIs: whoisTable(map[string]identity{
			"100.64.0.1:1000": {name: "aperture", tags: []string{"tag:aperture"}, grants: []string{`{"roles":["hook"]}`}},
		}),
		RequireGrant: true,
		Allow:        map[access.Role]access.AllowList{access.RoleMetrics: {Tags: []string{"tag:prometheus"}}},
	})
	if err != nil {
		b.Fatal(err)
	}
	benchmarkRequire(b, p, "100.64.0.1:1000")
}

// BenchmarkRequireRealWhoIs is the access check as it runs in production:
// WhoIs through the service node's in-process LocalAPI, then resolution.
func BenchmarkRequireRealWhoIs(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := tailnet.MustAddNode(b, ctx, "benchwhois")
	peer := tailnet.MustAddNode(b, ctx, "benchwhois-peer")
	p, err := access.New(access.Config{WhoIs: svc.WhoIs, Open: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	benchmarkRequire(b, p, peer.IP4.String()+":4242")
}

func benchmarkRequire(b *testing.B, p *access.Policy, remoteAddr string) {
	h := p.Require(access.RoleHook, "hook", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest("POST", "/hook", nil)
	req.RemoteAddr = remoteAddr
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
}
