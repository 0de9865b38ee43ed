package node_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
	"tailscale.com/ipn/store/mem"

	"github.com/tsheadroom/tsheadroom/internal/logtest"
	"github.com/tsheadroom/tsheadroom/internal/tailnettest"
	"github.com/tsheadroom/tsheadroom/tsnet/node"
)

// forgeHelperEnv makes the test binary, run as a child process, dial a
// loopback address and send a PROXY header naming a tailnet address: a
// local program trying to pass for a tailnet peer.
const forgeHelperEnv = "TSHEADROOM_NODE_FORGE_HELPER"

// runForgeHelper is the child's side: it prints what the listener
// answered, or "closed" when it hung up without an answer.
func runForgeHelper() {
	addr, src := os.Getenv(forgeHelperEnv), os.Getenv(forgeHelperEnv+"_SRC")
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		fmt.Println("dial:", err)
		os.Exit(1)
	}
	defer c.Close()
	h := proxyproto.HeaderProxyFromAddrs(2, net.TCPAddrFromAddrPort(netip.MustParseAddrPort(src)), c.RemoteAddr())
	h.WriteTo(c)
	io.WriteString(c, "GET /peer HTTP/1.0\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fmt.Println("closed")
		return
	}
	fmt.Println(strings.TrimSpace(line))
}

// startServiceNode starts a node that hosts svc, serving own on its name
// and svcMux on the Service.
func startServiceNode(t *testing.T, ctx context.Context, hostname, svc string, https bool, own, svcMux http.Handler) (*node.Server, *logtest.Buffer) {
	t.Helper()
	log, logs := logtest.New(t)
	s := startNode(t, ctx, node.Config{
		Hostname: hostname, AdvertiseTags: []string{serviceTag},
		HTTPS: https, Services: []string{svc}, ServiceHandler: svcMux,
		Logger: log,
	}, own)
	return s, logs
}

// waitGet retries GET url from c until it answers 200, and returns the
// body: a Service is reachable only once its approval reached the peers.
func waitGet(t *testing.T, ctx context.Context, c *http.Client, url string) string {
	t.Helper()
	return tailnettest.GetUntil(t, ctx, c, url, func(status int, _ string) bool { return status == 200 })
}

// TestServiceServe hosts a Tailscale Service: once approved, peers reach
// the Service handler at http(s)://NAME.<tailnet>/ while the node's own
// name keeps its own handler; the handler sees the caller's tailnet
// address (never the VIP, never loopback), which WhoIs resolves to the
// caller; Status reports the approval; and a local program that connects
// to the loopback socket tsnet forwards to, claiming a tailnet address in a
// PROXY header, is hung up on.
func TestServiceServe(t *testing.T) {
	ctx := testContext(t)
	const svc = "svc:hooksvc"
	tailnet.MustAutoApproveService(t, svc, serviceTag)
	aperture := tailnet.MustAddNode(t, ctx, "svc-aperture", "tag:aperture")
	before := listenSockets(t)

	own, viaSvc := http.NewServeMux(), http.NewServeMux()
	own.HandleFunc("GET /who", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "own") })
	var s *node.Server
	viaSvc.HandleFunc("GET /who", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "service") })
	viaSvc.HandleFunc("GET /peer", func(w http.ResponseWriter, r *http.Request) {
		who, err := s.WhoIs(r.Context(), r.RemoteAddr)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprintf(w, "%s %s", r.RemoteAddr, strings.TrimSuffix(who.Node.Name, "."))
	})
	s, logs := startServiceNode(t, ctx, "svchost", svc, true, own, viaSvc)

	fqdn := tailnet.FQDNOfService(svc)
	if got, want := s.ServiceURLs(svc), []string{"http://" + fqdn, "https://" + fqdn}; !slices.Equal(got, want) {
		t.Errorf("ServiceURLs = %v, want %v", got, want)
	}
	for _, scheme := range []string{"http", "https"} {
		if got := waitGet(t, ctx, aperture.HTTPClient(), scheme+"://"+fqdn+"/who"); got != "service" {
			t.Errorf("%s Service: %q", scheme, got)
		}
		got := waitGet(t, ctx, aperture.HTTPClient(), scheme+"://"+fqdn+"/peer")
		addr, name, _ := strings.Cut(got, " ")
		ap, err := netip.ParseAddrPort(addr)
		if err != nil || ap.Addr() != aperture.IP4 || name != aperture.FQDN {
			t.Errorf("%s: handler saw %q, want a request from %s (%s)", scheme, got, aperture.IP4, aperture.FQDN)
		}
	}
	if got := waitGet(t, ctx, aperture.HTTPClient(), "http://"+tailnet.FQDN("svchost")+"/who"); got != "own" {
		t.Errorf("own name: %q", got)
	}

	st := s.Status(ctx)
	if !st.Running || !st.ControlConnected || len(st.Services) != 1 || !st.Services[0].Approved || st.Services[0].FQDN != fqdn {
		t.Errorf("Status = %+v", st)
	}
	v4, _, _ := tailnet.ServiceVIPs(svc)
	if !slices.Contains(st.Services[0].VIPs, v4) {
		t.Errorf("Status VIPs %v lack %v", st.Services[0].VIPs, v4)
	}

	// The Service listeners are the only sockets the node added, both on
	// loopback.
	var loopback []string
	for inode, a := range listenSockets(t) {
		if _, ok := before[inode]; !ok {
			if !strings.HasPrefix(a, "0100007F:") {
				t.Errorf("Service opened a non-loopback listener %s", a)
			}
			loopback = append(loopback, fmt.Sprintf("127.0.0.1:%d", portOf(a)))
		}
	}
	if len(loopback) != 2 {
		t.Fatalf("want 2 loopback Service listeners (80, 443), found %v", loopback)
	}
	for _, addr := range loopback {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), forgeHelperEnv+"="+addr, forgeHelperEnv+"_SRC="+netip.AddrPortFrom(aperture.IP4, 4242).String())
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "closed" {
			t.Errorf("forged PROXY header from another process on %s: %v: %q", addr, err, out)
		}
	}
	if !strings.Contains(logs.String(), "refused a connection on the service listener") {
		t.Error("the refused connection was not logged")
	}
}

// TestServiceNeedsTag: an untagged node cannot host a Service, and Start
// says what to set.
func TestServiceNeedsTag(t *testing.T) {
	ctx := testContext(t)
	s, err := node.New(node.Config{
		Hostname: "untagged-svc", Dir: t.TempDir(), ControlURL: tailnet.ControlURL(),
		Store: new(mem.Store), Ephemeral: true, Services: []string{"svc:x"}, AfterUp: tailnet.Prepare,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Start(ctx, http.NewServeMux())
	if err == nil || !strings.Contains(err.Error(), "-advertise-tags") {
		t.Errorf("Start of an untagged Service host: %v", err)
	}
	s.Shutdown(ctx)
	for _, bad := range []string{"hook", "svc:", "svc:Bad_Name", "svc:-x"} {
		if _, err := node.New(node.Config{Services: []string{bad}}); err == nil {
			t.Errorf("New accepted Service %q", bad)
		}
	}
}
