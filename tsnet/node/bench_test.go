package node_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"tailscale.com/ipn/store/mem"

	"github.com/tsheadroom/tsheadroom/tsnet/access"
	"github.com/tsheadroom/tsheadroom/tsnet/node"
)

// BenchmarkTailnetRoundTrip is one small guarded POST from a peer node to
// the service over the loopback tailnet (WireGuard in userspace, netstack on
// both ends), on a kept-alive connection: the node, WhoIs and the access
// check as they run in production.
func BenchmarkTailnetRoundTrip(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	peer := tailnet.MustAddNode(b, ctx, "benchrt-peer")
	quiet := slog.New(slog.DiscardHandler)
	svc, err := node.New(node.Config{
		Hostname: "benchrt", Dir: b.TempDir(), ControlURL: tailnet.ControlURL(), Store: new(mem.Store),
		Ephemeral: true, Logger: quiet, AfterUp: tailnet.Prepare,
	})
	if err != nil {
		b.Fatal(err)
	}
	p, err := access.New(access.Config{WhoIs: svc.WhoIs, Open: true, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /hook", p.Require(access.RoleHook, "hook", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "allow")
	})))
	if err := svc.Start(ctx, mux); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Shutdown(context.Background()) })

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
