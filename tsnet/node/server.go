package node

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tailscale.com/client/local"
	"tailscale.com/client/tailscale/apitype"
	"tailscale.com/envknob"
	"tailscale.com/feature/buildfeatures"
	"tailscale.com/ipn"
	"tailscale.com/ipn/ipnstate"
	"tailscale.com/ipn/store/mem"
	"tailscale.com/tailcfg"
	"tailscale.com/tsnet"
)

// Defaults for Config fields left zero.
const (
	DefaultHostname          = "tsheadroom"
	DefaultUpTimeout         = 5 * time.Minute
	DefaultCertTimeout       = 2 * time.Minute
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 64 << 10
)

// omitPeerAPITag is the build tag that keeps tsnet from opening a host TCP
// listener: tailscale.com/tsnet v1.102.5 binds its peer API (Taildrop,
// exit-node DNS, Funnel ingress: nothing tsheadroom uses) to 0.0.0.0 on a
// port derived from the node's IP. That listener closes every connection
// from a non-tailnet address, but it is still a host listener; building
// with the tag compiles it out (buildfeatures.HasPeerAPIServer is then
// false), and the process listens only inside the tailnet.
const omitPeerAPITag = "ts_omit_peerapiserver"

// Config configures a Server. The zero value is valid: every field has a
// documented default.
type Config struct {
	// Hostname is the device name on the tailnet (and the first label of
	// its MagicDNS name). Empty means DefaultHostname.
	Hostname string

	// Dir is the state directory. It holds the node's private key (unless
	// Store is set), cached TLS certificates and backend state, so it must
	// be persistent and private: Start creates it with mode 0700 and fails,
	// naming the path, when it cannot be created or written. Empty means
	// DefaultDir().
	Dir string

	// AuthKey registers the node on first start. Empty means the TS_AUTHKEY
	// environment variable; if that is empty too and Dir holds no state,
	// Start logs a login URL and waits (up to UpTimeout) for someone to
	// open it. Ignored once the node is registered.
	AuthKey string

	// AdvertiseTags are the ACL tags ("tag:tsheadroom") the node asks for.
	// The tailnet policy must let the auth key's owner assign them.
	AdvertiseTags []string

	// ControlURL is the coordination server. Empty means TS_CONTROL_URL,
	// then Tailscale's own; set it for Headscale or a test control server.
	ControlURL string

	// Addr is where the handler is served as plain HTTP on the tailnet,
	// ":port" (the original tsheadroom's -addr). Empty means ":80".
	Addr string

	// HTTPS also serves the handler on :443 with the node's MagicDNS
	// certificate. The tailnet must have MagicDNS and HTTPS enabled, or
	// Start fails saying so. The certificate is fetched in the background
	// right after start so the first TLS handshake does not wait for it.
	HTTPS bool

	// Ephemeral registers the node as ephemeral: the control server removes
	// it shortly after it goes offline.
	Ephemeral bool

	// LogUpload opts in to uploading the node's backend logs to Tailscale.
	// When false (the default) Start calls envknob.SetNoLogsNoSupport
	// before the node starts, which turns uploads off for the whole process
	// (and, as its name says, forgoes Tailscale support for this node).
	LogUpload bool

	// Store overrides where the node keeps its state; nil means a file in
	// Dir. Tests pass a mem.Store, which requires Ephemeral.
	Store ipn.StateStore

	// Logger receives start-up, login and serving messages, and the tsnet
	// library's user-facing messages. Nil discards them.
	Logger *slog.Logger

	// VerboseBackend forwards the tsnet backend's (very chatty) debug logs
	// to Logger at debug level. False discards them.
	VerboseBackend bool

	// UpTimeout bounds how long Start waits for the node to be running,
	// including an interactive login. Zero means DefaultUpTimeout.
	UpTimeout time.Duration

	// CertTimeout bounds the background certificate fetch when HTTPS is
	// set. Zero means DefaultCertTimeout.
	CertTimeout time.Duration

	// Limits bound the http.Server on the tailnet listeners (the node's
	// and the Services'), and MaxConns the connections those listeners
	// hold together.
	Limits

	// Services are Tailscale Services ("svc:NAME") the node hosts besides
	// serving under its own name: replicas that host the same Service share
	// one name, http://NAME.<tailnet>.ts.net/, and the tailnet sends each
	// caller to one of them. The node must be tagged, and the tailnet policy
	// must approve it as a host (autoApprovers "services", or an admin in
	// the console). Each Service is advertised on Addr's port (80 by
	// default), and 443 with HTTPS (tsnet terminates TLS); tsnet forwards
	// its connections over a
	// loopback socket with a PROXY header, so handlers and WhoIs see the
	// caller's own tailnet address, never the Service's.
	Services []string

	// ServiceHandler serves requests that arrive through Services. Nil
	// means the handler given to Start. A Service reaches whichever replica
	// the tailnet picks, so per-replica endpoints (configuration, debug)
	// belong only on the node's own name.
	ServiceHandler http.Handler

	// AfterUp, if non-nil, runs once the node is running and before any
	// listener opens. An error aborts Start. Tests use it to install a
	// local certificate authority and to wait for the node's DERP
	// connection (see internal/tailnettest); production leaves it nil.
	AfterUp func(ctx context.Context, ts *tsnet.Server) error
}

