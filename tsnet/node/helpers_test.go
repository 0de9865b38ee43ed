package node_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/tailnettest"
)

var tailnet *tailnettest.Tailnet

func TestMain(m *testing.M) {
	if os.Getenv(forgeHelperEnv) != "" {
		runForgeHelper()
		return
	}
	os.Exit(tailnettest.Main(m, tailnettest.Options{}, &tailnet))
}

func testContext(t *testing.T) context.Context { return tailnettest.Context(t, 90*time.Second) }

// do sends method to url with c and returns status and body.
func do(t *testing.T, ctx context.Context, c *http.Client, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return res.StatusCode, string(body)
}

func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
