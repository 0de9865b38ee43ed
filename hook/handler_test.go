package hook

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// post sends body to the hook handler and returns the response.
func post(t *testing.T, h *Hook, body []byte, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// wantAllow asserts a 200 {"action":"allow"} reply.
func wantAllow(t *testing.T, resp *http.Response) {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != `{"action":"allow"}` {
		t.Errorf("got %d %q, want 200 allow", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Accept-Encoding"); got != "zstd, gzip" {
		t.Errorf("Accept-Encoding %q", got)
	}
}

// hookCall wraps a request body in hook-call metadata for the Anthropic
// Messages API.
func hookCall(body string) []byte {
	return []byte(`{"metadata":{"url":"http://ai/v1/messages","provider":"anthropic"},"request_body":` + body + `}`)
}

func TestBadInputAllows(t *testing.T) {
	h := newTestHook(t, stubEngine{})
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	for _, tt := range []struct {
		name string
		body []byte
		want Outcome
	}{
		{"not json", []byte(`this is not json`), OutcomeDecodeError},
		{"empty", nil, OutcomeDecodeError},
		{"array", []byte(`[1,2]`), OutcomeDecodeError},
		{"truncated", []byte(`{"metadata":{"url":"http://ai/v1/messages"},"request_body":{"messages":[`), OutcomeDecodeError},
		{"request_body missing", []byte(`{"metadata":{"url":"http://ai/v1/messages"}}`), OutcomePassthrough},
		{"request_body null", hookCall(`null`), OutcomePassthrough},
		{"request_body array", hookCall(`[{"role":"user"}]`), OutcomeDecodeError},
		{"messages null", hookCall(`{"messages":null}`), OutcomePassthrough},
		{"messages object", hookCall(`{"messages":{"role":"user"}}`), OutcomePassthrough},
		{"message not object", hookCall(`{"messages":[1,"x",null]}`), OutcomeNoop},
		{"content wrong type", hookCall(`{"messages":[{"role":"user","content":42}]}`), OutcomeNoop},
		{"metadata wrong types", []byte(`{"metadata":{"url":7,"model":[]},"request_body":{"messages":[]}}`), OutcomePassthrough},
		{"deep nesting", hookCall(`{"messages":[],"x":` + deep + `}`), OutcomeDecodeError},
		{"invalid utf-8", hookCall("{\"messages\":[{\"role\":\"user\",\"content\":\"caf\xe9\"}]}"), OutcomeDecodeError},
		{"duplicate keys", hookCall(`{"messages":[],"messages":[{"role":"user","content":"x"}]}`), OutcomeDecodeError},
		{"unknown shape", []byte(`{"metadata":{"url":"http://ai/v1/embeddings"},"request_body":{"input":"hi"}}`), OutcomePassthrough},
		{"unknown fields", []byte(`{"future":{"x":1},"metadata":{"url":"http://ai/v1/messages","new":true},"request_body":{"messages":[]}}`), OutcomeNoop},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantAllow(t, post(t, h, tt.body, nil))
			if a := h.Process(context.Background(), tt.body); a.Outcome != tt.want {
				t.Errorf("outcome %s (%s), want %s", a.Outcome, a.Reason, tt.want)
			}
		})
	}
}

// TestHugeNumbersPassThrough: numbers are never parsed into floats, so a
// body the hook rewrites keeps them digit for digit.
func TestHugeNumbersPassThrough(t *testing.T) {
	h := newTestHook(t, stubEngine{})
	big := `{"n":1e400,"m":-0.000000000000000000000000000001,"i":18446744073709551616123}`
	log := strings.Repeat("INFO line of a long log\n", 40)
	q, _ := json.Marshal(log)
	call := hookCall(`{"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"x","input":` + big + `}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":` + string(q) + `}]}],"metadata":` + big + `}`)
	a := h.Process(context.Background(), call)
	if a.Outcome != OutcomeModify {
		t.Fatalf("outcome %s", a.Outcome)
	}
	if n := strings.Count(string(a.Response), big); n != 2 {
		t.Errorf("huge numbers changed: found %d of 2 copies in %s", n, a.Response)
	}
}