// Server is tsheadroom's tailnet node and the HTTP server on its tailnet
// listeners. Create it with New, then Start, then Shutdown.
type Server struct {
	cfg Config // defaults applied
	ts  *tsnet.Server
	log *slog.Logger

	ready atomic.Bool

	lifeMu sync.Mutex // serialises Start and Shutdown
	// Fields below are written under lifeMu during Start and read after it
	// returns; the accessors below take mu to read them safely at any time.
	mu          sync.Mutex
	nodeStarted bool // ts.Start succeeded: only then may ts.Close run
	startCalled bool
	shut        bool
	lc          *local.Client
	status      *ipnstate.Status
	httpSrv     *http.Server
	svcSrv      *http.Server              // serves the Service listeners
	svcLns      []*tsnet.ServiceListener  // closed first on Shutdown: withdraws the advertisements
	svcFQDNs    map[string]string         // Service name -> MagicDNS name
	controlLost atomic.Pointer[time.Time] // set while the map session is down
	bgCancel    context.CancelFunc
	wg          sync.WaitGroup
}

// New validates cfg, applies defaults and returns a Server that has not
// touched the network or the disk yet.
func New(cfg Config) (*Server, error) {
	cfg.Hostname = cmp.Or(cfg.Hostname, DefaultHostname)
	cfg.Dir = cmp.Or(cfg.Dir, DefaultDir())
	if err := checkHostname(cfg.Hostname); err != nil {
		return nil, err
	}
	for _, tag := range cfg.AdvertiseTags {
		if !strings.HasPrefix(tag, "tag:") || len(tag) == len("tag:") {
			return nil, fmt.Errorf("tailnet: advertise tag %q: want tag:name", tag)
		}
	}
	if cfg.ControlURL != "" {
		u, err := url.Parse(cfg.ControlURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("tailnet: control URL %q: want http(s)://host[:port]", cfg.ControlURL)
		}
	}
	if _, isMem := cfg.Store.(*mem.Store); isMem && !cfg.Ephemeral {
		return nil, errors.New("tailnet: an in-memory Store needs Ephemeral (the node could never log in again)")
	}
	for name, d := range map[string]time.Duration{
		"UpTimeout": cfg.UpTimeout, "CertTimeout": cfg.CertTimeout,
		"ReadHeaderTimeout": cfg.ReadHeaderTimeout, "IdleTimeout": cfg.IdleTimeout,
		"ReadTimeout": cfg.ReadTimeout, "WriteTimeout": cfg.WriteTimeout,
	} {
		if d < 0 {
			return nil, fmt.Errorf("tailnet: %s must not be negative, got %v", name, d)
		}
	}
	for _, name := range cfg.Services {
		if err := CheckServiceName(name); err != nil {
			return nil, err
		}
	}
	if cfg.ServiceHandler != nil {
		if err := checkHandler(cfg.ServiceHandler); err != nil {
			return nil, fmt.Errorf("tailnet: ServiceHandler: %w", err)
		}
	}
	if cfg.MaxHeaderBytes < 0 || cfg.MaxConns < 0 {
		return nil, fmt.Errorf("tailnet: MaxHeaderBytes and MaxConns must not be negative, got %d and %d", cfg.MaxHeaderBytes, cfg.MaxConns)
	}
	cfg.Addr = cmp.Or(cfg.Addr, ":80")
	if host, port, err := net.SplitHostPort(cfg.Addr); err != nil || host != "" || port == "" {
		return nil, fmt.Errorf("tailnet: address %q: want :port (the node's own tailnet addresses are used)", cfg.Addr)
	} else if _, err := net.LookupPort("tcp", port); err != nil {
		return nil, fmt.Errorf("tailnet: address %q: %w", cfg.Addr, err)
	}
	cfg.UpTimeout = cmp.Or(cfg.UpTimeout, DefaultUpTimeout)
	cfg.CertTimeout = cmp.Or(cfg.CertTimeout, DefaultCertTimeout)
	cfg.Limits = cfg.Limits.withDefaults()
	cfg.AdvertiseTags = slices.Clone(cfg.AdvertiseTags)
	cfg.Services = slices.Compact(slices.Sorted(slices.Values(cfg.Services)))
	log := orDiscard(cfg.Logger).With("component", "tailnet")

	ts := &tsnet.Server{
		Dir:           cfg.Dir,
		Store:         cfg.Store,
		Hostname:      cfg.Hostname,
		Ephemeral:     cfg.Ephemeral,
		AuthKey:       cfg.AuthKey,
		ControlURL:    cfg.ControlURL,
		AdvertiseTags: cfg.AdvertiseTags,
		UserLogf: func(format string, args ...any) {
			log.Info(strings.TrimSpace(fmt.Sprintf(format, args...)), "source", "tsnet")
		},
	}
	if cfg.VerboseBackend {
		ts.Logf = func(format string, args ...any) {
			log.Debug(strings.TrimSpace(fmt.Sprintf(format, args...)), "source", "backend")
		}
	}
	return &Server{cfg: cfg, ts: ts, log: log}, nil
}

