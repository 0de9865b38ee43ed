package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/probe"
	"github.com/tsheadroom/tsheadroom/internal/tailnettest"
)

// until sends method url (with body) from n until the answer has status
// code and a body containing want, and fails the test when that does not
// happen before ctx ends. A Service answers only once its approval reached
// the caller; readiness reports change a moment after what they report.
func until(t *testing.T, ctx context.Context, n *tailnettest.Node, method, url string, body []byte, code int, want string) {
	t.Helper()
	poll := probe.Poll{Client: n.HTTPClient(), Method: method, Body: body}
	if body != nil {
		poll.Header = http.Header{"Content-Type": {"application/json"}}
	}
	if _, err := poll.Until(ctx, url, func(c int, b string) bool { return c == code && strings.Contains(b, want) }); err != nil {
		t.Fatalf("never answered %d with %q: %v", code, want, err)
	}
}

// hookUntil posts the sample call until it is answered with a modify.
func hookUntil(t *testing.T, ctx context.Context, n *tailnettest.Node, url string, sample []byte) {
	t.Helper()
	until(t, ctx, n, "POST", url, sample, 200, `{"action":"modify"`)
}

// TestServiceReplicas runs two replicas of one Tailscale Service: a caller
// reaches the hook at the Service name and is identified as itself (the
// hook allow list names its tag, so a VIP or loopback caller would be
// refused); the Service serves metrics and health but not the replica's own
// /config; each replica's metrics carry its node name; /readyz says it
// hosts the Service; and when the replica serving the Service stops, the
// other keeps answering.
func TestServiceReplicas(t *testing.T) {
	ctx := testContext(t)
	const svcName = "svc:hook"
	tailnet.MustAutoApproveService(t, svcName, "tag:tsheadroom")
	aperture := tailnet.MustAddNode(t, ctx, "svc-aperture", "tag:aperture")
	prom := tailnet.MustAddNode(t, ctx, "svc-prom", "tag:prometheus")
	admin := tailnet.MustAddNode(t, ctx, "svc-admin")
	grantRoles(t, ctx, admin, []string{"admin"})
	args := []string{"-advertise-tags", "tag:tsheadroom", "-service", svcName,
		"-hook-tags", "tag:aperture", "-metrics-tags", "tag:prometheus", "-pool-size", "2"}
	a := startService(t, "tsh-a", args...)
	if err := tailnet.WaitServiceHost(ctx, svcName, tailnet.FQDN("tsh-a")); err != nil {
		t.Fatal(err)
	}
	b := startService(t, "tsh-b", args...)
	sample := sampleCall(t)
	svcURL := "http://" + tailnet.FQDNOfService(svcName)

	hookUntil(t, ctx, aperture, svcURL+"/", sample)
	if code, body := call(t, ctx, prom, "POST", svcURL+"/", sample); code != 403 {
		t.Errorf("metrics role called the hook through the Service: %d %s", code, body)
	}
	if code, body := call(t, ctx, admin, "GET", svcURL+"/config", nil); code != 404 {
		t.Errorf("GET /config through the Service: %d %s (want 404: per-replica)", code, body)
	}
	if code, _ := call(t, ctx, admin, "GET", a.url("http", "/config"), nil); code != 200 {
		t.Errorf("GET /config on the replica's own name: %d", code)
	}
	m := scrapeURL(t, ctx, prom, svcURL+"/metrics")
	if m["tsheadroom_node_info,node=tsh-a,services=svc:hook"] != 1 {
		t.Errorf("Service scrape did not come from tsh-a: node_info %v", pick(m, "tsheadroom_node_info"))
	}
	if m["tsheadroom_requests_by_outcome,outcome=modify"] < 1 {
		t.Errorf("tsh-a counted no modify")
	}
	for _, s := range []*service{a, b} {
		// The second replica learns of its approval from the control
		// server a moment after it advertises: wait for that, then check
		// the whole report.
		until(t, ctx, prom, "GET", s.url("http", "/readyz"), nil, 200, "service svc:hook: hosting as ")
		code, body := call(t, ctx, prom, "GET", s.url("http", "/readyz"), nil)
		if code != 200 || !strings.Contains(body, "service svc:hook: hosting as "+tailnet.FQDNOfService(svcName)) ||
			!strings.Contains(body, "coordination server connected") {
			t.Errorf("%s /readyz: %d %q", s.host, code, body)
		}
	}

	// The replica peers use stops (as on SIGTERM: it withdraws the
	// Service first, then drains); the other one takes over.
	a.stop()
	if err := tailnet.WaitServiceHost(ctx, svcName, tailnet.FQDN("tsh-b")); err != nil {
		t.Fatal(err)
	}
	hookUntil(t, ctx, aperture, svcURL+"/", sample)
	for range 5 {
		if code, body := call(t, ctx, aperture, "POST", svcURL+"/", sample); code != 200 || !strings.Contains(body, `"modify"`) {
			t.Fatalf("after failover: %d %.80s", code, body)
		}
	}
	m = scrapeURL(t, ctx, prom, svcURL+"/metrics")
	if m["tsheadroom_node_info,node=tsh-b,services=svc:hook"] != 1 || m["tsheadroom_requests_by_outcome,outcome=modify"] < 6 {
		t.Errorf("after failover the Service is not tsh-b with 6 modifies: %v %v",
			pick(m, "tsheadroom_node_info"), m["tsheadroom_requests_by_outcome,outcome=modify"])
	}
}

