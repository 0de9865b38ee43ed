package node_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tailscale.com/envknob"
	"tailscale.com/feature/buildfeatures"
	"tailscale.com/ipn/store/mem"

	"github.com/tsheadroom/tsheadroom/internal/logtest"
	"github.com/tsheadroom/tsheadroom/internal/tailnettest"
	"github.com/tsheadroom/tsheadroom/internal/testenv"
	"github.com/tsheadroom/tsheadroom/tsnet/node"
)

// serviceTag is what the service node advertises, as in production.
const serviceTag = "tag:tsheadroom"

// startService starts a service node on the shared tailnet serving mux
// (plus GET /healthz) and stops it when the test ends.
func startService(t *testing.T, ctx context.Context, hostname string, https bool, mux *http.ServeMux) (*node.Server, *logtest.Buffer) {
	t.Helper()
	log, logs := logtest.New(t)
	if mux == nil {
		mux = http.NewServeMux()
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	s := startNode(t, ctx, node.Config{
		Hostname:      hostname,
		AdvertiseTags: []string{serviceTag},
		HTTPS:         https,
		Logger:        log,
	}, mux)
	if !s.Ready() {
		t.Fatal("Start returned but Ready() is false")
	}
	return s, logs
}

// startNode makes a node of cfg on the shared tailnet (an ephemeral node
// in memory, prepared as the tailnet's nodes are), starts it serving h and
// shuts it down when the test ends.
func startNode(t *testing.T, ctx context.Context, cfg node.Config, h http.Handler) *node.Server {
	t.Helper()
	cfg.Dir, cfg.ControlURL, cfg.Store = t.TempDir(), tailnet.ControlURL(), new(mem.Store)
	cfg.Ephemeral, cfg.AfterUp = true, tailnet.Prepare
	s, err := node.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx, h); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}