func TestBodyLimits(t *testing.T) {
	h := newTestHook(t, stubEngine{})
	t.Run("60 MiB body", func(t *testing.T) {
		big := make([]byte, 60<<20)
		for i := range big {
			big[i] = ' '
		}
		resp := post(t, h, big, nil)
		wantAllow(t, resp)
	})
	t.Run("zstd bomb", func(t *testing.T) {
		// 1 GiB of spaces compresses to a few tens of KiB on the wire.
		var buf bytes.Buffer
		zw, _ := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedFastest))
		chunk := bytes.Repeat([]byte{' '}, 1<<20)
		for range 1024 {
			zw.Write(chunk)
		}
		zw.Close()
		if buf.Len() > 1<<20 {
			t.Fatalf("bomb is %d bytes on the wire", buf.Len())
		}
		var out bytes.Buffer
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/", &buf)
		req.Header.Set("Content-Encoding", "zstd")
		h.ServeHTTP(rec, req)
		out.Write(rec.Body.Bytes())
		if rec.Code != 200 || out.String() != `{"action":"allow"}` {
			t.Errorf("zstd bomb: %d %q", rec.Code, out.String())
		}
	})
	t.Run("gzip bomb", func(t *testing.T) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		chunk := bytes.Repeat([]byte{' '}, 1<<20)
		for range 100 {
			zw.Write(chunk)
		}
		zw.Close()
		wantAllow(t, post(t, h, buf.Bytes(), map[string]string{"Content-Encoding": "gzip"}))
	})
	t.Run("corrupt zstd", func(t *testing.T) {
		wantAllow(t, post(t, h, []byte("not zstd at all"), map[string]string{"Content-Encoding": "zstd"}))
	})
}

func TestEncodings(t *testing.T) {
	h := newTestHook(t, stubEngine{})
	call := readFixture(t, "anthropic.hook.json")
	plain := h.Process(context.Background(), call).Response

	var zbuf bytes.Buffer
	zw, _ := zstd.NewWriter(&zbuf)
	zw.Write(call)
	zw.Close()
	var gbuf bytes.Buffer
	gw := gzip.NewWriter(&gbuf)
	gw.Write(call)
	gw.Close()

	for _, tt := range []struct {
		name     string
		body     []byte
		coding   string
		accept   string
		wantGzip bool
	}{
		{"identity", call, "", "", false},
		{"zstd in", zbuf.Bytes(), "zstd", "", false},
		{"gzip in, gzip out", gbuf.Bytes(), "gzip", "gzip", true},
		{"gzip q=0", call, "", "gzip;q=0, identity", false},
		{"star", call, "", "*", true},
		{"star but gzip refused", call, "", "*, gzip;q=0", false},
		{"br only", call, "", "br", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{"Content-Encoding": tt.coding, "Accept-Encoding": tt.accept}
			resp := post(t, h, tt.body, hdr)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			gotGzip := resp.Header.Get("Content-Encoding") == "gzip"
			if gotGzip != tt.wantGzip {
				t.Errorf("gzip reply %v, want %v", gotGzip, tt.wantGzip)
			}
			var r io.Reader = resp.Body
			if gotGzip {
				zr, err := gzip.NewReader(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				r = zr
			}
			got, _ := io.ReadAll(r)
			if !bytes.Equal(got, plain) {
				t.Errorf("reply differs from the identity reply")
			}
		})
	}
	t.Run("unsupported coding", func(t *testing.T) {
		resp := post(t, h, call, map[string]string{"Content-Encoding": "br"})
		if resp.StatusCode != http.StatusUnsupportedMediaType || resp.Header.Get("Accept-Encoding") != "zstd, gzip" {
			t.Errorf("got %d Accept-Encoding %q, want 415 with zstd, gzip", resp.StatusCode, resp.Header.Get("Accept-Encoding"))
		}
	})
	t.Run("GET", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
			t.Errorf("GET: %d", rec.Code)
		}
	})
}