// TestControlOutage: while the coordination server is down the service
// keeps serving the peers it knows, on its own name and as a Service, and
// /readyz says the server is unreachable; once it is back /readyz says so
// and peers that joined meanwhile reach the service.
func TestControlOutage(t *testing.T) {
	ctx := testContext(t)
	const svcName = "svc:hook-outage"
	tailnet.MustAutoApproveService(t, svcName, "tag:tsheadroom")
	aperture := tailnet.MustAddNode(t, ctx, "outage-aperture", "tag:aperture")
	svc := startService(t, "tsh-outage", "-advertise-tags", "tag:tsheadroom", "-service", svcName, "-hook-tags", "tag:aperture")
	sample := sampleCall(t)
	svcURL := "http://" + tailnet.FQDNOfService(svcName)
	hookUntil(t, ctx, aperture, svcURL+"/", sample)

	tailnet.StopControl()
	stopped := true
	defer func() {
		if stopped {
			tailnet.StartControl()
		}
	}()
	until(t, ctx, aperture, "GET", svc.url("http", "/readyz"), nil, 200, "coordination server unreachable")
	for _, url := range []string{svc.url("http", "/"), svcURL + "/"} {
		for range 3 {
			if code, body := call(t, ctx, aperture, "POST", url, sample); code != 200 || !strings.Contains(body, `"modify"`) {
				t.Errorf("during the outage, %s: %d %.80s", url, code, body)
			}
		}
	}

	tailnet.StartControl()
	stopped = false
	until(t, ctx, aperture, "GET", svc.url("http", "/readyz"), nil, 200, "coordination server connected")
	late := tailnet.MustAddNode(t, ctx, "outage-late", "tag:aperture")
	hookUntil(t, ctx, late, svc.url("http", "/"), sample)
	hookUntil(t, ctx, late, svcURL+"/", sample)
}

func pick(m map[string]float64, prefix string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}

func TestServiceFlag(t *testing.T) {
	o, err := parseFlags([]string{"-service", "svc:hook", "-service", "svc:hook-canary"})
	if err != nil || len(o.services) != 2 || o.services[1] != "svc:hook-canary" {
		t.Fatalf("repeated -service: %v %v", o.services, err)
	}
	for _, args := range [][]string{{"-service", "hook"}, {"-service", "svc:Hook_1"}, {"-service", "svc:hook", "-tailnet=false", "-local-addr", "127.0.0.1:0"}} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
