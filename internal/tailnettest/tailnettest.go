// Package tailnettest runs a real, private tailnet inside a test process: the
// in-process control server from tailscale.com (testcontrol), a DERP relay
// and a STUN server on 127.0.0.1, and tsnet nodes with chosen tags and app
// capabilities. Nothing leaves the loopback interface.
//
// It is test support only (it links tailscale.com's test packages and its
// certificate authority is trusted by nobody else). It does not know
// tsheadroom's packages: the service under test is any tailscale.com/tsnet
// server pointed at ControlURL with Prepare as its after-up hook.
//
// Typical use, once per test package:
//
//	var tailnet *tailnettest.Tailnet
//
//	func TestMain(m *testing.M) { os.Exit(tailnettest.Main(m, tailnettest.Options{}, &tailnet)) }
//
// then, in a test: the service node is configured with ControlURL:
// tailnet.ControlURL(), Store: new(mem.Store), Ephemeral: true and, as its
// after-up hook, tailnet.Prepare (test certificates and a DERP wait); peers
// come from tailnet.AddNode; tailnet.SetAppCaps grants or revokes app
// capabilities while everything runs; tailnet.AutoApproveService approves
// Tailscale Services for tags and fails them over between hosts (see
// services.go for what is modelled); tailnet.StopControl and StartControl
// stage a coordination-server outage.
package tailnettest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tailscale.com/client/tailscale/apitype"
	"tailscale.com/derp/derpserver"
	"tailscale.com/envknob"
	"tailscale.com/ipn/store/mem"
	"tailscale.com/net/netns"
	"tailscale.com/net/stunserver"
	"tailscale.com/tailcfg"
	"tailscale.com/tsnet"
	"tailscale.com/tstest/integration/testcontrol"
	"tailscale.com/types/key"
)

// DefaultMagicDNSDomain is the tailnet's MagicDNS suffix unless
// Options.MagicDNSDomain says otherwise.
const DefaultMagicDNSDomain = "tail-scale.ts.net"

// grantFilterKey names the packet-filter chunk that carries the harness's
// app-capability grants, next to the control server's own "base" chunk.
const grantFilterKey = "tailnettest-app-grants"

// ApplyProcessSettings sets the process-wide knobs a loopback tailnet needs:
// no port mapping, no contact with Tailscale's real control plane (panic
// instead), only loopback endpoints, and no network-namespace tricks. It is
// idempotent; Main and New call it.
func ApplyProcessSettings() {
	envknob.Setenv("TS_DISABLE_PORTMAPPER", "1")
	envknob.Setenv("TS_PANIC_IF_HIT_MAIN_CONTROL", "1")
	envknob.Setenv("TS_DEBUG_OMIT_LOCAL_ADDRS", "1")
	netns.SetEnabled(false)
}

// Options configures a Tailnet. The zero value is ready to use.
type Options struct {
	// MagicDNSDomain is the MagicDNS suffix; empty means
	// DefaultMagicDNSDomain. Nodes are <hostname>.<MagicDNSDomain>.
	MagicDNSDomain string

	// TagOwners is passed to the control server. Any non-nil map (the
	// default is an empty one) lets nodes take the tags they advertise at
	// registration; the owners only matter for later re-tagging.
	TagOwners map[string][]string

	// RequireAuth makes new nodes without an auth key wait for an
	// interactive login (see CompleteAuth) instead of joining at once.
	RequireAuth bool

	// Logf receives control, DERP and node logs. Nil discards them.
	Logf func(format string, args ...any)
}

// Tailnet is a running private tailnet. Its methods are safe for concurrent
// use, but app-capability changes are tailnet-wide: tests that change them
// should not run in parallel with tests that depend on them.
type Tailnet struct {
	logf   func(format string, args ...any)
	domain string
	dir    string // parent of node state dirs

	control   *testcontrol.Server
	controlHS *httptest.Server
	conns     *trackingListener

	derp       *derpserver.Server
	derpHS     *httptest.Server
	stunCancel context.CancelFunc

	ca *certAuthority

	mu     sync.Mutex
	grants map[netip.Addr]grant // by the source node's IPv4 address
	nodes  []*Node
	seq    int

	svcMu   sync.Mutex    // guards svc
	applyMu sync.Mutex    // serialises applyServices
	svc     *serviceState // Tailscale Services (services.go)
}

