package tailnettest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/proxy"
	"tailscale.com/tailcfg"
)

var tailnet *Tailnet

func TestMain(m *testing.M) { os.Exit(Main(m, Options{}, &tailnet)) }

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// serve answers every request on n's tailnet port with who is asking, as the
// serving node sees it.
func serve(t *testing.T, n *Node, https bool) {
	t.Helper()
	ln, err := n.Server.Listen("tcp", ":80")
	if https {
		ln, err = n.Server.ListenTLS("tcp", ":443")
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := n.WhoIs(r.Context(), r.RemoteAddr)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%s %v", who.Node.ComputedName, who.Node.Tags)
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

func get(t *testing.T, ctx context.Context, c *http.Client, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s: %s", url, res.Status, body)
	}
	return string(body)
}

// TestNodesTalkWithIdentity: a tagged node reaches another over the
// loopback tailnet, by IP and by MagicDNS name, and is identified by its tag.
func TestNodesTalkWithIdentity(t *testing.T) {
	ctx := testContext(t)
	svc := tailnet.MustAddNode(t, ctx, "svc", "tag:svc")
	client := tailnet.MustAddNode(t, ctx, "client", "tag:client")
	serve(t, svc, false)

	if got := get(t, ctx, client.HTTPClient(), "http://"+svc.IP4.String()+"/"); got != "client [tag:client]" {
		t.Errorf("by IP: got %q", got)
	}
	if got := get(t, ctx, client.HTTPClient(), "http://"+svc.FQDN+"/"); got != "client [tag:client]" {
		t.Errorf("by MagicDNS name: got %q", got)
	}
	if len(svc.Tags) != 1 || svc.Tags[0] != "tag:svc" {
		t.Errorf("svc.Tags = %v", svc.Tags)
	}
	user := tailnet.MustAddNode(t, ctx, "laptop")
	if len(user.Tags) != 0 || !strings.Contains(user.LoginName, "@") {
		t.Errorf("untagged node: tags %v login %q", user.Tags, user.LoginName)
	}
}

// TestHTTPSWithTestCA: a node's MagicDNS certificate comes from the
// harness CA and verifies against CertPool.
func TestHTTPSWithTestCA(t *testing.T) {
	ctx := testContext(t)
	svc := tailnet.MustAddNode(t, ctx, "tlssvc")
	client := tailnet.MustAddNode(t, ctx, "tlsclient")
	serve(t, svc, true)
	if got := get(t, ctx, client.HTTPClient(), "https://"+svc.FQDN+"/"); got != "tlsclient []" {
		t.Errorf("got %q", got)
	}
}

// TestSetAppCapsAtRunTime: a grant appears in the serving node's WhoIs
// without restarting anything, is scoped to its source, and disappears when
// revoked.
func TestSetAppCapsAtRunTime(t *testing.T) {
	ctx := testContext(t)
	svc := tailnet.MustAddNode(t, ctx, "capsvc")
	granted := tailnet.MustAddNode(t, ctx, "granted")
	other := tailnet.MustAddNode(t, ctx, "other")
	const capName = "example.com/cap/test"

	caps := map[string][]any{capName: {map[string]any{"roles": []string{"a"}}, map[string]any{"roles": []string{"b"}}}}
	if err := tailnet.SetAppCaps(ctx, granted, caps, svc); err != nil {
		t.Fatal(err)
	}
	who, err := svc.WhoIs(ctx, granted.IP4.String())
	if err != nil {
		t.Fatal(err)
	}
	got, err := tailcfg.UnmarshalCapJSON[struct{ Roles []string }](who.CapMap, capName)
	if err != nil || len(got) != 2 || got[0].Roles[0] != "a" || got[1].Roles[0] != "b" {
		t.Fatalf("granted caps = %+v, %v (raw %v)", got, err, who.CapMap)
	}
	who, err = svc.WhoIs(ctx, other.IP4.String())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := who.CapMap[capName]; ok {
		t.Errorf("grant leaked to another source: %v", who.CapMap)
	}

	// A node that joins after the grant still gets it (first netmap).
	late := tailnet.MustAddNode(t, ctx, "late")
	if err := waitCaps(ctx, late, granted, []tailcfg.PeerCapability{capName}, tailcfg.PeerCapMap{capName: who2raw(t, caps[capName])}); err != nil {
		t.Fatal(err)
	}

	if err := tailnet.SetAppCaps(ctx, granted, nil, svc, late); err != nil {
		t.Fatal(err)
	}
	who, err = svc.WhoIs(ctx, granted.IP4.String())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := who.CapMap[capName]; ok {
		t.Errorf("revoked grant still present: %v", who.CapMap)
	}

	// The tailnet still works after the control connections were dropped.
	serve(t, svc, false)
	get(t, ctx, granted.HTTPClient(), "http://"+svc.FQDN+"/")
}

func who2raw(t *testing.T, vals []any) []tailcfg.RawMessage {
	t.Helper()
	var out []tailcfg.RawMessage
	for _, v := range vals {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tailcfg.RawMessage(b))
	}
	return out
}

// TestSOCKS5: a node's loopback SOCKS5 proxy reaches another node by its
// MagicDNS name, from Go and from a real curl.
func TestSOCKS5(t *testing.T) {
	ctx := testContext(t)
	svc := tailnet.MustAddNode(t, ctx, "socksvc")
	client := tailnet.MustAddNode(t, ctx, "socksclient", "tag:socks")
	serve(t, svc, false)
	proxyURL, err := client.SOCKS5()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(proxyURL)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	dialer, err := proxy.SOCKS5("tcp", u.Host, &proxy.Auth{User: u.User.Username(), Password: pw}, proxy.Direct)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{Dial: dialer.Dial}}
	if got := get(t, ctx, c, "http://"+svc.FQDN+"/"); got != "socksclient [tag:socks]" {
		t.Errorf("via Go SOCKS5: got %q", got)
	}

	t.Run("curl", func(t *testing.T) {
		curl, err := exec.LookPath("curl")
		if err != nil {
			t.Skip("curl not installed")
		}
		out, err := exec.CommandContext(ctx, curl, "-sS", "--max-time", "30", "-x", proxyURL, "http://"+svc.FQDN+"/").CombinedOutput()
		if err != nil || string(out) != "socksclient [tag:socks]" {
			t.Errorf("curl via SOCKS5: %v: %q", err, out)
		}
	})
}

func TestContextEndsWithTheTest(t *testing.T) {
	var ctx context.Context
	t.Run("inner", func(t *testing.T) {
		ctx = Context(t, time.Hour)
		if ctx.Err() != nil {
			t.Fatal("context ended early")
		}
	})
	if ctx.Err() == nil {
		t.Error("context still live after its test ended")
	}
	short := Context(t, time.Millisecond)
	<-short.Done()
	if short.Err() != context.DeadlineExceeded {
		t.Errorf("short context ended with %v", short.Err())
	}
}
