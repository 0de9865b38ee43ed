package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
)

// checkLoopback reports whether addr ("host:port") names a loopback address
// only. The host must be a literal loopback IP (127.0.0.0/8 or ::1) or
// "localhost"; an empty host, an unspecified address (0.0.0.0, ::) or any
// other name or IP is refused, because it could expose tsheadroom beyond
// this machine without the tailnet's identity checks.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("local address %q: want host:port on loopback, e.g. 127.0.0.1:8080: %w", addr, err)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("local address %q: bad port: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return fmt.Errorf("local address %q is not loopback: the local listener only accepts 127.0.0.1, ::1 or localhost (use the tailnet to reach tsheadroom from other machines)", addr)
	}
	return nil
}

// listenLoopback opens a TCP listener on a loopback address, refusing any
// address checkLoopback refuses. "localhost" is bound as 127.0.0.1 rather
// than resolved, so a misconfigured hosts file cannot widen it.
func listenLoopback(addr string) (net.Listener, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	if strings.EqualFold(host, "localhost") {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on local address %s: %w", addr, err)
	}
	// Belt and braces: the kernel picked the address; make sure it is what
	// we asked for.
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err != nil || !ap.Addr().Unmap().IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("listen on local address %s: bound %s, which is not loopback", addr, ln.Addr())
	}
	return ln, nil
}

// checkLocalAddr validates a local listener's address: loopback only
// unless AllowNonLoopback, and then any host:port.
func checkLocalAddr(cfg LocalConfig) error {
	if !cfg.AllowNonLoopback {
		return checkLoopback(cfg.Addr)
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return fmt.Errorf("local address %q: want host:port: %w", cfg.Addr, err)
	}
	return nil
}

// listenAny opens a TCP listener on addr, whatever its host.
func listenAny(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on local address %s: %w", addr, err)
	}
	return ln, nil
}

// LocalConfig configures a LocalServer.
type LocalConfig struct {
	// Addr is the loopback host:port to listen on (see checkLoopback).
	// Port 0 picks a free port; Addr() reports it. Required.
	Addr string

	// AllowNonLoopback lets Addr be any address, not only loopback: its
	// callers, who carry no identity, may then be on other machines. Start
	// logs a warning saying so. Only an explicit operator choice sets it.
	AllowNonLoopback bool

	// Logger receives serving errors. Nil discards them.
	Logger *slog.Logger

	// Limits bound the local listener's http.Server and its connections.
	Limits
}

// LocalServer serves a handler on a loopback address, for trying tsheadroom
// without a tailnet (the -local-addr flag). It knows nothing of identity:
// its callers have none on the tailnet, and the caller of Start decides
// what they may do (main wraps its mux with access.Loopback).
type LocalServer struct {
	cfg LocalConfig
	log *slog.Logger

	mu   sync.Mutex
	ln   net.Listener
	srv  *http.Server
	done chan struct{}
}

// NewLocal validates cfg (including that Addr is loopback) without
// listening yet.
func NewLocal(cfg LocalConfig) (*LocalServer, error) {
	if err := checkLocalAddr(cfg); err != nil {
		return nil, err
	}
	if cfg.ReadHeaderTimeout < 0 || cfg.ReadTimeout < 0 || cfg.WriteTimeout < 0 || cfg.IdleTimeout < 0 ||
		cfg.MaxHeaderBytes < 0 || cfg.MaxConns < 0 {
		return nil, errors.New("local server: timeouts, MaxHeaderBytes and MaxConns must not be negative")
	}
	cfg.Limits = cfg.Limits.withDefaults()
	return &LocalServer{cfg: cfg, log: orDiscard(cfg.Logger).With("component", "local")}, nil
}

// Start listens on the loopback address and serves h in the background.
// h is never http.DefaultServeMux (see Server.Start).
func (l *LocalServer) Start(h http.Handler) error {
	if err := checkHandler(h); err != nil {
		return fmt.Errorf("local server: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.srv != nil {
		return errors.New("local server: Start called twice")
	}
	listen := listenLoopback
	if l.cfg.AllowNonLoopback {
		listen = listenAny
	}
	ln, err := listen(l.cfg.Addr)
	if err != nil {
		return err
	}
	ln = limitListen(ln, newConnSlots(l.cfg.MaxConns))
	srv := newHTTPServer(h, l.cfg.Limits, l.log)
	l.ln, l.srv, l.done = ln, srv, make(chan struct{})
	go func() {
		defer close(l.done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			l.log.Error("local listener stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	if l.cfg.AllowNonLoopback && checkLoopback(l.cfg.Addr) != nil {
		l.log.Warn("SERVING WITHOUT IDENTITY ON A NON-LOOPBACK ADDRESS: anyone who can reach it may call the hook and read metrics, with no tailnet identity check",
			"addr", ln.Addr().String())
	} else {
		l.log.Warn("serving on a local loopback listener: its callers have no tailnet identity",
			"addr", ln.Addr().String())
	}
	return nil
}

// Addr returns the bound address, or nil before Start.
func (l *LocalServer) Addr() net.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln == nil {
		return nil
	}
	return l.ln.Addr()
}

// Shutdown stops accepting, lets in-flight requests finish until ctx ends,
// then cuts the rest off. Safe to call more than once or before Start.
func (l *LocalServer) Shutdown(ctx context.Context) error {
	l.mu.Lock()
	srv, done := l.srv, l.done
	l.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	if err != nil {
		srv.Close()
		err = fmt.Errorf("local server: drain in-flight requests: %w", err)
	}
	<-done
	return err
}