type grant struct {
	srcs []netip.Addr
	caps tailcfg.PeerCapMap
}

// New starts DERP, STUN and the control server on 127.0.0.1. Close stops
// them and every node AddNode started.
func New(opts Options) (_ *Tailnet, err error) {
	ApplyProcessSettings()
	tn := &Tailnet{
		logf:   opts.Logf,
		domain: opts.MagicDNSDomain,
		grants: map[netip.Addr]grant{},
		svc:    newServiceState(),
	}
	if tn.logf == nil {
		tn.logf = func(string, ...any) {}
	}
	if tn.domain == "" {
		tn.domain = DefaultMagicDNSDomain
	}
	defer func() {
		if err != nil {
			tn.Close()
		}
	}()
	if tn.dir, err = os.MkdirTemp("", "tailnettest-"); err != nil {
		return nil, fmt.Errorf("tailnettest: temp dir: %w", err)
	}
	if tn.ca, err = newCertAuthority(); err != nil {
		return nil, err
	}
	derpMap, err := tn.startDERPAndSTUN()
	if err != nil {
		return nil, err
	}
	tagOwners := opts.TagOwners
	if tagOwners == nil {
		tagOwners = map[string][]string{}
	}
	tn.control = &testcontrol.Server{
		DERPMap:                derpMap,
		DNSConfig:              &tailcfg.DNSConfig{Proxied: true},
		MagicDNSDomain:         tn.domain,
		TagOwners:              tagOwners,
		RequireAuth:            opts.RequireAuth,
		Logf:                   tn.logf,
		ModifyFirstMapResponse: tn.addGrants,
		HoldMapRequest:         tn.holdMapRequest,
	}
	tn.controlHS = httptest.NewUnstartedServer(tn.control)
	tn.conns = &trackingListener{Listener: tn.controlHS.Listener, conns: map[*trackedConn]struct{}{}}
	tn.controlHS.Listener = tn.conns
	tn.controlHS.Config.ErrorLog = log.New(logfWriter(tn.logf), "control: ", 0)
	tn.control.HTTPTestServer = tn.controlHS
	tn.controlHS.Start()
	return tn, nil
}

func (tn *Tailnet) startDERPAndSTUN() (*tailcfg.DERPMap, error) {
	tn.derp = derpserver.New(key.NewNode(), tn.logf)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tailnettest: DERP listener: %w", err)
	}
	tn.derpHS = httptest.NewUnstartedServer(derpserver.Handler(tn.derp))
	tn.derpHS.Listener.Close()
	tn.derpHS.Listener = ln
	tn.derpHS.Config.ErrorLog = log.New(logfWriter(tn.logf), "derp: ", 0)
	// DERP speaks HTTP/1.1 upgrades only.
	tn.derpHS.Config.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	tn.derpHS.StartTLS()

	ctx, cancel := context.WithCancel(context.Background())
	tn.stunCancel = cancel
	stun := stunserver.New(ctx)
	if err := stun.Listen("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("tailnettest: STUN listener: %w", err)
	}
	go stun.Serve()
	stunPort := stun.LocalAddr().(*net.UDPAddr).Port
	derpPort := ln.Addr().(*net.TCPAddr).Port
	return &tailcfg.DERPMap{
		Regions: map[int]*tailcfg.DERPRegion{
			1: {
				RegionID:   1,
				RegionCode: "test",
				Nodes: []*tailcfg.DERPNode{{
					Name:             "t1",
					RegionID:         1,
					HostName:         "127.0.0.1",
					IPv4:             "127.0.0.1",
					IPv6:             "none",
					STUNPort:         stunPort,
					DERPPort:         derpPort,
					InsecureForTests: true,
					STUNTestIP:       "127.0.0.1",
				}},
			},
		},
	}, nil
}