// DefaultDir is the state directory used when Config.Dir is empty:
// <os.UserConfigDir>/tsheadroom, or tsheadroom-state in the working
// directory where the system has no user config directory.
func DefaultDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "tsheadroom")
	}
	return "tsheadroom-state"
}

// orDiscard is the logger of a nil Config.Logger: a library stays quiet
// unless its caller asks for its logs.
func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// checkHostname accepts what can become a single MagicDNS label.
func checkHostname(h string) error {
	if len(h) > 63 {
		return fmt.Errorf("tailnet: hostname %q is longer than 63 characters", h)
	}
	for i, r := range h {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' && i > 0 && i < len(h)-1
		if !ok {
			return fmt.Errorf("tailnet: hostname %q: use letters, digits and inner hyphens only", h)
		}
	}
	return nil
}

// prepareStateDir creates dir with mode 0700, tightens an existing one that
// others may read or enter to 0700 (it holds the node's private key, so a
// looser directory is refused when it cannot be tightened), and proves it
// is writable, so a bad path fails here with its name instead of deep
// inside tsnet.
func (s *Server) prepareStateDir() error {
	dir := s.cfg.Dir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("tailnet: state dir %s cannot be created: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("tailnet: state dir %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("tailnet: state dir %s is not a directory", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("tailnet: state dir %s has mode %#o, open to other users, and cannot be made private (it holds the node's private key; chmod 700 it or pick another -state-dir): %w", dir, perm, err)
		}
		s.log.Warn("state dir was accessible to other users; tightened it to 0700 (it holds the node's private key)",
			"dir", dir, "mode", fmt.Sprintf("%#o", perm))
	}
	f, err := os.CreateTemp(dir, ".tsheadroom-write-check-*")
	if err != nil {
		return fmt.Errorf("tailnet: state dir %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

// Start joins the tailnet, waits until the node is running (at most
// UpTimeout, or until ctx ends), opens the tailnet listeners and starts
// serving h on them. It returns once requests can be served; serving
// continues until Shutdown. On failure everything Start brought up is torn
// down again, and the error says what to do (log in at a URL, set
// TS_AUTHKEY, fix the state directory, enable HTTPS in the tailnet...).
// Start may be called once.
//
// h is never http.DefaultServeMux: importing tsnet registers debug handlers
// there.
func (s *Server) Start(ctx context.Context, h http.Handler) (err error) {
	if err := checkHandler(h); err != nil {
		return fmt.Errorf("tailnet: %w", err)
	}
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	s.mu.Lock()
	if s.startCalled || s.shut {
		s.mu.Unlock()
		return errors.New("tailnet: Start called twice or after Shutdown")
	}
	s.startCalled = true
	s.mu.Unlock()

	if err := s.prepareStateDir(); err != nil {
		return err
	}
	if !s.cfg.LogUpload {
		// Process-wide and irreversible by design: tsnet reads it when it
		// builds its log transport, so it must be set before ts.Start.
		envknob.SetNoLogsNoSupport()
	}

	if buildfeatures.HasPeerAPIServer {
		s.log.Warn("this binary was built without -tags "+omitPeerAPITag+": tsnet will also open a host TCP listener on 0.0.0.0 for its peer API (it refuses non-tailnet callers); rebuild with the tag so tsheadroom listens only on the tailnet",
			"hostname", s.cfg.Hostname)
	}
	s.log.Info("joining tailnet", "hostname", s.cfg.Hostname, "dir", s.cfg.Dir,
		"tags", strings.Join(s.cfg.AdvertiseTags, ","), "control", s.cfg.ControlURL, "log_upload", s.cfg.LogUpload)
	if err := s.ts.Start(); err != nil {
		// ts.Close would panic on a node that never started; nothing to undo.
		return fmt.Errorf("tailnet: start node %q (state dir %s): %w", s.cfg.Hostname, s.cfg.Dir, err)
	}
	lc, err := s.ts.LocalClient()
	if err != nil {
		return fmt.Errorf("tailnet: local client: %w", err)
	}
	bgCtx, bgCancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.nodeStarted = true
	s.lc = lc
	s.bgCancel = bgCancel
	s.mu.Unlock()
	defer func() {
		if err != nil {
			s.teardown(context.Background())
		}
	}()

	upCtx, cancel := context.WithTimeout(ctx, s.cfg.UpTimeout)
	defer cancel()
	st, err := s.waitRunning(upCtx, lc)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.status = st
	s.mu.Unlock()

	if s.cfg.AfterUp != nil {
		if err := s.cfg.AfterUp(ctx, s.ts); err != nil {
			return fmt.Errorf("tailnet: AfterUp hook: %w", err)
		}
	}

	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	// One cap for every listener: it bounds what the process holds.
	slots := newConnSlots(s.cfg.MaxConns)
	ln, err := s.ts.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("tailnet: listen on tailnet %s: %w", s.cfg.Addr, err)
	}
	lns = append(lns, limitListen(ln, slots))
	if s.cfg.HTTPS {
		tln, err := s.listenTLS(ctx, lc, slots)
		if err != nil {
			closeAll()
			return fmt.Errorf("tailnet: listen on tailnet :443 (HTTPS requested): %w", err)
		}
		lns = append(lns, tln)
	}

	svcLns, svcListeners, err := s.listenServices()
	if err != nil {
		closeAll()
		return err
	}
	for i, ln := range svcLns {
		svcLns[i] = limitListen(ln, slots)
	}

	srv := newHTTPServer(h, s.cfg.Limits, s.log)
	var svcSrv *http.Server
	if len(svcLns) > 0 {
		svcSrv = newHTTPServer(cmp.Or[http.Handler](s.cfg.ServiceHandler, h), s.cfg.Limits, s.log)
	}
	s.mu.Lock()
	s.httpSrv, s.svcSrv, s.svcLns = srv, svcSrv, svcListeners
	s.mu.Unlock()
	serveOn := func(srv *http.Server, ln net.Listener) {
		s.wg.Go(func() {
			err := srv.Serve(ln)
			s.mu.Lock()
			shut := s.shut // Shutdown closes the Service listeners before the servers
			s.mu.Unlock()
			if err != nil && !errors.Is(err, http.ErrServerClosed) && !shut {
				s.log.Error("tailnet listener stopped", "addr", ln.Addr().String(), "err", err)
			}
		})
	}
	for _, ln := range lns {
		serveOn(srv, ln)
	}
	for _, ln := range svcLns {
		serveOn(svcSrv, ln)
	}
	s.ready.Store(true)
	s.wg.Go(func() { s.watchState(bgCtx, lc) })
	s.wg.Go(func() { s.watchControl(bgCtx) })
	if s.cfg.HTTPS {
		s.wg.Go(func() { s.warmCert(bgCtx, lc) })
	}
	s.log.Info("serving on tailnet", "urls", strings.Join(s.URLs(), " "), "ips", ipsString(st.TailscaleIPs))
	for _, name := range s.cfg.Services {
		s.log.Info("hosting Tailscale Service; it answers once the tailnet policy approves this node as a host",
			"service", name, "urls", strings.Join(s.ServiceURLs(name), " "))
	}
	return nil
}

// listenTLS is tsnet's ListenTLS on :443 with the connection cap under
// TLS: a wrapper above it would hide the *tls.Conn the HTTP server needs
// (for r.TLS). The checks and the certificate source are tsnet's.
func (s *Server) listenTLS(ctx context.Context, lc *local.Client, slots connSlots) (net.Listener, error) {
	st, err := lc.StatusWithoutPeers(ctx)
	if err != nil {
		return nil, err
	}
	if st.CurrentTailnet == nil || !st.CurrentTailnet.MagicDNSEnabled {
		return nil, errors.New("MagicDNS must be on in the DNS page of the admin panel for HTTPS")
	}
	if len(st.CertDomains) == 0 {
		return nil, errors.New("HTTPS must be on in the admin panel")
	}
	ln, err := s.ts.Listen("tcp", ":443")
	if err != nil {
		return nil, err
	}
	return tls.NewListener(limitListen(ln, slots), &tls.Config{GetCertificate: lc.GetCertificate}), nil
}

// listenServices opens a listener per Service and port. On failure the
// listeners opened so far are closed again (withdrawing their
// advertisements).
func (s *Server) listenServices() ([]net.Listener, []*tsnet.ServiceListener, error) {
	if len(s.cfg.Services) == 0 {
		return nil, nil, nil
	}
	if !canCheckPeerSocket {
		s.log.Warn("this system cannot tell which process opened a loopback connection: the Service listener trusts the PROXY header of every local program")
	}
	var lns []net.Listener
	var sls []*tsnet.ServiceListener
	fqdns := map[string]string{}
	for _, name := range s.cfg.Services {
		for _, port := range servicePorts(s.cfg.Addr, s.cfg.HTTPS) {
			ln, sl, err := s.listenService(name, port)
			if err != nil {
				for _, sl := range slices.Backward(sls) {
					sl.Close()
				}
				return nil, nil, err
			}
			lns, sls = append(lns, ln), append(sls, sl)
			fqdns[name] = sl.FQDN
		}
	}
	s.mu.Lock()
	s.svcFQDNs = fqdns
	s.mu.Unlock()
	return lns, sls, nil
}

func ipsString(ips []netip.Addr) string {
	var parts []string
	for _, ip := range ips {
		parts = append(parts, ip.String())
	}
	return strings.Join(parts, ",")
}

// waitRunning follows the node's state until it is Running. While it waits
// for a login it logs the URL to open; if time runs out it returns an error
// that says what the operator must do.
func (s *Server) waitRunning(ctx context.Context, lc *local.Client) (*ipnstate.Status, error) {
	w, err := lc.WatchIPNBus(ctx, ipn.NotifyInitialState)
	if err != nil {
		return nil, s.notRunningError(ctx, lc, ipn.NoState, fmt.Errorf("watch node state: %w", err))
	}
	defer w.Close()
	state := ipn.NoState
	authURL := ""
	for state != ipn.Running {
		n, err := w.Next()
		if err != nil {
			return nil, s.notRunningError(ctx, lc, state, err)
		}
		if n.ErrMessage != nil {
			return nil, fmt.Errorf("tailnet: node %q cannot join the tailnet: %s (check the auth key: Config.AuthKey or TS_AUTHKEY)", s.cfg.Hostname, *n.ErrMessage)
		}
		if n.BrowseToURL != nil && *n.BrowseToURL != "" && *n.BrowseToURL != authURL {
			authURL = *n.BrowseToURL
			s.log.Warn("tailnet login required: open the URL to add this node, or restart with TS_AUTHKEY set",
				"url", authURL, "hostname", s.cfg.Hostname)
		}
		if n.State != nil && *n.State != state {
			state = *n.State
			s.log.Info("node state", "state", state.String())
			if state == ipn.NeedsMachineAuth {
				s.log.Warn("waiting for a tailnet admin to approve this device in the admin console", "hostname", s.cfg.Hostname)
			}
		}
	}
	// Up returns at once now; it also clears stale serve config, as tsnet
	// expects on first Up.
	st, err := s.ts.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("tailnet: node %q: %w", s.cfg.Hostname, err)
	}
	return st, nil
}

// notRunningError explains why the node did not come up in time.
func (s *Server) notRunningError(ctx context.Context, lc *local.Client, state ipn.State, cause error) error {
	// Ask for the login URL with a fresh context: ctx is usually what ended.
	qctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	authURL := ""
	if st, err := lc.StatusWithoutPeers(qctx); err == nil {
		authURL = st.AuthURL
		if state == ipn.NoState {
			if parsed, ok := ipn.StateFromString(st.BackendState); ok {
				state = parsed
			}
		}
	}
	why := cause
	if ctx.Err() != nil {
		why = fmt.Errorf("not running after %v: %w", s.cfg.UpTimeout, ctx.Err())
	}
	switch {
	case authURL != "":
		return fmt.Errorf("tailnet: node %q is not logged in: log in at %s to add it to your tailnet, or set TS_AUTHKEY to an auth key and restart (%v)", s.cfg.Hostname, authURL, why)
	case state == ipn.NeedsLogin:
		return fmt.Errorf("tailnet: node %q is not logged in and has no state in %s: set TS_AUTHKEY to an auth key and restart (%v)", s.cfg.Hostname, s.cfg.Dir, why)
	case state == ipn.NeedsMachineAuth:
		return fmt.Errorf("tailnet: node %q is waiting for a tailnet admin to approve it in the admin console (%v)", s.cfg.Hostname, why)
	default:
		return fmt.Errorf("tailnet: node %q did not reach the tailnet (state %v; control %q): %v", s.cfg.Hostname, state, s.cfg.ControlURL, why)
	}
}

// watchState keeps Ready in step with the node's state after Start.
func (s *Server) watchState(ctx context.Context, lc *local.Client) {
	w, err := lc.WatchIPNBus(ctx, ipn.NotifyInitialState)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("cannot watch node state; readiness will not follow it", "err", err)
		}
		return
	}
	defer w.Close()
	for {
		n, err := w.Next()
		if err != nil {
			return
		}
		if n.State == nil {
			continue
		}
		running := *n.State == ipn.Running
		if s.ready.Swap(running) != running {
			s.log.Warn("node state changed", "state", n.State.String(), "ready", running)
		}
	}
}

