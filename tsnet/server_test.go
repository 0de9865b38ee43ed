package tsnet_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tailscale.com/client/tailscale/apitype"
	"tailscale.com/envknob"
	"tailscale.com/ipn/store/mem"

	"github.com/tsheadroom/tsheadroom/internal/tailnettest"
	"github.com/tsheadroom/tsheadroom/tsnet"
)

// serviceTag is what the service node advertises, as in production.
const serviceTag = "tag:tsheadroom"

// startService starts a service node on the shared tailnet serving mux,
// after register has added routes (it gets the server for its WhoIs).
func startService(t *testing.T, ctx context.Context, hostname string, https bool, register func(s *tsnet.Server, mux *http.ServeMux)) (*tsnet.Server, *logBuffer) {
	t.Helper()
	log, logs := newLogger(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	s, err := tsnet.New(tsnet.Config{
		Hostname:      hostname,
		Dir:           t.TempDir(),
		ControlURL:    tailnet.ControlURL(),
		Store:         new(mem.Store),
		Ephemeral:     true,
		AdvertiseTags: []string{serviceTag},
		HTTPS:         https,
		Handler:       mux,
		Logger:        log,
		AfterUp:       tailnet.Prepare,
	})
	if err != nil {
		t.Fatal(err)
	}
	if register != nil {
		register(s, mux)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	if !s.Ready() {
		t.Fatal("Start returned but Ready() is false")
	}
	return s, logs
}

func grant(t *testing.T, ctx context.Context, src *tailnettest.Node, svc tailnettest.WhoIser, grants ...string) {
	t.Helper()
	var vals []any
	for _, g := range grants {
		vals = append(vals, rawJSON(g))
	}
	caps := map[string][]any{tsnet.DefaultCapName: vals}
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

// TestTailnetAccess is the access matrix over real tsnet nodes, over HTTP
// and over HTTPS with the harness's CA: roles by grant (several grants
// merged), by tag allow list and by login allow list; admin only for
// admins; 403 without a role once a policy exists; open mode without one;
// WhoIs failure denied; health open to all.
func TestTailnetAccess(t *testing.T) {
	ctx := testContext(t)
	aperture := tailnet.MustAddNode(t, ctx, "aperture", "tag:aperture")
	prometheus := tailnet.MustAddNode(t, ctx, "prometheus", "tag:prometheus")
	dash := tailnet.MustAddNode(t, ctx, "dash", "tag:grafana")
	admin := tailnet.MustAddNode(t, ctx, "admin")
	ops := tailnet.MustAddNode(t, ctx, "ops")
	stranger := tailnet.MustAddNode(t, ctx, "stranger")

	var denied denials
	svc, logs := startService(t, ctx, "tsheadroom", true, func(s *tsnet.Server, mux *http.ServeMux) {
		log, _ := newLogger(t)
		policy, err := tsnet.NewAccess(tsnet.AccessConfig{
			WhoIs:        s.WhoIs,
			RequireGrant: true,
			Allow: map[tsnet.Role]tsnet.AllowList{
				tsnet.RoleMetrics: {Tags: []string{"tag:prometheus"}},
				tsnet.RoleAdmin:   {Logins: []string{admin.LoginName}},
			},
			OnDeny: denied.add,
			Logger: log.With("access", "policy"),
		})
		if err != nil {
			t.Fatal(err)
		}
		open, err := tsnet.NewAccess(tsnet.AccessConfig{WhoIs: s.WhoIs, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		broken, err := tsnet.NewAccess(tsnet.AccessConfig{
			WhoIs: func(context.Context, string) (*apitype.WhoIsResponse, error) {
				return nil, errors.New("whois backend down")
			},
			OnDeny: denied.add,
			Logger: log,
		})
		if err != nil {
			t.Fatal(err)
		}
		routes(mux, "/policy", policy)
		routes(mux, "/open", open)
		routes(mux, "/broken", broken)
	})
	grant(t, ctx, aperture, svc, `{"roles":["hook"]}`)
	grant(t, ctx, dash, svc, `{"roles":["metrics"]}`, `{"roles":["hook"]}`)
	grant(t, ctx, ops, svc, `{"roles":["admin"]}`)

	type row struct {
		node                  *tailnettest.Node
		hook, metrics, config int
		roles                 string
	}
	policyRows := []row{
		{aperture, 200, 403, 403, "hook"},
		{prometheus, 403, 200, 403, "metrics"},
		{dash, 200, 200, 403, "hook,metrics"},
		{admin, 200, 200, 200, "hook,metrics,admin"},
		{ops, 200, 200, 200, "hook,metrics,admin"},
		{stranger, 403, 403, 403, ""},
	}
	openRows := []row{
		{stranger, 200, 200, 403, "hook,metrics"},
		{aperture, 200, 200, 403, "hook,metrics"},
		{ops, 200, 200, 200, "hook,metrics,admin"},
	}
	if !envknob.NoLogsNoSupport() {
		t.Error("LogUpload=false did not turn off log uploads (TS_NO_LOGS_NO_SUPPORT)")
	}
	host := svc.DNSName()
	if host != tailnet.FQDN("tsheadroom") {
		t.Fatalf("DNSName() = %q, want %q", host, tailnet.FQDN("tsheadroom"))
	}
	if got, want := svc.URLs(), []string{"http://" + host, "https://" + host}; !slices.Equal(got, want) {
		t.Errorf("URLs() = %v, want %v", got, want)
	}
	for _, scheme := range []string{"http", "https"} {
		t.Run(scheme, func(t *testing.T) {
			check := func(prefix string, rows []row) {
				for _, r := range rows {
					c := r.node.HTTPClient()
					for _, ep := range []string{"/hook", "/metrics", "/config"} {
						want := map[string]int{"/hook": r.hook, "/metrics": r.metrics, "/config": r.config}[ep]
						url := scheme + "://" + host + prefix + ep
						code, body := do(t, ctx, c, methodFor(ep), url)
						if code != want {
							t.Errorf("%s %s: got %d %q, want %d", r.node.Hostname, url, code, body, want)
							continue
						}
						if code == 200 {
							id := fmt.Sprintf("login=%s node=%s ip=%s", r.node.LoginName, r.node.FQDN, r.node.IP4)
							if len(r.node.Tags) > 0 {
								id = fmt.Sprintf("tags=%s node=%s ip=%s", strings.Join(r.node.Tags, ","), r.node.FQDN, r.node.IP4)
							}
							if wantBody := "ok " + id + " roles=" + r.roles; body != wantBody {
								t.Errorf("%s %s: body %q, want %q", r.node.Hostname, url, body, wantBody)
							}
						} else if !strings.HasPrefix(body, "forbidden: caller ") || strings.Count(body, "\n") != 1 {
							t.Errorf("%s %s: denial body %q", r.node.Hostname, url, body)
						}
					}
				}
			}
			check("/policy", policyRows)
			check("/open", openRows)

			code, body := do(t, ctx, aperture.HTTPClient(), "POST", scheme+"://"+host+"/broken/hook")
			if code != 403 || body != "forbidden: cannot identify caller\n" {
				t.Errorf("WhoIs failure: got %d %q", code, body)
			}
			if code, _ := do(t, ctx, stranger.HTTPClient(), "GET", scheme+"://"+host+"/healthz"); code != 200 {
				t.Errorf("healthz for a peer without roles: %d", code)
			}
		})
	}

	// The node's real WhoIs fails for a caller that is not on the tailnet
	// (here: plain loopback HTTP reaching a handler guarded with it); that
	// caller is refused even by the open policy.
	quiet, _ := newLogger(t)
	realPolicy, err := tsnet.NewAccess(tsnet.AccessConfig{WhoIs: svc.WhoIs, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	offTailnet := httptest.NewServer(realPolicy.Require(tsnet.RoleHook, "hook", echo))
	code, body := do(t, ctx, offTailnet.Client(), "POST", offTailnet.URL+"/hook")
	offTailnet.Close()
	if code != 403 || body != "forbidden: cannot identify caller\n" {
		t.Errorf("off-tailnet caller with real WhoIs: %d %q", code, body)
	}

	// The HTTPS listener presents the MagicDNS certificate.
	req, _ := http.NewRequestWithContext(ctx, "GET", "https://"+host+"/healthz", nil)
	res, err := stranger.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.TLS == nil || !slices.Contains(res.TLS.PeerCertificates[0].DNSNames, host) {
		t.Errorf("HTTPS certificate does not name %s: %+v", host, res.TLS)
	}
	waitFor(t, ctx, "certificate warm-up log", func() bool { return strings.Contains(logs.String(), "HTTPS certificate ready") })

	// Per scheme, the policy refused hook to prometheus and stranger (plus
	// the broken-WhoIs hook call), metrics to aperture and stranger, and
	// config to aperture, prometheus, dash and stranger. Open mode denials
	// are not wired to the counter.
	for ep, want := range map[string]int{"hook": 2 * (2 + 1), "metrics": 2 * 2, "config": 2 * 4} {
		if got := denied.get(ep); got != want {
			t.Errorf("denials for %s: %d, want %d", ep, got, want)
		}
	}
}

func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestGrantChangesAtRunTime: adding and removing a grant in the tailnet
// policy changes what a caller may do, while the service keeps running.
func TestGrantChangesAtRunTime(t *testing.T) {
	ctx := testContext(t)
	caller := tailnet.MustAddNode(t, ctx, "newcomer", "tag:aperture")
	svc, _ := startService(t, ctx, "grantsvc", false, func(s *tsnet.Server, mux *http.ServeMux) {
		log, _ := newLogger(t)
		a, err := tsnet.NewAccess(tsnet.AccessConfig{WhoIs: s.WhoIs, RequireGrant: true, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		routes(mux, "", a)
	})
	url := "http://" + svc.DNSName() + "/hook"
	c := caller.HTTPClient()
	if code, body := do(t, ctx, c, "POST", url); code != 403 {
		t.Fatalf("before grant: %d %q", code, body)
	}
	grant(t, ctx, caller, svc, `{"roles":["hook"]}`)
	if code, body := do(t, ctx, c, "POST", url); code != 200 {
		t.Fatalf("after grant: %d %q", code, body)
	}
	grant(t, ctx, caller, svc) // revoke
	if code, body := do(t, ctx, c, "POST", url); code != 403 {
		t.Fatalf("after revoke: %d %q", code, body)
	}
	if !svc.Ready() {
		t.Error("service not ready after grant changes")
	}
}

// listenSockets returns the TCP sockets in LISTEN state that this process
// owns, as inode -> "addr:port" (hex address as the kernel prints it).
func listenSockets(t *testing.T) map[string]string {
	t.Helper()
	owned := map[string]bool{}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd (not Linux?): %v", err)
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			owned[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	out := map[string]string{}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(file)
		if errors.Is(err, os.ErrNotExist) {
			continue // no IPv6
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A = TCP_LISTEN
				continue
			}
			if owned[f[9]] {
				out[f[9]] = f[1]
			}
		}
	}
	return out
}

func portOf(hexAddr string) int {
	i := strings.LastIndexByte(hexAddr, ':')
	p, _ := strconv.ParseUint(hexAddr[i+1:], 16, 16)
	return int(p)
}

// TestNoHostListenSockets: in tailnet mode, serving (HTTP and HTTPS) adds
// no TCP listening socket on any host interface; the only listeners the
// process has are the harness's own control and DERP servers.
func TestNoHostListenSockets(t *testing.T) {
	ctx := testContext(t)
	client := tailnet.MustAddNode(t, ctx, "lsclient")

	// The probe sees listeners: a loopback listener of our own shows up.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	found := false
	for _, a := range listenSockets(t) {
		found = found || portOf(a) == port
	}
	ln.Close()
	if !found {
		t.Fatalf("probe did not see our own listener on port %d", port)
	}

	before := listenSockets(t)
	svc, _ := startService(t, ctx, "nolisten", true, nil)
	for _, u := range svc.URLs() {
		if code, body := do(t, ctx, client.HTTPClient(), "GET", u+"/healthz"); code != 200 {
			t.Fatalf("%s: %d %q", u, code, body)
		}
	}
	after := listenSockets(t)
	hint := ""
	if tsnet.PeerAPIHostListener() {
		hint = " (this is tsnet's peer API: run the tests with -tags " + tsnet.OmitPeerAPITag + ")"
	}
	for inode, addr := range after {
		if _, ok := before[inode]; !ok {
			t.Errorf("service opened a host TCP listener: inode %s at %s (port %d)%s", inode, addr, portOf(addr), hint)
		}
	}
}

// TestGracefulShutdown: Shutdown lets a request already being handled
// finish and answer, and returns only after it did.
func TestGracefulShutdown(t *testing.T) {
	ctx := testContext(t)
	client := tailnet.MustAddNode(t, ctx, "patient")
	entered, release := make(chan struct{}), make(chan struct{})
	var seq, handlerDone, shutdownDone atomic.Int64
	log, _ := newLogger(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		handlerDone.Store(seq.Add(1))
		io.WriteString(w, "finished")
	})
	svc, err := tsnet.New(tsnet.Config{
		Hostname: "graceful", Dir: t.TempDir(), ControlURL: tailnet.ControlURL(),
		Store: new(mem.Store), Ephemeral: true, Handler: mux, Logger: log, AfterUp: tailnet.Prepare,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	url := svc.URLs()[0] + "/slow"

	type result struct {
		code int
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		res, err := client.HTTPClient().Do(req)
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{res.StatusCode, string(b), err}
	}()
	<-entered

	shut := make(chan error, 1)
	go func() {
		err := svc.Shutdown(ctx)
		shutdownDone.Store(seq.Add(1))
		shut <- err
	}()
	waitFor(t, ctx, "Shutdown to begin", func() bool { return !svc.Ready() })
	close(release)

	r := <-got
	if r.err != nil || r.code != 200 || r.body != "finished" {
		t.Fatalf("in-flight request: %d %q %v", r.code, r.body, r.err)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if h, s := handlerDone.Load(), shutdownDone.Load(); !(h < s) {
		t.Errorf("Shutdown returned (seq %d) before the in-flight handler finished (seq %d)", s, h)
	}
	if _, err := svc.WhoIs(ctx, client.IP4.String()+":1"); err == nil {
		t.Error("WhoIs still works after Shutdown")
	}
	if err := svc.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

// TestLoginRequired: without an auth key or state, Start says where to log
// in (and that TS_AUTHKEY is the alternative) when time runs out, cleans up
// without panicking, and succeeds once someone completes the login.
func TestLoginRequired(t *testing.T) {
	ctx := testContext(t)
	t.Setenv("TS_AUTHKEY", "")
	t.Setenv("TS_AUTH_KEY", "")
	tn, err := tailnettest.New(tailnettest.Options{RequireAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tn.Close()
	newServer := func(name string, timeout time.Duration) (*tsnet.Server, *logBuffer) {
		log, logs := newLogger(t)
		s, err := tsnet.New(tsnet.Config{
			Hostname: name, Dir: t.TempDir(), ControlURL: tn.ControlURL(), Store: new(mem.Store),
			Ephemeral: true, Handler: http.NewServeMux(), Logger: log, UpTimeout: timeout,
		})
		if err != nil {
			t.Fatal(err)
		}
		return s, logs
	}

	s, _ := newServer("unapproved", 3*time.Second)
	err = s.Start(ctx)
	if err == nil {
		t.Fatal("Start succeeded without a login")
	}
	msg := err.Error()
	if !strings.Contains(msg, "log in at "+tn.ControlURL()+"/auth/") || !strings.Contains(msg, "TS_AUTHKEY") {
		t.Errorf("error does not say what to do: %v", err)
	}
	if s.Ready() {
		t.Error("Ready after failed Start")
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown after failed Start: %v", err)
	}

	s, logs := newServer("approved", time.Minute)
	started := make(chan error, 1)
	go func() { started <- s.Start(ctx) }()
	urlRE := regexp.MustCompile(`tailnet login required.* url=(\S+)`)
	var authURL string
	waitFor(t, ctx, "login URL in the log", func() bool {
		m := urlRE.FindStringSubmatch(logs.String())
		if m != nil {
			authURL = m[1]
		}
		return m != nil
	})
	if !tn.CompleteAuth(authURL) {
		t.Fatalf("control does not know the logged URL %q", authURL)
	}
	if err := <-started; err != nil {
		t.Fatalf("Start after login: %v", err)
	}
	if !s.Ready() {
		t.Error("not Ready after login")
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Error(err)
	}
}

// TestStartStateDirErrors: a state directory that cannot be created fails
// Start with the path in the message, before any network activity.
func TestStartStateDirErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(file, "state"), file} {
		s, err := tsnet.New(tsnet.Config{Dir: dir, Handler: http.NewServeMux(), ControlURL: tailnet.ControlURL()})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("Dir %s: want an error naming it, got %v", dir, err)
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown after failed Start: %v", err)
		}
	}

	// A fresh directory is created private.
	dir := filepath.Join(t.TempDir(), "fresh", "state")
	s, err := tsnet.New(tsnet.Config{Dir: dir, Handler: http.NewServeMux(), ControlURL: "http://127.0.0.1:1",
		Store: new(mem.Store), Ephemeral: true, UpTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Start(context.Background())
	if err == nil {
		t.Fatal("Start against an unreachable control server succeeded")
	}
	if !strings.Contains(err.Error(), "did not reach the tailnet") && !strings.Contains(err.Error(), "not logged in") {
		t.Errorf("unreachable control: unhelpful error %v", err)
	}
	s.Shutdown(context.Background())
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("state dir mode %#o, want 0700", perm)
	}
}

func TestNewValidates(t *testing.T) {
	mux := http.NewServeMux()
	for name, cfg := range map[string]tsnet.Config{
		"no handler":      {},
		"default mux":     {Handler: http.DefaultServeMux},
		"bad hostname":    {Handler: mux, Hostname: "not a host"},
		"leading hyphen":  {Handler: mux, Hostname: "-x"},
		"bare tag":        {Handler: mux, AdvertiseTags: []string{"tsheadroom"}},
		"control scheme":  {Handler: mux, ControlURL: "ftp://x"},
		"mem without eph": {Handler: mux, Store: new(mem.Store)},
		"negative":        {Handler: mux, UpTimeout: -time.Second},
	} {
		if _, err := tsnet.New(cfg); err == nil {
			t.Errorf("%s: New accepted an invalid config", name)
		}
	}
	s, err := tsnet.New(tsnet.Config{Handler: mux, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if s.Ready() || s.DNSName() != "" || s.URLs() != nil {
		t.Error("unstarted server reports a running node")
	}
	if _, err := s.WhoIs(context.Background(), "100.64.0.1:1"); err == nil {
		t.Error("WhoIs before Start succeeded")
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown before Start: %v", err)
	}
}

// TestLocalServer: the loopback listener refuses non-loopback addresses,
// and callers on it get hook and metrics but never admin, with no WhoIs.
func TestLocalServer(t *testing.T) {
	for _, addr := range []string{":8080", "0.0.0.0:0", "[::]:0", "192.0.2.1:80", "100.64.0.1:80", "example.com:80", "127.0.0.1", "127.0.0.1:http-alt-nope"} {
		if err := tsnet.CheckLoopback(addr); err == nil {
			t.Errorf("CheckLoopback(%q) accepted", addr)
		}
		if ln, err := tsnet.ListenLoopback(addr); err == nil {
			ln.Close()
			t.Errorf("ListenLoopback(%q) listened", addr)
		}
		if _, err := tsnet.NewLocal(tsnet.LocalConfig{Addr: addr, Handler: http.NewServeMux()}); err == nil {
			t.Errorf("NewLocal(%q) accepted", addr)
		}
	}
	ok := []string{"127.0.0.1:0", "127.0.0.2:0", "localhost:0"}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln.Close()
		ok = append(ok, "[::1]:0")
	}
	for _, addr := range ok {
		ln, err := tsnet.ListenLoopback(addr)
		if err != nil {
			t.Errorf("ListenLoopback(%q): %v", addr, err)
			continue
		}
		ln.Close()
	}

	log, _ := newLogger(t)
	a, err := tsnet.NewAccess(tsnet.AccessConfig{WhoIs: tsnet.NoTailnetWhoIs, RequireGrant: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	routes(mux, "", a)
	ls, err := tsnet.NewLocal(tsnet.LocalConfig{Addr: "127.0.0.1:0", Handler: mux, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := ls.Start(); err != nil {
		t.Fatal(err)
	}
	defer ls.Shutdown(context.Background())
	base := "http://" + ls.Addr().String()
	ctx := testContext(t)
	for ep, want := range map[string]int{"/hook": 200, "/metrics": 200, "/config": 403} {
		code, body := do(t, ctx, http.DefaultClient, methodFor(ep), base+ep)
		if code != want {
			t.Errorf("local %s: %d %q, want %d", ep, code, body, want)
		}
		if want == 200 && body != "ok local ip=127.0.0.1 roles=hook,metrics" {
			t.Errorf("local %s: body %q", ep, body)
		}
	}
	if err := ls.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := (&http.Client{Transport: &http.Transport{}}).Get(base + "/hook"); err == nil {
		t.Error("local listener still answers after Shutdown")
	}
}