// TestTrailingBytes: one JSON object and only whitespace after it; any
// other byte is a decode error (finding 9), answered allow.
func TestTrailingBytes(t *testing.T) {
	h := newTestHook(t, stubEngine{})
	call := string(readFixture(t, "anthropic.hook.json"))
	for _, tt := range []struct {
		name, body string
		want       Outcome
	}{
		{"whitespace", call + " \n\t\r\n", OutcomeModify},
		{"garbage", call + " x", OutcomeDecodeError},
		{"second object", call + `{"metadata":{}}`, OutcomeDecodeError},
		{"comma", call + ",", OutcomeDecodeError},
		{"nul", call + "\x00", OutcomeDecodeError},
		{"closing brace", call + "}", OutcomeDecodeError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := h.Process(context.Background(), []byte(tt.body))
			if a.Outcome != tt.want {
				t.Errorf("outcome %s (%s), want %s", a.Outcome, a.Reason, tt.want)
			}
			if tt.want == OutcomeDecodeError {
				wantAllow(t, post(t, h, []byte(tt.body), nil))
			}
		})
	}
}

// cutReader returns its bytes, then a transport failure instead of EOF: a
// client that hung up mid-body.
type cutReader struct{ r io.Reader }

func (c cutReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// TestCodingErrorsLabelled: a zstd or gzip body that does not decode is a
// decode_error whatever way it is broken (finding 11); only a failing
// transport is a read_error.
func TestCodingErrorsLabelled(t *testing.T) {
	h := newTestHook(t, stubEngine{})
	call := readFixture(t, "anthropic.hook.json")
	var zbuf bytes.Buffer
	zw, _ := zstd.NewWriter(&zbuf, zstd.WithEncoderCRC(true))
	zw.Write(call)
	zw.Close()
	z := zbuf.Bytes()
	var gbuf bytes.Buffer
	gw := gzip.NewWriter(&gbuf)
	gw.Write(call)
	gw.Close()
	g := gbuf.Bytes()
	flip := func(b []byte, at int) []byte {
		c := bytes.Clone(b)
		c[at] ^= 0xff
		return c
	}
	for _, tt := range []struct {
		name, coding string
		body         io.Reader
		want         Outcome
	}{
		{"zstd whole", "zstd", bytes.NewReader(z), ""},
		{"zstd not zstd", "zstd", strings.NewReader("not zstd at all"), OutcomeDecodeError},
		{"zstd truncated", "zstd", bytes.NewReader(z[:len(z)/2]), OutcomeDecodeError},
		{"zstd header only", "zstd", bytes.NewReader(z[:6]), OutcomeDecodeError},
		{"zstd block corrupted", "zstd", bytes.NewReader(flip(z, len(z)/2)), OutcomeDecodeError},
		{"zstd block header corrupted", "zstd", bytes.NewReader(flip(z, 6)), OutcomeDecodeError},
		{"zstd checksum corrupted", "zstd", bytes.NewReader(flip(z, len(z)-1)), OutcomeDecodeError},
		{"zstd trailing garbage", "zstd", bytes.NewReader(append(bytes.Clone(z), "garbage!"...)), OutcomeDecodeError},
		{"zstd cut by the client", "zstd", cutReader{bytes.NewReader(z[:len(z)/2])}, OutcomeReadError},
		{"gzip truncated", "gzip", bytes.NewReader(g[:len(g)/2]), OutcomeDecodeError},
		{"gzip corrupted", "gzip", bytes.NewReader(flip(g, len(g)/2)), OutcomeDecodeError},
		{"gzip cut by the client", "gzip", cutReader{bytes.NewReader(g[:len(g)/2])}, OutcomeReadError},
		{"identity cut by the client", "", cutReader{bytes.NewReader(call[:100])}, OutcomeReadError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", tt.body)
			req.Header.Set("Content-Encoding", tt.coding)
			_, _, outcome, err := h.readBody(req, nil)
			if outcome != tt.want {
				t.Errorf("outcome %q (%v), want %q", outcome, err, tt.want)
			}
		})
	}
}
