package hook

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/internal/logtest"
	"github.com/tsheadroom/tsheadroom/settings"
)

var metadataURL = regexp.MustCompile(`"url": *"[^"]*",?`)

// TestShapeWithoutURL: a hook call without metadata.url (the original
// README's curl example) is compressed as it would be with the URL, for
// every shape: the shape is guessed from the body's keys.
func TestShapeWithoutURL(t *testing.T) {
	native := newNative(t, compress.NativeConfig{CacheEntries: -1})
	fixtures, _ := filepath.Glob("testdata/*.hook.json")
	samples, _ := filepath.Glob("../testdata/samples/*.hook.json")
	if len(fixtures) < 6 || len(samples) < 8 {
		t.Fatalf("fixtures missing: %d, %d", len(fixtures), len(samples))
	}
	for _, set := range []struct {
		files []string
		eng   Engine
	}{{fixtures, stubEngine{}}, {samples, native}} {
		h := newTestHook(t, set.eng)
		for _, f := range set.files {
			call, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			bare := metadataURL.ReplaceAll(call, nil)
			if c, err := ParseCall(bare); err != nil || c.md.get("url") != nil {
				t.Fatalf("%s: metadata.url not removed", f)
			}
			want, got := h.Process(context.Background(), call), h.Process(context.Background(), bare)
			if got.Outcome != OutcomeModify || got.Shape != want.Shape || !bytes.Equal(got.Response, want.Response) {
				t.Errorf("%s without url: %s shape %s (%s), want %s shape %s and the same reply", f, got.Outcome, got.Shape, got.Reason, want.Outcome, want.Shape)
			}
		}
	}
}

// TestAffinityKey: without a session_id, a conversation's turns share the
// engine session of its first two messages; another conversation gets
// another; a session_id wins.
func TestAffinityKey(t *testing.T) {
	turn := func(session, first string, n int) *compress.Request {
		msgs := []string{`{"role":"user","content":"` + first + `"}`, `{"role":"assistant","content":"ok"}`}
		for i := range n {
			msgs = append(msgs, `{"role":"user","content":"turn `+string(rune('a'+i))+`"}`)
		}
		md := `{"metadata":{"url":"http://ai/v1/messages"`
		if session != "" {
			md += `,"session_id":"` + session + `"`
		}
		_, cands := candidates(t, []byte(md+`},"request_body":{"messages":[`+strings.Join(msgs, ",")+`]}}`))
		return cands.Request(compress.DefaultConfig())
	}
	_, cands := candidates(t, []byte(`{"metadata":{"url":"http://ai/v1/messages"},"request_body":{"messages":[`+`{"role":"user","content":"fix the build"},{"role":"assistant","content":"ok"}]}}`))
	a1, a2, b := cands.Request(compress.DefaultConfig()).Session, turn("", "fix the build", 3).Session, turn("", "write docs", 1).Session
	if a1 == "" || a1 != a2 || a1 == b {
		t.Errorf("conversation keys: %q %q %q", a1, a2, b)
	}
	if s := turn("sess_1", "fix the build", 1).Session; s != "sess_1" {
		t.Errorf("session_id not used: %q", s)
	}
}

// TestFailOpenLogged: calls that fail open are logged at warn without
// debug logging, one line per outcome per interval with the count held
// back; other calls stay at debug.
func TestFailOpenLogged(t *testing.T) {
	log, logs := logtest.New(t)
	h := newTestHook(t, stubEngine{err: errors.New("engine exploded")}, func(c *Config) { c.Logger = log })
	call := readFixture(t, "anthropic.hook.json")
	for range 5 {
		post(t, h, call, nil)
	}
	post(t, h, []byte(`not json`), nil)
	if n := logs.Count(`level=WARN msg="hook call failed open: answered allow" outcome=error`); n != 1 {
		t.Errorf("%d warn lines for 5 error outcomes, want 1:\n%s", n, logs)
	}
	if n := logs.Count(`outcome=decode_error`); n != 1 {
		t.Errorf("decode_error not logged apart:\n%s", logs)
	}
	if !strings.Contains(logs.String(), `reason="engine exploded"`) {
		t.Errorf("warn line lacks the reason:\n%s", logs)
	}
	ok := newTestHook(t, stubEngine{}, func(c *Config) { c.Logger = log })
	post(t, ok, call, nil)
	if strings.Contains(logs.String(), "outcome=modify") {
		t.Errorf("a modify call logged at info:\n%s", logs)
	}
}

// TestReplyCodings: -gzip-response=false and -accept-compressed=false.
func TestReplyCodings(t *testing.T) {
	call := readFixture(t, "anthropic.hook.json")
	resp := post(t, newTestHook(t, stubEngine{}), call, map[string]string{"Accept-Encoding": "gzip"})
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Accept-Encoding") == "" {
		t.Fatalf("default: Content-Encoding %q, Accept-Encoding %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Accept-Encoding"))
	}
	h := newTestHook(t, stubEngine{}, func(c *Config) { c.NoGzipReply, c.NoAcceptEncoding = true, true })
	resp = post(t, h, call, map[string]string{"Accept-Encoding": "gzip"})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Accept-Encoding") != "" {
		t.Errorf("off: %d Content-Encoding %q, Accept-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Accept-Encoding"))
	}
}

