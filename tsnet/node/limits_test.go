package node_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tailscale.com/ipn/store/mem"

	"github.com/tsheadroom/tsheadroom/internal/firstbyte"
	"github.com/tsheadroom/tsheadroom/internal/logtest"
	"github.com/tsheadroom/tsheadroom/tsnet/node"
)

// TestListenerLimits: on a real tsnet node, every listener (the node's
// HTTP and HTTPS, and its Service's) bounds what a caller can hold: the
// connections together are capped (the rest wait and are served once one
// closes), a body that does not arrive is cut off at the read deadline, a
// reply that is not read is cut off at the write deadline, and each
// request carries the time its first byte arrived.
func TestListenerLimits(t *testing.T) {
	ctx := testContext(t)
	const svc = "svc:limits"
	tailnet.MustAutoApproveService(t, svc, serviceTag)
	peer := tailnet.MustAddNode(t, ctx, "limits-peer", "tag:aperture")

	var entered atomic.Int32
	release := make(chan struct{})
	releaseAll := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseAll)
	writeErr := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /block", func(w http.ResponseWriter, r *http.Request) {
		entered.Add(1)
		<-release
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /first", func(w http.ResponseWriter, r *http.Request) {
		at, ok := firstbyte.From(r.Context())
		fmt.Fprintf(w, "%v %d", ok, at.UnixNano())
	})
	mux.HandleFunc("POST /read", func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		var ne net.Error // gVisor's deadline error is not os.ErrDeadlineExceeded
		fmt.Fprint(w, errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout())
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 1<<20)
		for range 256 {
			if _, err := w.Write(chunk); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	})
	log, _ := logtest.New(t)
	const maxConns = 3
	s, err := node.New(node.Config{
		Hostname: "limits", Dir: t.TempDir(), ControlURL: tailnet.ControlURL(),
		Store: new(mem.Store), Ephemeral: true, AdvertiseTags: []string{serviceTag},
		HTTPS: true, Services: []string{svc}, ServiceHandler: mux,
		Logger: log, AfterUp: tailnet.Prepare,
		// The reply to a cut-off read fits in the write deadline.
		Limits: node.Limits{MaxConns: maxConns, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 2 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx, mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	host := s.DNSName()
	dial := func(t *testing.T, port string) net.Conn {
		t.Helper()
		c, err := peer.Server.Dial(ctx, "tcp", host+":"+port)
		if err != nil {
			t.Fatal(err)
		}
		if port == "443" {
			// The handshake runs on first use: it needs the connection
			// accepted, which the cap may hold back.
			c = tls.Client(c, &tls.Config{ServerName: host, RootCAs: tailnet.CertPool()})
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	t.Run("first byte", func(t *testing.T) {
		for _, port := range []string{"80", "443"} {
			sent := time.Now() // over TLS the handshake is the first byte
			c := dial(t, port)
			br := bufio.NewReader(c)
			io.WriteString(c, "GET /first HTTP/1.1\r\nHo")
			time.Sleep(200 * time.Millisecond) // the rest of the headers come later
			rest := time.Now()
			io.WriteString(c, "st: x\r\n\r\n")
			first := firstOf(t, br)
			got := time.Now()
			if first.Before(sent) || !first.Before(rest) {
				t.Errorf(":%s: first byte %v after the dial, %v before the rest of the headers", port, first.Sub(sent), rest.Sub(first))
			}
			// The next request on the connection starts after the reply.
			io.WriteString(c, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
			if next := firstOf(t, br); !next.After(got) {
				t.Errorf(":%s: second request's first byte %v before the first reply was read", port, got.Sub(next))
			}
			c.Close()
		}
		// The Service's listeners do the same.
		hc := peer.HTTPClient()
		body := waitGet(t, ctx, hc, "http://"+tailnet.FQDNOfService(svc)+"/first")
		hc.CloseIdleConnections() // an idle keep-alive holds a slot too
		if !strings.HasPrefix(body, "true ") {
			t.Errorf("Service request carries no first-byte time: %q", body)
		}
	})

	t.Run("connections capped", func(t *testing.T) {
		// Past the cap a connection waits to be accepted; tsnet itself
		// closes one that waits more than a second, so a caller past the
		// cap is either served once a slot frees or hung up on, never let
		// in beside the others.
		const callers = maxConns + 2
		var wg sync.WaitGroup
		var served, hungUp atomic.Int32
		for i := range callers {
			port := []string{"80", "443"}[i%2]
			c := dial(t, port) // connected: the cap holds the accept, not the dial
			wg.Go(func() {
				io.WriteString(c, "GET /block HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
				res, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					hungUp.Add(1)
					return
				}
				res.Body.Close()
				if res.StatusCode == 200 {
					served.Add(1)
				}
			})
		}
		waitFor(t, ctx, "the first requests in", func() bool { return entered.Load() == maxConns })
		time.Sleep(300 * time.Millisecond) // room for a request past the cap to get in, if it could
		if n := entered.Load(); n != maxConns {
			t.Errorf("%d requests in with a cap of %d connections", n, maxConns)
		}
		releaseAll()
		wg.Wait()
		t.Logf("%d callers, cap %d: %d served, %d hung up on while waiting", callers, maxConns, served.Load(), hungUp.Load())
		if s, h := served.Load(), hungUp.Load(); s < maxConns || s+h != callers || s != entered.Load() {
			t.Errorf("%d served (%d entered), %d hung up on, of %d callers", s, entered.Load(), h, callers)
		}
		// Once they are gone a new caller is served at once.
		hc := peer.HTTPClient()
		if code, body := do(t, ctx, hc, "GET", "http://"+host+"/block"); code != 200 || body != "ok" {
			t.Errorf("after the cap freed: %d %q", code, body)
		}
		hc.CloseIdleConnections()
	})

	t.Run("body read deadline", func(t *testing.T) {
		c := dial(t, "80")
		io.WriteString(c, "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab") // and never the rest
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		if string(b) != "true" {
			t.Errorf("handler's read ended with %q, want a deadline error", b)
		}
	})

	t.Run("reply not read", func(t *testing.T) {
		c := dial(t, "80")
		io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
		select {
		case err := <-writeErr:
			if err == nil {
				t.Error("256 MiB written to a caller that reads nothing")
			}
		case <-ctx.Done():
			t.Fatal("handler still writing to a caller that reads nothing")
		}
	})
}

// firstOf reads a /first reply and returns the time it reports.
func firstOf(t *testing.T, br *bufio.Reader) time.Time {
	t.Helper()
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	ok, ns, _ := strings.Cut(string(b), " ")
	n, err := strconv.ParseInt(ns, 10, 64)
	if ok != "true" || err != nil {
		t.Fatalf("no first-byte time: %q", b)
	}
	return time.Unix(0, n)
}
