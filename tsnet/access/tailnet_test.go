package access_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/logtest"
	"github.com/tsheadroom/tsheadroom/internal/tailnettest"
	"github.com/tsheadroom/tsheadroom/tsnet/access"
)

// tailnet is the private in-process tailnet the tests below share: real
// nodes, real grants from a real control server, real WhoIs answers.
var tailnet *tailnettest.Tailnet

func TestMain(m *testing.M) { os.Exit(tailnettest.Main(m, tailnettest.Options{}, &tailnet)) }

func testContext(t *testing.T) context.Context { return tailnettest.Context(t, 90*time.Second) }

// grant replaces the tsheadroom capability values granted to src and waits
// until svc sees them.
func grant(t *testing.T, ctx context.Context, src *tailnettest.Node, svc tailnettest.WhoIser, grants ...string) {
	t.Helper()
	var vals []any
	for _, g := range grants {
		vals = append(vals, rawJSON(g))
	}
	caps := map[string][]any{access.DefaultCapName: vals}
	if len(grants) == 0 {
		caps = nil
	}
	if err := tailnet.SetAppCaps(ctx, src, caps, svc); err != nil {
		t.Fatal(err)
	}
}

// rawJSON passes a literal JSON grant value through SetAppCaps unchanged.
type rawJSON string

func (j rawJSON) MarshalJSON() ([]byte, error) { return []byte(j), nil }

// from is a request arriving at the service from n over the tailnet.
func from(n *tailnettest.Node) string { return n.IP4.String() + ":41641" }

// TestTailnetRoles resolves real peers with the service node's real WhoIs:
// roles by grant (several grants merged), by tag allow list and by login
// allow list; admin only for admins; nothing without a role once a policy
// exists; open mode without one; the caller's identity as the node reports
// it; and a caller that is not on the tailnet refused even by the open
// policy.
func TestTailnetRoles(t *testing.T) {
	ctx := testContext(t)
	svc := tailnet.MustAddNode(t, ctx, "tsheadroom", "tag:tsheadroom")
	aperture := tailnet.MustAddNode(t, ctx, "aperture", "tag:aperture")
	prometheus := tailnet.MustAddNode(t, ctx, "prometheus", "tag:prometheus")
	dash := tailnet.MustAddNode(t, ctx, "dash", "tag:grafana")
	admin := tailnet.MustAddNode(t, ctx, "admin")
	ops := tailnet.MustAddNode(t, ctx, "ops")
	stranger := tailnet.MustAddNode(t, ctx, "stranger")
	grant(t, ctx, aperture, svc, `{"roles":["hook"]}`)
	grant(t, ctx, dash, svc, `{"roles":["metrics"]}`, `{"roles":["hook"]}`)
	grant(t, ctx, ops, svc, `{"roles":["admin"]}`)

	log, _ := logtest.New(t)
	var denied denials
	policy, err := access.New(access.Config{
		WhoIs:        svc.WhoIs,
		RequireGrant: true,
		Allow: map[access.Role]access.AllowList{
			access.RoleMetrics: {Tags: []string{"tag:prometheus"}},
			access.RoleAdmin:   {Logins: []string{admin.LoginName}},
		},
		OnDeny: denied.add,
		Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	open, err := access.New(access.Config{WhoIs: svc.WhoIs, Open: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}

	type row struct {
		node                  *tailnettest.Node
		hook, metrics, config int
		roles                 string
	}
	check := func(name string, p *access.Policy, rows []row) {
		for _, r := range rows {
			id := fmt.Sprintf("login=%s node=%s ip=%s", r.node.LoginName, r.node.FQDN, r.node.IP4)
			if len(r.node.Tags) > 0 {
				id = fmt.Sprintf("tags=%s node=%s ip=%s", strings.Join(r.node.Tags, ","), r.node.FQDN, r.node.IP4)
			}
			for i, g := range guard {
				want := [...]int{r.hook, r.metrics, r.config}[i]
				rec := serveAs(p.Require(g.role, g.endpoint, echo), from(r.node))
				body := rec.Body.String()
				switch {
				case rec.Code != want:
					t.Errorf("%s: %s %s: got %d %q, want %d", name, r.node.Hostname, g.role, rec.Code, body, want)
				case want == 200 && body != "ok "+id+" roles="+r.roles:
					t.Errorf("%s: %s %s: body %q, want %q", name, r.node.Hostname, g.role, body, "ok "+id+" roles="+r.roles)
				case want == 403 && (!strings.HasPrefix(body, "forbidden: caller ") || strings.Count(body, "\n") != 1):
					t.Errorf("%s: %s %s: denial body %q", name, r.node.Hostname, g.role, body)
				}
			}
		}
	}
	check("policy", policy, []row{
		{aperture, 200, 403, 403, "hook"},
		{prometheus, 403, 200, 403, "metrics"},
		{dash, 200, 200, 403, "hook,metrics"},
		{admin, 200, 200, 200, "hook,metrics,admin"},
		{ops, 200, 200, 200, "hook,metrics,admin"},
		{stranger, 403, 403, 403, ""},
	})
	check("open", open, []row{
		{stranger, 200, 200, 403, "hook,metrics"},
		{aperture, 200, 200, 403, "hook,metrics"},
		{ops, 200, 200, 200, "hook,metrics,admin"},
	})

	// The node's WhoIs fails for a caller that is not on the tailnet (here:
	// plain loopback HTTP reaching a handler guarded with it); that caller
	// is refused even by the open policy.
	offTailnet := httptest.NewServer(open.Require(access.RoleHook, "hook", echo))
	res, err := offTailnet.Client().Post(offTailnet.URL+"/hook", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	offTailnet.Close()
	if res.StatusCode != 403 || string(body) != "forbidden: cannot identify caller\n" {
		t.Errorf("off-tailnet caller with real WhoIs: %d %q", res.StatusCode, body)
	}

	// The policy refused hook to prometheus and stranger, metrics to
	// aperture and stranger, and config to aperture, prometheus, dash and
	// stranger. Open mode denials are not wired to the counter.
	for ep, want := range map[string]int{"hook": 2, "metrics": 2, "config": 4} {
		if got := denied.get(ep); got != want {
			t.Errorf("denials for %s: %d, want %d", ep, got, want)
		}
	}
}

// TestGrantChangesAtRunTime: adding and removing a grant in the tailnet
// policy changes what a caller may do, with the same Policy in place.
func TestGrantChangesAtRunTime(t *testing.T) {
	ctx := testContext(t)
	svc := tailnet.MustAddNode(t, ctx, "grantsvc", "tag:tsheadroom")
	caller := tailnet.MustAddNode(t, ctx, "newcomer", "tag:aperture")
	log, _ := logtest.New(t)
	p, err := access.New(access.Config{WhoIs: svc.WhoIs, RequireGrant: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	hook := p.Require(access.RoleHook, "hook", echo)
	if rec := serveAs(hook, from(caller)); rec.Code != 403 {
		t.Fatalf("before grant: %d %q", rec.Code, rec.Body)
	}
	grant(t, ctx, caller, svc, `{"roles":["hook"]}`)
	if rec := serveAs(hook, from(caller)); rec.Code != 200 {
		t.Fatalf("after grant: %d %q", rec.Code, rec.Body)
	}
	grant(t, ctx, caller, svc) // revoke
	if rec := serveAs(hook, from(caller)); rec.Code != 403 {
		t.Fatalf("after revoke: %d %q", rec.Code, rec.Body)
	}
}