// controlPollInterval is how often watchControl looks at the map session.
const controlPollInterval = time.Second

// watchControl follows the node's map session with the coordination server
// and logs when it is lost and regained. The node keeps serving the peers
// it knows meanwhile; Status reports the outage.
func (s *Server) watchControl(ctx context.Context) {
	health := s.ts.Sys().HealthTracker.Get()
	t := time.NewTicker(controlPollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		connected := health.GetInPollNetMap()
		lost := s.controlLost.Load()
		switch {
		case !connected && lost == nil:
			now := time.Now()
			s.controlLost.Store(&now)
			s.log.Warn("lost the coordination server; serving the peers of the last network map until it is back", "control", s.cfg.ControlURL)
		case connected && lost != nil:
			s.controlLost.Store(nil)
			s.log.Info("coordination server reachable again", "down_for", time.Since(*lost).Round(time.Second).String())
		}
	}
}

// warmCert fetches the MagicDNS certificate once so the first HTTPS client
// does not wait for issuance.
func (s *Server) warmCert(bgCtx context.Context, lc *local.Client) {
	domain := s.DNSName()
	if domain == "" {
		s.log.Warn("no MagicDNS name; cannot fetch a certificate ahead of time")
		return
	}
	ctx, cancel := context.WithTimeout(bgCtx, s.cfg.CertTimeout)
	defer cancel()
	start := time.Now()
	if _, _, err := lc.CertPair(ctx, domain); err != nil {
		if bgCtx.Err() != nil {
			return // shutting down
		}
		s.log.Warn("fetching the HTTPS certificate failed; the first HTTPS request will retry", "domain", domain, "err", err)
		return
	}
	s.log.Info("HTTPS certificate ready", "domain", domain, "took", time.Since(start).Round(time.Millisecond).String())
}

