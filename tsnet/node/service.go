package node

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/pires/go-proxyproto"
	"tailscale.com/net/tsaddr"
	"tailscale.com/tailcfg"
	"tailscale.com/tsnet"
)

// proxyHeaderTimeout bounds how long a forwarded Service connection may
// take to deliver its PROXY header; tsnet writes it before any byte of the
// caller's.
const proxyHeaderTimeout = 5 * time.Second

// CheckServiceName accepts a Tailscale Service name as tsnet.ListenService
// wants it: "svc:" and a DNS label.
func CheckServiceName(name string) error {
	if !strings.HasPrefix(name, "svc:") {
		return fmt.Errorf("tailnet: service %q: want svc:NAME", name)
	}
	if err := tailcfg.ServiceName(name).Validate(); err != nil {
		return fmt.Errorf("tailnet: service %q: %w", name, err)
	}
	return nil
}

// servicePorts are the ports a Service host advertises: the node's plain
// HTTP port (Config.Addr), and 443 with HTTPS. Every host of a Service must
// advertise all of its ports, so every replica runs with the same -addr
// and -https.
func servicePorts(addr string, https bool) []uint16 {
	_, p, _ := net.SplitHostPort(addr)
	plain, _ := strconv.ParseUint(p, 10, 16)
	if https && plain != 443 {
		return []uint16{uint16(plain), 443}
	}
	return []uint16{uint16(plain)}
}

// listenService advertises name on port and returns the listener tsnet
// forwards its connections to. Connections arrive over loopback as plain
// TCP (tsnet terminates TLS on 443) with a PROXY protocol v2 header naming
// the caller's tailnet address, so WhoIs identifies the real caller, never
// the Service's VIP.
func (s *Server) listenService(name string, port uint16) (net.Listener, *tsnet.ServiceListener, error) {
	sl, err := s.ts.ListenService(name, tsnet.ServiceModeTCP{
		Port:                 port,
		TerminateTLS:         port == 443 && s.cfg.HTTPS,
		PROXYProtocolVersion: 2,
	})
	if errors.Is(err, tsnet.ErrUntaggedServiceHost) {
		return nil, nil, fmt.Errorf("tailnet: host service %s: the node must be tagged (set -advertise-tags, e.g. tag:tsheadroom, and let that tag host the service in the policy's autoApprovers): %w", name, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("tailnet: host service %s on port %d: %w", name, port, err)
	}
	return newProxyListener(sl, name, s.log), sl, nil
}

// newProxyListener reads the PROXY header tsnet's Service forwarder sends
// first on each connection and makes it the connection's RemoteAddr. The
// header is believed only from a socket of this process (see
// ownPeerSocket) and only when it names a tailnet address; any other
// connection is closed before a byte of it is read as HTTP.
func newProxyListener(ln net.Listener, service string, log *slog.Logger) net.Listener {
	return &proxyproto.Listener{
		Listener: ln,
		ConnPolicy: func(o proxyproto.ConnPolicyOptions) (proxyproto.Policy, error) {
			if err := checkForwarder(o.Upstream, o.Downstream); err != nil {
				log.Warn("refused a connection on the service listener that tsnet did not forward",
					"service", service, "from", o.Upstream.String(), "err", err)
				return proxyproto.REJECT, fmt.Errorf("%w: %v", proxyproto.ErrInvalidUpstream, err)
			}
			return proxyproto.REQUIRE, nil
		},
		ValidateHeader: func(h *proxyproto.Header) error {
			src, _, ok := h.TCPAddrs()
			if !ok {
				return errors.New("PROXY header without TCP addresses")
			}
			ap := src.AddrPort()
			if ip := ap.Addr().Unmap(); !tsaddr.IsTailscaleIP(ip) {
				return fmt.Errorf("PROXY header names %s, not a tailnet address", ip)
			}
			return nil
		},
		ReadHeaderTimeout: proxyHeaderTimeout,
	}
}

// checkForwarder verifies that a connection on a Service listener comes
// from this process: the listener is on loopback, where other local
// programs could reach it too.
func checkForwarder(upstream, downstream net.Addr) error {
	up, err1 := netip.ParseAddrPort(upstream.String())
	down, err2 := netip.ParseAddrPort(downstream.String())
	if err1 != nil || err2 != nil {
		return fmt.Errorf("unparsable addresses %v -> %v", upstream, downstream)
	}
	if !up.Addr().Unmap().IsLoopback() {
		return fmt.Errorf("%v is not loopback", up.Addr())
	}
	mine, err := ownPeerSocket(up, down)
	if err != nil {
		return fmt.Errorf("look up the connecting socket: %w", err)
	}
	if !mine {
		return errors.New("the connecting socket belongs to another process")
	}
	return nil
}

// ServiceStatus is what the node knows of one Service it hosts.
type ServiceStatus struct {
	// Name is the Service ("svc:hook"); FQDN its MagicDNS name
	// ("hook.example.ts.net").
	Name, FQDN string
	// Approved is true once the coordination server has made this node a
	// host of the Service and given it the Service's addresses (VIPs).
	// Until then the node advertises it and peers cannot reach it there.
	Approved bool
	VIPs     []netip.Addr
}

// Status is the node's view of the tailnet, for readiness reports.
type Status struct {
	// Running is true while the node is up and serving.
	Running bool
	// ControlConnected is true while the node holds a live map session
	// with the coordination server. Without one it keeps serving the
	// peers of the last network map it received.
	ControlConnected bool
	// ControlLostAt is when the node last lost that session, zero if it
	// never did or holds one now.
	ControlLostAt time.Time
	// Services are the Services given in Config.Services.
	Services []ServiceStatus
}
