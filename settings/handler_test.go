package settings

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/logtest"
)

type callerKey struct{}

type testHandler struct {
	*Handler
	path    string
	logs    *logtest.Buffer
	updates *atomic.Int64
}

// newTestHandler serves a store on a settings file in a fresh directory;
// requests name their caller with the X-Test-Caller header.
func newTestHandler(t *testing.T, initial string) *testHandler {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tsheadroom.config.json")
	if initial != "" {
		if err := os.WriteFile(path, []byte(initial), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st := openStore(t, StoreConfig{Path: path})
	log, logs := logtest.New(t)
	var updates atomic.Int64
	h, err := NewHandler(HandlerConfig{
		Store:      st,
		Info:       func() Info { return Info{Engine: "headroom", EngineVersion: "0.42.0"} },
		CallerName: func(ctx context.Context) string { s, _ := ctx.Value(callerKey{}).(string); return s },
		OnUpdate:   func() { updates.Add(1) },
		Logger:     log,
		MaxBytes:   1 << 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &testHandler{Handler: h, path: path, logs: logs, updates: &updates}
}

func (h *testHandler) do(t *testing.T, method, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "/config", strings.NewReader(body))
	req = req.WithContext(context.WithValue(req.Context(), callerKey{}, "login=alice@example.com"))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func (h *testHandler) file(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(h.path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return b
}

// TestHandlerGet: every field, the engine, headroom's version under the
// original's name, where the settings come from, and an ETag that a
// conditional GET matches.
func TestHandlerGet(t *testing.T) {
	h := newTestHandler(t, "")
	rec := h.do(t, "GET", "")
	body := rec.Body.String()
	etag := rec.Header().Get("ETag")
	if rec.Code != 200 || !strings.HasPrefix(etag, `"`) || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET: %d ETag %q", rec.Code, etag)
	}
	for _, want := range append(Fields(), `"engine": "headroom"`, `"headroom_version": "0.42.0"`, `"file_state":"missing"`, `"file":"`+h.path) {
		if !strings.Contains(body, want) {
			t.Errorf("GET lacks %s:\n%s", want, body)
		}
	}
	if err := jsonValid([]byte(body)); err != nil {
		t.Errorf("GET is not JSON: %v", err)
	}
	if rec := h.do(t, "GET", "", "If-None-Match", etag); rec.Code != http.StatusNotModified {
		t.Errorf("conditional GET: %d", rec.Code)
	}
	if rec := h.do(t, "DELETE", ""); rec.Code != 405 || !strings.Contains(rec.Header().Get("Allow"), "POST") {
		t.Errorf("DELETE: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// TestHandlerUpdate: PUT and POST merge a partial object, write the file,
// answer the new settings and ETag; null clears a field; the audit line
// names the caller and each change, and the update is counted.
func TestHandlerUpdate(t *testing.T) {
	h := newTestHandler(t, "")
	rec := h.do(t, "PUT", `{"savings_profile": "agent-90", "protect_recent": 6}`)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"savings_profile": "agent-90"`) || !strings.Contains(rec.Body.String(), `"updated_by":"login=alice@example.com"`) {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	if !bytes.Contains(h.file(t), []byte(`"agent-90"`)) {
		t.Errorf("PUT not saved:\n%s", h.file(t))
	}
	audit := `level=INFO msg="settings updated" caller="login=alice@example.com" changes.protect_recent="4 -> 6" changes.savings_profile="null -> \"agent-90\""`
	if !strings.Contains(h.logs.String(), audit) {
		t.Errorf("audit line missing; want %s in:\n%s", audit, h.logs)
	}
	rec = h.do(t, "POST", `{"savings_profile": null}`)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"savings_profile": null`) || !strings.Contains(rec.Body.String(), `"protect_recent": 6`) {
		t.Errorf("POST null: %d %s", rec.Code, rec.Body)
	}
	if s := h.cfg.Store.Get(); s.SavingsProfile != "" || s.ProtectRecent != 6 {
		t.Errorf("null did not clear: %s", s.Marshal())
	}
	if rec := h.do(t, "PUT", `{"protect_recent": 6}`); rec.Code != 200 {
		t.Errorf("no-op PUT: %d", rec.Code)
	}
	if got := h.updates.Load(); got != 3 {
		t.Errorf("%d updates counted, want 3 (every accepted one, the no-op too)", got)
	}
	// A GET body carries the read-only members back unchanged.
	get := h.do(t, "GET", "").Body.String()
	edited := strings.Replace(get, `"protect_recent": 6`, `"protect_recent": 5`, 1)
	if rec := h.do(t, "PUT", edited); rec.Code != 200 || h.cfg.Store.Get().ProtectRecent != 5 {
		t.Errorf("round trip of a GET body: %d %s", rec.Code, rec.Body)
	}
	if rec := h.do(t, "PUT", `{"engine": "native"}`); rec.Code != 400 || !strings.Contains(rec.Body.String(), "engine: read-only") {
		t.Errorf("engine change: %d %s", rec.Code, rec.Body)
	}
}

// TestHandlerRefusals: every refused update leaves the file and the
// settings byte-identical, answers the right status with the field named,
// and is logged with the caller.
func TestHandlerRefusals(t *testing.T) {
	h := newTestHandler(t, string(readTestdata(t, "original-persisted.json")))
	before := h.file(t)
	getBefore := h.do(t, "GET", "")
	etag := getBefore.Header().Get("ETag")
	for _, c := range []struct {
		body   string
		hdr    []string
		status int
		want   string
	}{
		{`{"protect_recent": -1}`, nil, 400, "protect_recent must be >= 0"},
		{`{"protect_recnt": 1}`, nil, 400, `protect_recnt: unknown field (did you mean "protect_recent"?)`},
		{`{"PROTECT_RECENT": 1}`, nil, 400, "PROTECT_RECENT: unknown field"},
		{`{"protect_recent": 1, "protect_recent": 2}`, nil, 400, `duplicate field "protect_recent"`},
		{`{"protect_recent": 1}{"protect_recent": 2}`, nil, 400, "unexpected data after the JSON object"},
		{`{"protect_recent": 1} x`, nil, 400, "unexpected data after the JSON object"},
		{`{"protect_recent": 1, "target_ratio": 7}`, nil, 400, "target_ratio must be in (0, 1]"},
		{`[1]`, nil, 400, "want a JSON object"},
		{``, nil, 400, "want a JSON object"},
		{`{"protect_recent": 1}`, []string{"If-Match", `"stale"`}, 412, "If-Match"},
		{`{"protect_recent": 1}`, []string{"If-Match", "W/" + etag}, 412, "If-Match"},
		{`{"kompress_model": "` + strings.Repeat("m", 2000) + `"}`, nil, 413, "larger than 1024 bytes"},
	} {
		rec := h.do(t, "PUT", c.body, c.hdr...)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("PUT %.60s: %d %q, want %d with %q", c.body, rec.Code, rec.Body, c.status, c.want)
		}
		if c.status == 412 && rec.Header().Get("ETag") != etag {
			t.Errorf("412 without the ETag in force: %q", rec.Header().Get("ETag"))
		}
	}
	if after := h.file(t); !bytes.Equal(before, after) {
		t.Errorf("refused updates changed the file:\n%s", after)
	}
	if getAfter := h.do(t, "GET", ""); getAfter.Body.String() != getBefore.Body.String() || getAfter.Header().Get("ETag") != etag {
		t.Errorf("refused updates changed the settings:\n%s", getAfter.Body)
	}
	if n := h.logs.Count(`level=WARN msg="settings update refused" caller="login=alice@example.com"`); n != 12 {
		t.Errorf("%d refusals logged with the caller, want 12:\n%s", n, h.logs)
	}
	if h.updates.Load() != 0 {
		t.Error("a refused update was counted")
	}
	// The ETag in force (and "*") let an update through.
	if rec := h.do(t, "PUT", `{"protect_recent": 1}`, "If-Match", etag); rec.Code != 200 || rec.Header().Get("ETag") == etag {
		t.Errorf("PUT with the current ETag: %d, ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
	if rec := h.do(t, "PUT", `{"protect_recent": 2}`, "If-Match", "*"); rec.Code != 200 {
		t.Errorf("If-Match *: %d", rec.Code)
	}
}

// TestHandlerWriteFailure: an update the file cannot take is a 500, and
// nothing changes.
func TestHandlerWriteFailure(t *testing.T) {
	h := newTestHandler(t, string(readTestdata(t, "original-persisted.json")))
	before := h.file(t)
	getBefore := h.do(t, "GET", "").Body.String()
	readOnlyDir(t, filepath.Dir(h.path))
	rec := h.do(t, "PUT", `{"protect_recent": 1}`)
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "nothing changed") {
		t.Errorf("PUT to a read-only directory: %d %s", rec.Code, rec.Body)
	}
	if !bytes.Equal(before, h.file(t)) || h.do(t, "GET", "").Body.String() != getBefore {
		t.Error("a failed write changed the file or the settings")
	}
}

// TestHandlerConcurrentPuts: PUTs from many goroutines over real HTTP lose
// no update (each merges onto the one before, in memory and in the file),
// and of ten PUTs carrying the same If-Match exactly one wins; the other
// nine are 412s, each logged with its caller.
func TestHandlerConcurrentPuts(t *testing.T) {
	h := newTestHandler(t, "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, r.Header.Get("X-Test-Caller"))))
	}))
	defer srv.Close()
	put := func(body, caller, ifMatch string) (int, error) {
		req, err := http.NewRequest("PUT", srv.URL+"/config", strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("X-Test-Caller", caller)
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		io.Copy(io.Discard, res.Body)
		return res.StatusCode, nil
	}
	patches := concurrentPatches
	var wg sync.WaitGroup
	for i, p := range patches {
		wg.Go(func() {
			if code, err := put(p, fmt.Sprintf("login=u%d@example.com", i), ""); err != nil || code != 200 {
				t.Errorf("PUT %s: %d %v", p, code, err)
			}
		})
	}
	wg.Wait()
	checkAllPatched(t, h.cfg.Store.Get())
	checkAllPatched(t, openStore(t, StoreConfig{Path: h.path}).Get())
	if got := h.updates.Load(); got != int64(len(patches)) {
		t.Errorf("%d updates counted, want %d", got, len(patches))
	}

	// Every racer asks for a value other than the one in force (7): an
	// update that changes nothing keeps the version, so a later PUT with
	// the same If-Match would rightly succeed too.
	etag := h.do(t, "GET", "").Header().Get("ETag")
	codes := make(chan int, 10)
	for i := range 10 {
		wg.Go(func() {
			code, err := put(fmt.Sprintf(`{"protect_recent": %d}`, 100+i), "login=racer@example.com", etag)
			if err != nil {
				t.Error(err)
			}
			codes <- code
		})
	}
	wg.Wait()
	close(codes)
	won := 0
	for code := range codes {
		switch code {
		case 200:
			won++
		case 412:
		default:
			t.Errorf("racing PUT: %d", code)
		}
	}
	if won != 1 {
		t.Errorf("%d of 10 PUTs with the same If-Match won, want 1", won)
	}
	if n := h.logs.Count(`msg="settings update refused" caller="login=racer@example.com" method=PUT status=412`); n != 9 {
		t.Errorf("%d lost races logged with the caller, want 9:\n%s", n, h.logs)
	}
}

// TestHandlerStrictBody: an update body is exactly one JSON object of
// known fields named in their exact case, each once (escaped spellings of
// one name are the same name), with nothing after it but white space; a
// body over the cap is 413 however it is sent, never a 400 about EOF.
func TestHandlerStrictBody(t *testing.T) {
	h := newTestHandler(t, "")
	for _, c := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"protect_recent": 1, "protect\u005frecent": 2}`, 400, `duplicate field "protect_recent"`},
		{`{"overridable": [], "Overridable": []}`, 400, "Overridable: unknown field"},
		{`{"Protect_Recent": 1}`, 400, "Protect_Recent: unknown field"},
		{`{"protect_recent": 1},`, 400, "unexpected data after the JSON object"},
		{`{"protect_recent": 1}` + "\x00", 400, "unexpected data after the JSON object"},
		{`{"protect_recent": 1}{}`, 400, "unexpected data after the JSON object"},
		{`{"protect_recent": 1} // comment`, 400, "unexpected data after the JSON object"},
		{`{"protect_recent": 1,}`, 400, "not valid JSON"},
		{`{"protect_recent": 1`, 400, "cut-off body"},
		{"{\"savings_profile\": \"\xff\"}", 400, "not valid JSON"},
		{`"protect_recent"`, 400, "want a JSON object, got a string"},
		{`{"protect_recent": 1}` + strings.Repeat(" ", 2000), 413, "larger than 1024 bytes"},
		{strings.Repeat(" ", 1025), 413, "larger than 1024 bytes"},
	} {
		rec := h.do(t, "PUT", c.body)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("PUT %.50q: %d %q, want %d with %q", c.body, rec.Code, rec.Body, c.status, c.want)
		}
	}
	// Over real HTTP, with and without a Content-Length.
	srv := httptest.NewServer(h)
	defer srv.Close()
	big := `{"kompress_model": "` + strings.Repeat("m", 4000) + `"}`
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(big)
		if chunked {
			body = io.MultiReader(strings.NewReader(big)) // no length known: chunked
		}
		res, err := srv.Client().Post(srv.URL+"/config", "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 413 || strings.Contains(string(msg), "EOF") {
			t.Errorf("oversized POST (chunked %v): %d %q", chunked, res.StatusCode, msg)
		}
	}
	if h.file(t) != nil || h.updates.Load() != 0 {
		t.Error("a refused update was saved or counted")
	}
	if n := h.logs.Count(`msg="settings update refused"`); n != 15 {
		t.Errorf("%d refusals logged, want 15:\n%s", n, h.logs)
	}
}