// Shutdown stops accepting connections, lets in-flight requests finish
// (until ctx ends; then they are cut off), and closes the tailnet node. It is
// safe to call more than once, and after a failed Start. A Start in
// progress is waited for: cancel its context to make it return early.
func (s *Server) Shutdown(ctx context.Context) error {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	return s.teardown(ctx)
}

// teardown undoes whatever Start brought up. lifeMu must be held.
func (s *Server) teardown(ctx context.Context) error {
	s.mu.Lock()
	if s.shut {
		s.mu.Unlock()
		return nil
	}
	s.shut = true
	srv, svcSrv, svcLns, nodeStarted, bgCancel := s.httpSrv, s.svcSrv, s.svcLns, s.nodeStarted, s.bgCancel
	s.mu.Unlock()

	s.ready.Store(false)
	// Withdraw the Service advertisements first, so the tailnet sends new
	// callers to the other replicas while this one drains.
	for _, sl := range svcLns {
		if err := sl.Close(); err != nil {
			s.log.Warn("withdrawing a Service advertisement failed", "service", sl.Addr().String(), "err", err)
		}
	}
	var errs []error
	var drain sync.WaitGroup
	var errMu sync.Mutex
	for _, srv := range []*http.Server{srv, svcSrv} {
		if srv == nil {
			continue
		}
		drain.Go(func() {
			if err := srv.Shutdown(ctx); err != nil {
				errMu.Lock()
				errs = append(errs, fmt.Errorf("tailnet: drain in-flight requests: %w", err))
				errMu.Unlock()
				srv.Close()
			}
		})
	}
	drain.Wait()
	if bgCancel != nil {
		bgCancel()
	}
	s.wg.Wait()
	if nodeStarted {
		if err := s.ts.Close(); err != nil {
			errs = append(errs, fmt.Errorf("tailnet: close node: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Ready reports whether the node is running on the tailnet and serving.
func (s *Server) Ready() bool { return s.ready.Load() }

// WhoIs identifies the tailnet peer behind remoteAddr ("ip:port"). It is
// what access.Config.WhoIs wants. It fails before Start and for addresses
// that are not tailnet peers.
func (s *Server) WhoIs(ctx context.Context, remoteAddr string) (*apitype.WhoIsResponse, error) {
	lc, err := s.localClient()
	if err != nil {
		return nil, err
	}
	return lc.WhoIs(ctx, remoteAddr)
}

// localClient returns the node's in-process LocalAPI client (no socket). It
// fails before Start.
func (s *Server) localClient() (*local.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lc == nil || s.shut {
		return nil, errors.New("tailnet: node is not running")
	}
	return s.lc, nil
}

// DNSName returns the node's MagicDNS name without the trailing dot
// ("tsheadroom.example.ts.net"), or "" before Start or without MagicDNS.
func (s *Server) DNSName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status == nil || s.status.Self == nil {
		return ""
	}
	return strings.TrimSuffix(s.status.Self.DNSName, ".")
}

// tailscaleIPs returns the node's tailnet addresses, or nil before Start.
func (s *Server) tailscaleIPs() []netip.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status == nil {
		return nil
	}
	return append([]netip.Addr(nil), s.status.TailscaleIPs...)
}

// URLs returns the base URLs the handler is served at on the tailnet:
// http://<MagicDNS name>, plus https://<MagicDNS name> when HTTPS is on.
// Without MagicDNS the first tailnet IP stands in for the name.
func (s *Server) URLs() []string {
	host := s.DNSName()
	if host == "" {
		ips := s.tailscaleIPs()
		if len(ips) == 0 {
			return nil
		}
		host = ips[0].String()
	}
	return s.baseURLs(host)
}

// baseURLs are the URLs the node serves host at: plain HTTP on Addr, and
// HTTPS with Config.HTTPS.
func (s *Server) baseURLs(host string) []string {
	plain := "http://" + host
	if s.cfg.Addr != ":80" {
		plain += s.cfg.Addr
	}
	urls := []string{plain}
	if s.cfg.HTTPS {
		urls = append(urls, "https://"+host)
	}
	return urls
}

// ServiceURLs returns the base URLs of a hosted Service ("svc:NAME"):
// http://NAME.<tailnet>, plus https:// with HTTPS. Nil before Start or for
// a Service not in Config.Services.
func (s *Server) ServiceURLs(name string) []string {
	s.mu.Lock()
	fqdn := s.svcFQDNs[name]
	s.mu.Unlock()
	if fqdn == "" {
		return nil
	}
	return s.baseURLs(fqdn)
}

// Status reports what the node sees of the tailnet now: whether it runs,
// whether the coordination server is reachable, and whether each Service
// is approved. ctx bounds the LocalAPI query for the approvals.
func (s *Server) Status(ctx context.Context) Status {
	st := Status{Running: s.Ready()}
	if lost := s.controlLost.Load(); lost != nil {
		st.ControlLostAt = *lost
	}
	s.mu.Lock()
	lc, started, fqdns := s.lc, s.nodeStarted && !s.shut, s.svcFQDNs
	s.mu.Unlock()
	if started {
		st.ControlConnected = s.ts.Sys().HealthTracker.Get().GetInPollNetMap()
	}
	var hosted tailcfg.ServiceIPMappings
	if lc != nil && started && len(s.cfg.Services) > 0 {
		if self, err := lc.StatusWithoutPeers(ctx); err == nil && self.Self != nil {
			if m, err := tailcfg.UnmarshalNodeCapJSON[tailcfg.ServiceIPMappings](self.Self.CapMap, tailcfg.NodeAttrServiceHost); err == nil && len(m) > 0 {
				hosted = m[0]
			}
		}
	}
	for _, name := range s.cfg.Services {
		vips := hosted[tailcfg.ServiceName(name)]
		st.Services = append(st.Services, ServiceStatus{
			Name:     name,
			FQDN:     fqdns[name],
			Approved: len(vips) > 0,
			VIPs:     slices.Clone(vips),
		})
	}
	return st
}

// checkHandler refuses what must not be served: no handler, or the
// process-wide default mux, where imported packages register debug routes.
func checkHandler(h http.Handler) error {
	if h == nil {
		return errors.New("a handler is required")
	}
	if mux, ok := h.(*http.ServeMux); ok && mux == http.DefaultServeMux {
		return errors.New("refusing to serve http.DefaultServeMux (tsnet registers debug handlers on it); pass a dedicated mux")
	}
	return nil
}
