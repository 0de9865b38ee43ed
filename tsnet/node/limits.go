package node

import (
	"cmp"
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/firstbyte"
)

// Defaults of the limits of every listener's HTTP server.
const (
	// DefaultReadTimeout bounds reading a whole request, body included, as
	// a backstop: handlers with a tighter budget (the hook) set their own
	// read deadline.
	DefaultReadTimeout = time.Minute
	// DefaultWriteTimeout bounds a request from its headers to the end of
	// its reply, so a caller that does not read a reply is hung up on. It
	// stays above pprof's default 30 s profile, which refuses to run past
	// the server's WriteTimeout.
	DefaultWriteTimeout = time.Minute
	// DefaultMaxConns caps the connections a server holds at once; past it
	// new connections wait to be accepted until one closes.
	DefaultMaxConns = 512
)

// Limits bound a server's http.Server and the connections its listeners
// hold. Config and LocalConfig both carry them, so that the tailnet and
// the local listener are bounded alike. A zero field means its Default*
// value.
type Limits struct {
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout and
	// MaxHeaderBytes configure the http.Server. ReadTimeout is a backstop:
	// a handler with a tighter budget sets its own read deadline (the hook
	// does).
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// MaxConns caps the connections the server's listeners hold together;
	// past it new connections wait to be accepted.
	MaxConns int
}

// withDefaults returns l with each zero field set to its Default* value.
// Every field is named here: TestLimitsWithDefaults fails on one that is
// not.
func (l Limits) withDefaults() Limits {
	return Limits{
		ReadHeaderTimeout: cmp.Or(l.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       cmp.Or(l.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      cmp.Or(l.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       cmp.Or(l.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    cmp.Or(l.MaxHeaderBytes, DefaultMaxHeaderBytes),
		MaxConns:          cmp.Or(l.MaxConns, DefaultMaxConns),
	}
}

// newHTTPServer is the http.Server used on every listener: bounded header
// and whole-request reads, replies and idle keep-alives, errors into the
// structured log, and each request's first-byte time in its context (see
// limitListener) for handlers that budget from it.
func newHTTPServer(h http.Handler, lim Limits, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           firstByteHandler(h),
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if tc := trackedOf(c); tc != nil {
				return context.WithValue(ctx, connKey{}, tc)
			}
			return ctx
		},
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

type connKey struct{}

// firstByteHandler gives each request the time its first byte arrived and
// rearms the connection for the next request once the handler is done.
func firstByteHandler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(*trackedConn); ok {
			if t, ok := c.First(); ok {
				r = r.WithContext(firstbyte.With(r.Context(), t))
			}
			defer c.Rearm()
		}
		h.ServeHTTP(w, r)
	})
}

// trackedOf finds the trackedConn under c (TLS wraps it).
func trackedOf(c net.Conn) *trackedConn {
	for c != nil {
		switch v := c.(type) {
		case *trackedConn:
			return v
		case interface{ NetConn() net.Conn }: // *tls.Conn
			c = v.NetConn()
		default:
			return nil
		}
	}
	return nil
}

// connSlots is a counting semaphore of connections shared by the listeners
// of one server.
type connSlots chan struct{}

func newConnSlots(n int) connSlots { return make(connSlots, n) }

// limitListener hands a connection to the server only when a slot is free
// (the others wait: one in each listener, the rest in the accept queue)
// and records the first-byte time of each request on it. It sits under TLS: the HTTP server must see the
// *tls.Conn itself.
type limitListener struct {
	net.Listener
	slots     connSlots
	done      chan struct{}
	closeOnce sync.Once
}

func limitListen(ln net.Listener, slots connSlots) net.Listener {
	return &limitListener{Listener: ln, slots: slots, done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	// Accept first, then wait for a slot: a slot taken before a
	// connection arrives would sit idle in every listener's pending
	// Accept. While this one waits, its listener accepts no more.
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		c.Close()
		return nil, net.ErrClosed
	}
	return &trackedConn{Conn: firstbyte.NewConn(c), release: sync.OnceFunc(func() { <-l.slots })}, nil
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// trackedConn holds a slot until it is closed.
type trackedConn struct {
	*firstbyte.Conn
	release func()
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