// Main is a TestMain body: it applies the process settings, starts one
// Tailnet for the whole test binary and stores it in *out, runs the tests,
// closes the tailnet and returns the exit code for os.Exit.
func Main(m *testing.M, opts Options, out **Tailnet) int {
	tn, err := New(opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "tailnettest: %v\n", err)
		return 1
	}
	*out = tn
	code := m.Run()
	if err := tn.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "tailnettest: close: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Context returns the context of one test's work on the tailnet: it ends
// with the test, or after d, so that a tailnet that never converges fails
// the test instead of hanging it until go test's own timeout.
func Context(tb testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(tb.Context(), d)
	tb.Cleanup(cancel)
	return ctx
}

// Close stops every node started by AddNode, then control, DERP and STUN,
// and removes the nodes' state. Nodes started elsewhere must be closed by
// their owners first. Close is idempotent.
func (tn *Tailnet) Close() error {
	tn.mu.Lock()
	nodes := tn.nodes
	tn.nodes = nil
	tn.mu.Unlock()
	var errs []error
	for _, n := range slices.Backward(nodes) {
		if err := n.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if tn.controlHS != nil {
		tn.conns.down.Store(false)
		tn.conns.release()
		tn.conns.closeAll()
		tn.controlHS.Close()
		tn.controlHS = nil
	}
	if tn.derpHS != nil {
		tn.derpHS.CloseClientConnections()
		tn.derpHS.Close()
		tn.derpHS = nil
	}
	if tn.derp != nil {
		tn.derp.Close()
		tn.derp = nil
	}
	if tn.stunCancel != nil {
		tn.stunCancel()
	}
	if tn.dir != "" {
		if err := os.RemoveAll(tn.dir); err != nil {
			errs = append(errs, err)
		}
		tn.dir = ""
	}
	return errors.Join(errs...)
}

// StopControl takes the coordination server off the network, as an outage
// would: every node's control connection is dropped and new ones are held
// unanswered, until StartControl. DERP and STUN
// keep running, so nodes keep talking to the peers they know. The harness
// makes no Service decisions meanwhile.
func (tn *Tailnet) StopControl() {
	tn.svcMu.Lock()
	tn.svc.controlOff = true
	tn.svcMu.Unlock()
	tn.conns.down.Store(true)
	tn.conns.closeAll()
}

// StartControl ends a StopControl outage: nodes reconnect with their
// usual backoff and fetch fresh netmaps.
func (tn *Tailnet) StartControl() {
	tn.conns.down.Store(false)
	tn.conns.release()
	tn.svcMu.Lock()
	tn.svc.controlOff = false
	tn.svcMu.Unlock()
	time.AfterFunc(serviceOfflineGrace, tn.applyServices)
}

// ControlURL is the control server's base URL, for tsnet's ControlURL.
func (tn *Tailnet) ControlURL() string { return tn.control.BaseURL() }

// Control exposes the control server for what this package does not wrap.
func (tn *Tailnet) Control() *testcontrol.Server { return tn.control }

// MagicDNSDomain is the tailnet's MagicDNS suffix.
func (tn *Tailnet) MagicDNSDomain() string { return tn.domain }

// FQDN returns hostname's MagicDNS name, e.g. "svc.tail-scale.ts.net".
func (tn *Tailnet) FQDN(hostname string) string { return hostname + "." + tn.domain }

// CompleteAuth approves an interactive login URL shown by a node when
// Options.RequireAuth is set. It reports whether the URL was known.
func (tn *Tailnet) CompleteAuth(authURL string) bool { return tn.control.CompleteAuth(authURL) }

// Prepare readies a tsnet server that is already up for tests: its
// certificate requests are answered by the harness's certificate authority
// (so HTTPS works offline; see CertPool), and it returns once the node is
// connected to its home DERP region and every open node started by AddNode
// knows that region. Before that, a peer's first packets to it can be
// dropped and its first request stalls for WireGuard's 5 s handshake retry.
// Its signature fits an after-up hook.
func (tn *Tailnet) Prepare(ctx context.Context, s *tsnet.Server) error {
	tsnet.TestHooks.LocalBackend(s).ForTest().ConfigureCerts(tn.ca.issue)
	if err := waitHomeDERP(ctx, s); err != nil {
		return err
	}
	return tn.waitKnownByPeers(ctx, s)
}

// waitKnownByPeers blocks until every open harness node other than s has a
// DERP route to s.
func (tn *Tailnet) waitKnownByPeers(ctx context.Context, s *tsnet.Server) error {
	lc, err := s.LocalClient()
	if err != nil {
		return fmt.Errorf("tailnettest: local client: %w", err)
	}
	st, err := lc.StatusWithoutPeers(ctx)
	if err != nil || st.Self == nil {
		return fmt.Errorf("tailnettest: own status: %v", err)
	}
	self := st.Self.PublicKey
	tn.mu.Lock()
	nodes := slices.Clone(tn.nodes)
	tn.mu.Unlock()
	for _, n := range nodes {
		if n.Server == s || n.closed.Load() {
			continue
		}
		for {
			nlc, err := n.Server.LocalClient()
			if err != nil {
				break // node is gone
			}
			pst, err := nlc.Status(ctx)
			if err != nil && ctx.Err() == nil {
				break // node is gone
			}
			if err == nil {
				if ps := pst.Peer[self]; ps != nil && ps.Relay != "" {
					break
				}
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("tailnettest: waiting for %s to learn the new node's DERP home: %w", n.Hostname, ctx.Err())
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	return nil
}

// waitHomeDERP blocks until s has picked a home DERP region and heard from it.
func waitHomeDERP(ctx context.Context, s *tsnet.Server) error {
	h := s.Sys().HealthTracker.Get()
	ms := s.Sys().MagicSock.Get()
	for {
		if r := ms.GetLastNetcheckReport(ctx); r != nil && r.PreferredDERP != 0 &&
			!h.GetDERPRegionReceivedTime(r.PreferredDERP).IsZero() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("tailnettest: waiting for home DERP connection: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// NodeOptions describes a peer node.
type NodeOptions struct {
	// Hostname is the device name; required, unique per tailnet.
	Hostname string
	// Tags are advertised at registration ("tag:aperture"); empty means a
	// user-owned device, whose identity is its LoginName.
	Tags []string
}

// Node is a peer on the tailnet, driven by the test.
type Node struct {
	// Server is the node itself.
	Server *tsnet.Server
	// Hostname and FQDN are its device and MagicDNS names.
	Hostname, FQDN string
	// IP4 and IP6 are its tailnet addresses.
	IP4, IP6 netip.Addr
	// Tags are its ACL tags (empty for user devices).
	Tags []string
	// LoginName is the owning user's login (meaningful for untagged nodes).
	LoginName string

	ca     *certAuthority
	closed atomic.Bool
}

// AddNode starts an ephemeral node, waits until it is running and connected
// to DERP, and returns it. Tailnet.Close closes it if the test does not.
func (tn *Tailnet) AddNode(ctx context.Context, opts NodeOptions) (*Node, error) {
	if opts.Hostname == "" {
		return nil, errors.New("tailnettest: NodeOptions.Hostname is required")
	}
	tn.mu.Lock()
	tn.seq++
	dir := filepath.Join(tn.dir, opts.Hostname+"-"+strconv.Itoa(tn.seq))
	tn.mu.Unlock()
	s := &tsnet.Server{
		Dir:           dir,
		Hostname:      opts.Hostname,
		ControlURL:    tn.ControlURL(),
		Store:         new(mem.Store),
		Ephemeral:     true,
		AdvertiseTags: slices.Clone(opts.Tags),
		UserLogf:      tn.logf,
		Logf:          tn.logf,
	}
	if err := s.Start(); err != nil {
		return nil, fmt.Errorf("tailnettest: start node %s: %w", opts.Hostname, err)
	}
	st, err := s.Up(ctx)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("tailnettest: node %s up: %w", opts.Hostname, err)
	}
	if err := tn.Prepare(ctx, s); err != nil {
		s.Close()
		return nil, fmt.Errorf("tailnettest: node %s: %w", opts.Hostname, err)
	}
	n := &Node{Server: s, Hostname: opts.Hostname, FQDN: tn.FQDN(opts.Hostname), ca: tn.ca}
	for _, ip := range st.TailscaleIPs {
		if ip.Is4() {
			n.IP4 = ip
		} else {
			n.IP6 = ip
		}
	}
	if st.Self != nil {
		if st.Self.Tags != nil {
			n.Tags = st.Self.Tags.AsSlice()
		}
		if u, ok := st.User[st.Self.UserID]; ok {
			n.LoginName = u.LoginName
		}
	}
	if !n.IP4.IsValid() {
		s.Close()
		return nil, fmt.Errorf("tailnettest: node %s has no IPv4 address", opts.Hostname)
	}
	tn.mu.Lock()
	tn.nodes = append(tn.nodes, n)
	tn.mu.Unlock()
	return n, nil
}

// MustAddNode is AddNode for tests: it fails t when the node does not come
// up and closes the node when t ends.
func (tn *Tailnet) MustAddNode(t testing.TB, ctx context.Context, hostname string, tags ...string) *Node {
	t.Helper()
	n, err := tn.AddNode(ctx, NodeOptions{Hostname: hostname, Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// HTTPClient returns a client whose connections leave from this node over
// the tailnet (MagicDNS names resolve) and which trusts the harness's
// certificate authority for HTTPS.
func (n *Node) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:     n.Server.Dial,
		TLSClientConfig: &tls.Config{RootCAs: n.ca.pool()},
	}}
}

// SOCKS5 starts the node's loopback SOCKS5 proxy onto the tailnet and
// returns its URL ("socks5h://tsnet:<cred>@127.0.0.1:<port>"), for tools
// such as curl -x. It opens a TCP listener on 127.0.0.1.
func (n *Node) SOCKS5() (string, error) {
	addr, cred, _, err := n.Server.Loopback()
	if err != nil {
		return "", fmt.Errorf("tailnettest: node %s loopback: %w", n.Hostname, err)
	}
	return "socks5h://tsnet:" + cred + "@" + addr, nil
}

// WhoIs asks this node who is behind remoteAddr ("ip" or "ip:port").
func (n *Node) WhoIs(ctx context.Context, remoteAddr string) (*apitype.WhoIsResponse, error) {
	lc, err := n.Server.LocalClient()
	if err != nil {
		return nil, err
	}
	return lc.WhoIs(ctx, remoteAddr)
}

// Close takes the node off the tailnet.
func (n *Node) Close() error {
	n.closed.Store(true)
	return n.Server.Close()
}

// WhoIser is anything that can identify a peer the way a service node does;
// tsheadroom's node.Server and Node both qualify.
type WhoIser interface {
	WhoIs(ctx context.Context, remoteAddr string) (*apitype.WhoIsResponse, error)
}

// SetAppCaps replaces the app capabilities granted to src, as a tailnet
// policy grant {"src": [src], "dst": ["*"], "app": caps} would. Each value is
// marshalled to JSON (pass maps, structs or json.RawMessage). An empty caps
// revokes everything granted to src.
//
// The change takes effect without restarting anything: the harness drops
// every node's control connection, and each node's reconnect delivers a
// fresh netmap with the new grants. SetAppCaps returns once every node in
// waitOn reports exactly the new values for src (for each capability name
// set now or before), or when ctx ends.
func (tn *Tailnet) SetAppCaps(ctx context.Context, src *Node, caps map[string][]any, waitOn ...WhoIser) error {
	want := tailcfg.PeerCapMap{}
	for name, vals := range caps {
		if name == "" {
			return errors.New("tailnettest: empty capability name")
		}
		raws := make([]tailcfg.RawMessage, 0, len(vals))
		for _, v := range vals {
			b, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("tailnettest: capability %s value: %w", name, err)
			}
			raws = append(raws, tailcfg.RawMessage(b))
		}
		want[tailcfg.PeerCapability(name)] = raws
	}
	tn.mu.Lock()
	old := tn.grants[src.IP4]
	names := slices.Collect(maps.Keys(old.caps))
	for name := range want {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	if len(want) == 0 {
		delete(tn.grants, src.IP4)
	} else {
		srcs := []netip.Addr{src.IP4}
		if src.IP6.IsValid() {
			srcs = append(srcs, src.IP6)
		}
		tn.grants[src.IP4] = grant{srcs: srcs, caps: want}
	}
	tn.mu.Unlock()

	tn.conns.closeAll()
	for _, w := range waitOn {
		if err := waitCaps(ctx, w, src, names, want); err != nil {
			return err
		}
	}
	return nil
}

// waitCaps polls w until its WhoIs for src shows want for every name.
func waitCaps(ctx context.Context, w WhoIser, src *Node, names []tailcfg.PeerCapability, want tailcfg.PeerCapMap) error {
	var last string
	for {
		who, err := w.WhoIs(ctx, src.IP4.String())
		if err == nil {
			match := true
			for _, name := range names {
				if !sameValues(who.CapMap[name], want[name]) {
					match = false
					last = fmt.Sprintf("%s=%s", name, who.CapMap[name])
					break
				}
			}
			if match {
				return nil
			}
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("tailnettest: app capabilities for %s did not propagate (last seen: %s): %w", src.Hostname, last, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// sameValues compares capability values as JSON, ignoring formatting (the
// values come back re-indented from the netmap).
func sameValues(a, b []tailcfg.RawMessage) bool {
	return slices.EqualFunc(a, b, func(x, y tailcfg.RawMessage) bool {
		var cx, cy bytes.Buffer
		return json.Compact(&cx, []byte(x)) == nil && json.Compact(&cy, []byte(y)) == nil &&
			bytes.Equal(cx.Bytes(), cy.Bytes())
	})
}

// addGrants is the control server's ModifyFirstMapResponse hook: the first
// netmap of every map stream carries the current grants as a named
// packet-filter chunk, which later (automatic) netmaps on the same stream
// leave in place because they only replace the "base" chunk.
func (tn *Tailnet) addGrants(res *tailcfg.MapResponse, _ *tailcfg.MapRequest) {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	if len(tn.grants) == 0 {
		return
	}
	var rules []tailcfg.FilterRule
	for _, ip := range slices.SortedFunc(maps.Keys(tn.grants), netip.Addr.Compare) {
		g := tn.grants[ip]
		var srcs []string
		for _, a := range g.srcs {
			srcs = append(srcs, a.String())
		}
		rules = append(rules, tailcfg.FilterRule{
			SrcIPs: srcs,
			CapGrant: []tailcfg.CapGrant{{
				Dsts:   []netip.Prefix{netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("fd7a:115c:a1e0::/48")},
				CapMap: maps.Clone(g.caps),
			}},
		})
	}
	if res.PacketFilters == nil {
		res.PacketFilters = map[string][]tailcfg.FilterRule{}
	}
	res.PacketFilters[grantFilterKey] = rules
}

// trackingListener remembers accepted connections, including ones the
// control server hijacks for its Noise protocol, so they can be dropped to
// make nodes fetch a fresh netmap.
type trackingListener struct {
	net.Listener
	down  atomic.Bool // StopControl: hold every new connection unanswered
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
	held  []net.Conn // accepted while down
}

// release closes the connections held during an outage, so their nodes
// retry at once.
func (l *trackingListener) release() {
	l.mu.Lock()
	held := l.held
	l.held = nil
	l.mu.Unlock()
	for _, c := range held {
		c.Close()
	}
}

type trackedConn struct {
	net.Conn
	l *trackingListener
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	for err == nil && l.down.Load() {
		// Hold it unanswered, as a partitioned server would: the node's
		// attempt hangs instead of failing fast and piling up backoff.
		l.mu.Lock()
		l.held = append(l.held, c)
		l.mu.Unlock()
		c, err = l.Listener.Accept()
	}
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

func (l *trackingListener) closeAll() {
	l.mu.Lock()
	conns := slices.Collect(maps.Keys(l.conns))
	clear(l.conns)
	l.mu.Unlock()
	for _, c := range conns {
		c.Conn.Close()
	}
}

// logfWriter adapts a printf-style logger for log.Logger.
type logfWriter func(format string, args ...any)

func (f logfWriter) Write(p []byte) (int, error) {
	f("%s", p)
	return len(p), nil
}

var _ io.Writer = logfWriter(nil)