// TestSettingsInForce: a change through the settings store applies to the
// next call.
func TestSettingsInForce(t *testing.T) {
	st, err := settings.Open(settings.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	eng := newNative(t, compress.NativeConfig{CacheEntries: -1})
	h := newTestHook(t, eng, func(c *Config) { c.Settings = st })
	call := readFixture(t, "../../testdata/sample.hook.json")
	if a := h.Process(context.Background(), call); a.Outcome != OutcomeModify {
		t.Fatalf("outcome %s", a.Outcome)
	}
	m, _ := settings.Members([]byte(`{"min_tokens_to_compress": 1000000}`))
	if _, err := st.Update(m, nil, "test"); err != nil {
		t.Fatal(err)
	}
	if a := h.Process(context.Background(), call); a.Outcome != OutcomeNoop || h.Knobs().MinTokensToCompress != 1000000 {
		t.Errorf("after the update: outcome %s", a.Outcome)
	}
}

// TestGrantOverrides: knobs in metadata.grants apply to that call only,
// member by member: a team's profile applies; an unknown field, a knob
// the admin's overridable list leaves out and an invalid value are each
// ignored (the rest still applies) and logged at warn with the user the
// grant is for, once however many calls carry them.
func TestGrantOverrides(t *testing.T) {
	eng := newNative(t, compress.NativeConfig{CacheEntries: -1})
	st, err := settings.Open(settings.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	log, logs := logtest.New(t)
	h := newTestHook(t, eng, func(c *Config) { c.Settings, c.Logger = st, log })
	call := string(readFixture(t, "../../testdata/sample.hook.json"))
	withGrants := func(grants string) []byte {
		return []byte(strings.Replace(call, `"metadata":{`, `"metadata":{"grants":{"`+DefaultGrantsCap+`":`+grants+`},`, 1))
	}
	ctx := context.Background()
	base := h.Process(ctx, []byte(call))
	if base.Outcome != OutcomeModify {
		t.Fatalf("baseline outcome %s", base.Outcome)
	}

	// A team's profile applies, as the same profile set globally would.
	team := h.Process(ctx, withGrants(`[{"savings_profile": "agent-90"}]`))
	global := newTestHook(t, eng, func(c *Config) { k := compress.DefaultConfig(); k.SavingsProfile = "agent-90"; c.Knobs = &k })
	if want := global.Process(ctx, []byte(call)); !bytes.Equal(team.Response, want.Response) || bytes.Equal(team.Response, base.Response) || team.Reason != "" {
		t.Errorf("team profile not applied like the global one (reason %q)", team.Reason)
	}
	if a := h.Process(ctx, withGrants(`[{"min_tokens_to_compress": 1000000}]`)); a.Outcome != OutcomeNoop {
		t.Errorf("override not applied: outcome %s", a.Outcome)
	}

	// Unknown field: logged once however many calls carry it; the valid
	// member beside it still applies.
	for range 3 {
		a := h.Process(ctx, withGrants(`[{"protect_recnt": 9, "min_tokens_to_compress": 1000000}]`))
		if a.Outcome != OutcomeNoop {
			t.Errorf("unknown field beside a valid one: outcome %s", a.Outcome)
		}
	}
	unknown := `level=WARN msg="per-team override ignored" login=dev@example.com caller="" cap=` + DefaultGrantsCap + ` field=protect_recnt problem="unknown field (did you mean \"protect_recent\"?)"`
	if n := logs.Count(unknown); n != 1 {
		t.Errorf("unknown field logged %d times, want once:\n%s", n, logs)
	}

	// Invalid value: ignored, logged.
	if a := h.Process(ctx, withGrants(`[{"min_tokens_to_compress": -5}]`)); a.Outcome != OutcomeModify || !strings.Contains(a.Reason, "min_tokens_to_compress") {
		t.Errorf("invalid override: outcome %s reason %q", a.Outcome, a.Reason)
	}
	if !strings.Contains(logs.String(), `field=min_tokens_to_compress problem="min_tokens_to_compress must be >= 0, got -5"`) {
		t.Errorf("invalid value not logged:\n%s", logs)
	}

	// Outside overridable: ignored and logged.
	m, _ := settings.Members([]byte(`{"overridable": ["savings_profile"]}`))
	if _, err := st.Update(m, nil, "admin"); err != nil {
		t.Fatal(err)
	}
	if a := h.Process(ctx, withGrants(`[{"min_tokens_to_compress": 1000000}]`)); a.Outcome != OutcomeModify || !strings.Contains(a.Reason, "not overridable") {
		t.Errorf("knob outside overridable applied: outcome %s reason %q", a.Outcome, a.Reason)
	}
	if !strings.Contains(logs.String(), `field=min_tokens_to_compress problem="not overridable`) {
		t.Errorf("non-overridable knob not logged:\n%s", logs)
	}
	if h.Knobs().MinTokensToCompress != compress.DefaultConfig().MinTokensToCompress {
		t.Error("a per-call override leaked into the knobs in force")
	}
}
