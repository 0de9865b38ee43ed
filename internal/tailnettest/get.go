package tailnettest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// GetUntil retries GET url from c until done accepts the answer, and
// returns its body; it fails t when ctx ends first. A Service answers only
// once its approval (or a failover) has reached the peers, so tests poll.
func GetUntil(t testing.TB, ctx context.Context, c *http.Client, url string, done func(status int, body string) bool) string {
	t.Helper()
	var last string
	for {
		// One try may hang on a route not yet there: bound it.
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		req, _ := http.NewRequestWithContext(rctx, "GET", url, nil)
		res, err := c.Do(req)
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			cancel()
			if done(res.StatusCode, string(b)) {
				return string(b)
			}
			last = fmt.Sprintf("%d %q", res.StatusCode, b)
		} else {
			cancel()
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			t.Fatalf("GET %s: never the answer wanted (last: %s)", url, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
