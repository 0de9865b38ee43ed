package tailnettest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"tailscale.com/tsnet"
)

// serveService hosts svc on n's port 80 (plain TCP forwarding) with a
// handler that names the host.
func serveService(t *testing.T, n *Node, svc string) *tsnet.ServiceListener {
	t.Helper()
	ln, err := n.Server.ListenService(svc, tsnet.ServiceModeTCP{Port: 80})
	if err != nil {
		t.Fatalf("%s: ListenService: %v", n.Hostname, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, n.Hostname)
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln
}

// getUntil retries GET url from c until the body is want or ctx ends.
func getUntil(t *testing.T, ctx context.Context, c *http.Client, url, want string) {
	t.Helper()
	GetUntil(t, ctx, c, url, func(status int, body string) bool { return status == 200 && body == want })
}

// TestServiceApprovalAndFailover: a tagged node that advertises a Service
// is approved by the auto-approver for its tag, gets the Service's VIPs,
// and peers reach it by the Service's MagicDNS name; an untagged-approver
// node advertising the same Service is never a host; when the serving host
// stops advertising, peers are sent to the other approved host.
func TestServiceApprovalAndFailover(t *testing.T) {
	ctx := testContext(t)
	const svc = "svc:web"
	tailnet.MustAutoApproveService(t, svc, "tag:web")
	a := tailnet.MustAddNode(t, ctx, "web-a", "tag:web")
	b := tailnet.MustAddNode(t, ctx, "web-b", "tag:web")
	rogue := tailnet.MustAddNode(t, ctx, "web-rogue", "tag:other")
	client := tailnet.MustAddNode(t, ctx, "web-client")
	lnA := serveService(t, a, svc)
	if lnA.FQDN != tailnet.FQDNOfService(svc) {
		t.Errorf("FQDN %q, want %q", lnA.FQDN, tailnet.FQDNOfService(svc))
	}
	serveService(t, rogue, svc)
	if err := tailnet.WaitServiceHost(ctx, svc, a.FQDN); err != nil {
		t.Fatal(err)
	}
	url := "http://" + tailnet.FQDNOfService(svc) + "/"
	getUntil(t, ctx, client.HTTPClient(), url, "web-a")
	if v4, _, ok := tailnet.ServiceVIPs(svc); !ok || !v4.Is4() {
		t.Errorf("ServiceVIPs = %v %v", v4, ok)
	}

	serveService(t, b, svc)
	time.Sleep(2 * serviceOfflineGrace) // b is approved too, but a keeps the route
	if got := tailnet.ServiceHost(svc); got != a.FQDN {
		t.Errorf("host moved to %q while %s still serves", got, a.FQDN)
	}

	// a stops advertising (its listener closes, as on a drain): the route
	// moves to b.
	lnA.Close()
	if err := tailnet.WaitServiceHost(ctx, svc, b.FQDN); err != nil {
		t.Fatal(err)
	}
	getUntil(t, ctx, client.HTTPClient(), url, "web-b")

	// b's node goes away entirely: with no live approved host left... a
	// comes back as a host and takes over.
	serveService(t, a, svc)
	b.Close()
	if err := tailnet.WaitServiceHost(ctx, svc, a.FQDN); err != nil {
		t.Fatal(err)
	}
	getUntil(t, ctx, client.HTTPClient(), url, "web-a")
}

// TestControlOutage: with the control server stopped, nodes keep talking
// to the peers they know; after StartControl they pick up changes again.
// (Reconnecting takes tsnet's control client about 10 s against an http://
// control URL: it tries port 443 first after a failed dial.)
func TestControlOutage(t *testing.T) {
	ctx := testContext(t)
	svc := tailnet.MustAddNode(t, ctx, "outage-svc")
	client := tailnet.MustAddNode(t, ctx, "outage-client")
	serve(t, svc, false)
	get(t, ctx, client.HTTPClient(), "http://"+svc.FQDN+"/")

	tailnet.StopControl()
	health := svc.Server.Sys().HealthTracker.Get()
	deadline := time.Now().Add(30 * time.Second)
	for health.GetInPollNetMap() {
		if time.Now().After(deadline) {
			t.Fatal("node still in a map poll 30 s into the outage")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := get(t, ctx, client.HTTPClient(), "http://"+svc.FQDN+"/"); got != "outage-client []" {
		t.Errorf("during the outage: %q", got)
	}

	tailnet.StartControl()
	for !health.GetInPollNetMap() {
		if ctx.Err() != nil {
			t.Fatal("node never got back into a map poll")
		}
		time.Sleep(20 * time.Millisecond)
	}
	late := tailnet.MustAddNode(t, ctx, "outage-late")
	if got := get(t, ctx, late.HTTPClient(), "http://"+svc.FQDN+"/"); got != "outage-late []" {
		t.Errorf("new peer after the outage: %q", got)
	}
}
