package tailnettest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/probe"
)

// GetUntil retries GET url from c until done accepts the answer, and
// returns its body; it fails t when ctx ends first. A Service answers only
// once its approval (or a failover) has reached the peers, so tests poll.
func GetUntil(t testing.TB, ctx context.Context, c *http.Client, url string, done func(status int, body string) bool) string {
	t.Helper()
	// One try may hang on a route not yet there: bound it.
	body, err := probe.Poll{Client: c, Try: 3 * time.Second}.Until(ctx, url, done)
	if err != nil {
		t.Fatal(err)
	}
	return body
}
