// Package firstbyte carries, from the HTTP server to a handler, the time
// the first byte of a request arrived, so that a time budget can cover the
// whole request (headers and a slowly sent body included), not only what
// follows the handler's start.
//
// The server side wraps each connection with Conn and, for each request,
// puts Conn.First into the request's context with With and calls
// Conn.Rearm when the handler returns; a handler reads the time with From.
package firstbyte

import (
	"context"
	"net"
	"sync"
	"time"
)

// Conn records when the first byte of each request arrives: the first read
// that returns data after Rearm (or after the connection opened).
//
// HTTP/1.1 requests on a connection come one after another, so the server
// rearms once a reply is sent: the next byte read is the next request's
// first. A byte the server reads ahead while the previous reply is being
// written counts from the rearm instead, when the server can start on it.
type Conn struct {
	net.Conn
	mu    sync.Mutex
	first time.Time
	armed bool
}

// NewConn wraps c, armed.
func NewConn(c net.Conn) *Conn { return &Conn{Conn: c, armed: true} }

func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if c.armed {
			c.first, c.armed = time.Now(), false
		}
		c.mu.Unlock()
	}
	return n, err
}

// First returns the first-byte time of the request being served; ok is
// false when no byte was read since the connection was (re)armed.
func (c *Conn) First() (t time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.first, !c.armed
}

// Rearm makes the next byte read the first of the next request; call it
// once a request's handler has returned.
func (c *Conn) Rearm() {
	c.mu.Lock()
	c.armed = true
	c.mu.Unlock()
}

type key struct{}

// With returns ctx carrying t as its request's first-byte time.
func With(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, key{}, t)
}

// From returns the first-byte time ctx carries, if any.
func From(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(key{}).(time.Time)
	return t, ok
}
