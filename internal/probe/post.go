package probe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
)

// PostJSON POSTs body to url with c as application/json, as a hook call
// is sent, and returns the status and the whole answer as c hands it over
// (a gzipped answer decompressed, with Go's default transport). A failure
// to read the answer is an error "read answer: ..." that comes with the
// status and what was read before it. ctx bounds the whole exchange.
func PostJSON(ctx context.Context, c *http.Client, url string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, b, fmt.Errorf("read answer: %w", err)
	}
	return res.StatusCode, b, nil
}