// TestTailnetServe serves a handler over real tsnet nodes, over HTTP and
// over HTTPS with the harness's CA: every peer reaches it by its MagicDNS
// name, the request carries the peer's tailnet address, which the node's
// WhoIs resolves to that peer (what the access layer builds on), the HTTPS
// listener presents the MagicDNS certificate, fetched ahead of the first
// handshake, and log uploads are off.
func TestTailnetServe(t *testing.T) {
	ctx := testContext(t)
	aperture := tailnet.MustAddNode(t, ctx, "aperture", "tag:aperture")
	stranger := tailnet.MustAddNode(t, ctx, "stranger")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /peer", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.RemoteAddr) })
	svc, logs := startService(t, ctx, "tsheadroom", true, mux)

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
		for _, peer := range []*tailnettest.Node{aperture, stranger} {
			if code, body := do(t, ctx, peer.HTTPClient(), "GET", scheme+"://"+host+"/healthz"); code != 200 || body != "ok" {
				t.Errorf("%s %s /healthz: %d %q", scheme, peer.Hostname, code, body)
			}
			code, addr := do(t, ctx, peer.HTTPClient(), "GET", scheme+"://"+host+"/peer")
			ap, err := netip.ParseAddrPort(addr)
			if code != 200 || err != nil || ap.Addr() != peer.IP4 {
				t.Errorf("%s %s: request from %q (%d), want %s", scheme, peer.Hostname, addr, code, peer.IP4)
				continue
			}
			who, err := svc.WhoIs(ctx, addr)
			if err != nil || who.Node == nil || strings.TrimSuffix(who.Node.Name, ".") != peer.FQDN {
				t.Errorf("%s %s: WhoIs(%s) = %+v, %v", scheme, peer.Hostname, addr, who, err)
			}
		}
	}
	if _, err := svc.WhoIs(ctx, "127.0.0.1:1234"); err == nil {
		t.Error("WhoIs identified a caller that is not on the tailnet")
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
		for line := range strings.Lines(string(data)) {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A = TCP_LISTEN; the header has "st" there
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
	if buildfeatures.HasPeerAPIServer {
		hint = " (this is tsnet's peer API: run the tests with -tags ts_omit_peerapiserver)"
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
	log, _ := logtest.New(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		handlerDone.Store(seq.Add(1))
		io.WriteString(w, "finished")
	})
	svc, err := node.New(node.Config{
		Hostname: "graceful", Dir: t.TempDir(), ControlURL: tailnet.ControlURL(),
		Store: new(mem.Store), Ephemeral: true, Logger: log, AfterUp: tailnet.Prepare,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx, mux); err != nil {
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
	newServer := func(name string, timeout time.Duration) (*node.Server, *logtest.Buffer) {
		log, logs := logtest.New(t)
		s, err := node.New(node.Config{
			Hostname: name, Dir: t.TempDir(), ControlURL: tn.ControlURL(), Store: new(mem.Store),
			Ephemeral: true, Logger: log, UpTimeout: timeout,
		})
		if err != nil {
			t.Fatal(err)
		}
		return s, logs
	}

	s, _ := newServer("unapproved", 3*time.Second)
	err = s.Start(ctx, http.NewServeMux())
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
	go func() { started <- s.Start(ctx, http.NewServeMux()) }()
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
		s, err := node.New(node.Config{Dir: dir, ControlURL: tailnet.ControlURL()})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Start(context.Background(), http.NewServeMux())
		if err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("Dir %s: want an error naming it, got %v", dir, err)
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown after failed Start: %v", err)
		}
	}

	// A fresh directory is created private.
	dir := filepath.Join(t.TempDir(), "fresh", "state")
	s, err := node.New(node.Config{Dir: dir, ControlURL: "http://127.0.0.1:1",
		Store: new(mem.Store), Ephemeral: true, UpTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Start(context.Background(), http.NewServeMux())
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
	for name, cfg := range map[string]node.Config{
		"bad hostname":    {Hostname: "not a host"},
		"leading hyphen":  {Hostname: "-x"},
		"bare tag":        {AdvertiseTags: []string{"tsheadroom"}},
		"control scheme":  {ControlURL: "ftp://x"},
		"mem without eph": {Store: new(mem.Store)},
		"negative":        {UpTimeout: -time.Second},
		"addr with host":  {Addr: "100.64.0.1:80"},
		"addr no port":    {Addr: ":"},
		"addr bad port":   {Addr: ":nope"},
	} {
		if _, err := node.New(cfg); err == nil {
			t.Errorf("%s: New accepted an invalid config", name)
		}
	}
	s, err := node.New(node.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if s.Ready() || s.DNSName() != "" || s.URLs() != nil {
		t.Error("unstarted server reports a running node")
	}
	if _, err := s.WhoIs(context.Background(), "100.64.0.1:1"); err == nil {
		t.Error("WhoIs before Start succeeded")
	}
	for name, h := range map[string]http.Handler{"no handler": nil, "default mux": http.DefaultServeMux} {
		if err := s.Start(context.Background(), h); err == nil {
			t.Errorf("Start with %s succeeded", name)
		}
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown before Start: %v", err)
	}
}

// TestLocalServer: the loopback listener refuses non-loopback addresses,
// binds loopback ones ("localhost" as 127.0.0.1, never resolved), serves
// its handler on the address it bound, and stops answering after Shutdown.
func TestLocalServer(t *testing.T) {
	for _, addr := range []string{":8080", "0.0.0.0:0", "[::]:0", "192.0.2.1:80", "100.64.0.1:80", "example.com:80", "127.0.0.1", "127.0.0.1:http-alt-nope"} {
		if _, err := node.NewLocal(node.LocalConfig{Addr: addr}); err == nil {
			t.Errorf("NewLocal(%q) accepted", addr)
		}
	}
	ok := map[string]string{"127.0.0.1:0": "127.0.0.1", "127.0.0.2:0": "127.0.0.2", "localhost:0": "127.0.0.1"}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln.Close()
		ok["[::1]:0"] = "::1"
	}
	for addr, host := range ok {
		ls, err := node.NewLocal(node.LocalConfig{Addr: addr})
		if err != nil {
			t.Errorf("NewLocal(%q): %v", addr, err)
			continue
		}
		if err := ls.Start(http.NewServeMux()); err != nil {
			t.Errorf("Start on %q: %v", addr, err)
			continue
		}
		if ap, err := netip.ParseAddrPort(ls.Addr().String()); err != nil || ap.Addr().String() != host {
			t.Errorf("%q bound %s, want %s", addr, ls.Addr(), host)
		}
		ls.Shutdown(context.Background())
	}

	log, _ := logtest.New(t)
	ls, err := node.NewLocal(node.LocalConfig{Addr: "127.0.0.1:0", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := ls.Start(http.DefaultServeMux); err == nil {
		t.Error("Start with http.DefaultServeMux succeeded")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hook", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok "+r.RemoteAddr) })
	if err := ls.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer ls.Shutdown(context.Background())
	base := "http://" + ls.Addr().String()
	ctx := testContext(t)
	if code, body := do(t, ctx, http.DefaultClient, "POST", base+"/hook"); code != 200 || !strings.HasPrefix(body, "ok 127.0.0.1:") {
		t.Errorf("local /hook: %d %q", code, body)
	}
	if err := ls.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := (&http.Client{Transport: &http.Transport{}}).Get(base + "/hook"); err == nil {
		t.Error("local listener still answers after Shutdown")
	}
}

// TestLocalServerNonLoopback: AllowNonLoopback accepts any host:port (the
// test binds only loopback, as every test here does) and its warning says
// loudly what a non-loopback address means.
func TestLocalServerNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8787", "192.0.2.1:80", "[::]:0", "example.com:80"} {
		if _, err := node.NewLocal(node.LocalConfig{Addr: addr, AllowNonLoopback: true}); err != nil {
			t.Errorf("NewLocal(%q) with AllowNonLoopback: %v", addr, err)
		}
	}
	if _, err := node.NewLocal(node.LocalConfig{Addr: "no-port", AllowNonLoopback: true}); err == nil {
		t.Error("an address without a port accepted")
	}
	log, logs := logtest.New(t)
	ls, err := node.NewLocal(node.LocalConfig{Addr: "127.0.0.1:0", AllowNonLoopback: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := ls.Start(http.NewServeMux()); err != nil {
		t.Fatal(err)
	}
	defer ls.Shutdown(context.Background())
	if !strings.Contains(logs.String(), "serving on a local loopback listener") {
		t.Errorf("a loopback address under AllowNonLoopback: %s", logs)
	}
}

// TestStartTightensStateDir: an existing state directory open to other
// users (0777) is made private before the node writes its key there, and
// the node then joins the tailnet; one that cannot be tightened (immutable)
// stops Start with its path and mode before any network activity.
func TestStartTightensStateDir(t *testing.T) {
	ctx := testContext(t)
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil { // Mkdir's mode is masked by the umask
		t.Fatal(err)
	}
	log, logs := logtest.New(t)
	s, err := node.New(node.Config{Hostname: "loose-state", Dir: dir, ControlURL: tailnet.ControlURL(),
		Store: new(mem.Store), Ephemeral: true, Logger: log, AfterUp: tailnet.Prepare})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx, http.NewServeMux()); err != nil {
		t.Fatalf("Start with a 0777 state dir: %v", err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("state dir mode %#o after Start, want 0700", perm)
	}
	if logs.Count("tightened it to 0700") != 1 || logs.Count(`mode=0777`) != 1 {
		t.Errorf("tightening not logged with the old mode:\n%s", logs)
	}

	stuck := filepath.Join(t.TempDir(), "stuck")
	if err := os.Mkdir(stuck, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(stuck, 0o777); err != nil {
		t.Fatal(err)
	}
	// As a non-root owner a mode change always succeeds: the immutable
	// attribute is the one portable way to refuse it.
	testenv.Immutable(t, stuck)
	s, err = node.New(node.Config{Hostname: "stuck-state", Dir: stuck, ControlURL: tailnet.ControlURL(),
		Store: new(mem.Store), Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Start(ctx, http.NewServeMux())
	if err == nil || !strings.Contains(err.Error(), stuck) || !strings.Contains(err.Error(), "0777") || !strings.Contains(err.Error(), "cannot be made private") {
		t.Errorf("Start with a 0777 state dir that cannot be tightened: %v", err)
	}
	if s.Ready() {
		t.Error("Ready after a refused state dir")
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown after failed Start: %v", err)
	}
}
