package probe

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ErrExited is returned by Poll.Until when the process it watches exits
// before the answer wanted came.
var ErrExited = errors.New("exited before giving the answer wanted")

// Poll describes how to ask a URL again and again until its answer is the
// one wanted: a server starting up, a Service approval reaching the peers,
// a setting taking effect. The zero value GETs with http.DefaultClient
// every 50ms, each try bounded to 5s.
type Poll struct {
	Client *http.Client  // nil: http.DefaultClient
	Method string        // "": GET
	Body   []byte        // sent with each try
	Header http.Header   // set on each try
	Every  time.Duration // between tries; 0: 50ms
	// Try bounds one try (a route not there yet may hang); 0: 5s.
	Try time.Duration
	// Exited, when not nil, is closed when the process behind the URL has
	// exited: the wait ends then with ErrExited.
	Exited <-chan struct{}
}

// Until asks url until ok accepts an answer's status and body, and returns
// that body. It returns an error wrapping ErrExited if p.Exited closes
// first, or, when ctx ends first, one that names the URL and the last
// answer or failure and wraps the context's error.
func (p Poll) Until(ctx context.Context, url string, ok func(status int, body string) bool) (string, error) {
	c := cmp.Or(p.Client, http.DefaultClient)
	method := cmp.Or(p.Method, http.MethodGet)
	last := ""
	for {
		status, body, err := p.try(ctx, c, method, url)
		if err == nil && ok(status, body) {
			return body, nil
		}
		switch {
		case err != nil && ctx.Err() != nil && last != "":
			// The try was cut off by the end of the wait: the answer
			// before it says more.
		case err != nil:
			last = err.Error()
		default:
			last = fmt.Sprintf("%d %.200q", status, body)
		}
		select {
		case <-p.Exited:
			return "", fmt.Errorf("%s %s: %w (last: %s)", method, url, ErrExited, last)
		case <-ctx.Done():
			return "", fmt.Errorf("%s %s: never the answer wanted (last: %s): %w", method, url, last, context.Cause(ctx))
		case <-time.After(cmp.Or(p.Every, 50*time.Millisecond)):
		}
	}
}

// OK asks url until it answers 200 OK; its errors are those of Until.
func (p Poll) OK(ctx context.Context, url string) error {
	_, err := p.Until(ctx, url, func(status int, _ string) bool { return status == http.StatusOK })
	return err
}

func (p Poll) try(ctx context.Context, c *http.Client, method, url string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(p.Try, 5*time.Second))
	defer cancel()
	var body io.Reader
	if p.Body != nil {
		body = bytes.NewReader(p.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return 0, "", err
	}
	for k, vs := range p.Header {
		req.Header[k] = vs
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, "", fmt.Errorf("read answer: %w", err)
	}
	return res.StatusCode, string(b), nil
}
