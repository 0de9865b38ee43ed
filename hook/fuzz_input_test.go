package hook

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/tsheadroom/tsheadroom/settings"
)

// fuzzMaxBody is the body cap of the decoder fuzzer: small, so that
// decompression bombs are cheap to build from a short input.
const fuzzMaxBody = 64 << 10

// FuzzReadBody drives the body decoder with data repeated repeat times,
// sent as identity, gzip or zstd (encoded properly, or the raw bytes
// labelled with the coding). Whatever arrives, the decoded body never
// exceeds the cap, a failure is read_error, decode_error, too_large or
// reject_encoding, and a body that fits decodes to exactly what was
// encoded. Repeated zeros make decompression bombs: 64 KiB of input can
// expand to 4 GiB, and must fail as too_large (or decode_error, when the
// decoder refuses its window) after decoding at most the cap.
func FuzzReadBody(f *testing.F) {
	f.Add([]byte(`{"request_body":{}}`), uint16(1), uint8(0))
	f.Add([]byte(`{"request_body":{}}`), uint16(3), uint8(1))
	zeros := make([]byte, 64)
	f.Add(zeros, uint16(65535), uint8(1)) // gzip bomb: 4 MiB from 4 KiB
	f.Add(zeros, uint16(65535), uint8(2)) // zstd bomb: 4 MiB from a few hundred bytes
	f.Add([]byte("\x1f\x8b\x08\x00garbage"), uint16(1), uint8(4))
	f.Add([]byte("\x28\xb5\x2f\xfdgarbage"), uint16(1), uint8(5))
	f.Add([]byte("x"), uint16(1), uint8(6))
	h := &Hook{maxBody: fuzzMaxBody}
	f.Fuzz(func(t *testing.T, chunk []byte, repeat uint16, mode uint8) {
		if len(chunk)*int(repeat) > 4<<20 {
			return // keep one input's memory bounded; bombs need far less
		}
		plain := bytes.Repeat(chunk, int(repeat))
		codings := []string{"identity", "gzip", "zstd", "x-gzip", "gzip", "zstd", "br"}
		coding := codings[int(mode)%len(codings)]
		wire := plain
		encoded := int(mode)%len(codings) < 4 // else the raw bytes, mislabelled
		if encoded {
			wire = encode(t, coding, plain)
		}
		req := httptest.NewRequest("POST", "/", bytes.NewReader(wire))
		req.Header.Set("Content-Encoding", coding)
		body, n, outcome, err := h.readBody(req, nil)
		if len(body) > fuzzMaxBody || n > fuzzMaxBody+1 {
			t.Fatalf("%s: decoded %d bytes, read %d from the wire; cap %d", coding, len(body), n, fuzzMaxBody)
		}
		if err != nil {
			if body != nil || !slices.Contains([]Outcome{OutcomeReadError, OutcomeDecodeError, OutcomeTooLarge, OutcomeRejectEncoding}, outcome) {
				t.Fatalf("%s: failure %v with outcome %q and %d bytes", coding, err, outcome, len(body))
			}
			if coding == "br" && outcome != OutcomeRejectEncoding {
				t.Fatalf("unsupported coding answered %q", outcome)
			}
			if encoded && len(plain) <= fuzzMaxBody && len(wire) <= fuzzMaxBody {
				t.Fatalf("%s: a valid body within the cap failed: %v", coding, err)
			}
			if encoded && len(plain) > fuzzMaxBody && len(wire) <= fuzzMaxBody && outcome != OutcomeTooLarge && outcome != OutcomeDecodeError {
				t.Fatalf("%s: a bomb (%d bytes from %d) failed as %q, want too_large or decode_error", coding, len(plain), len(wire), outcome)
			}
			return
		}
		if coding == "br" {
			t.Fatal("an unsupported coding was decoded")
		}
		if encoded && !bytes.Equal(body, plain) {
			t.Fatalf("%s: decoded %d bytes differ from the %d encoded", coding, len(body), len(plain))
		}
	})
}

func encode(t *testing.T, coding string, plain []byte) []byte {
	var buf bytes.Buffer
	switch coding {
	case "gzip", "x-gzip":
		zw := gzip.NewWriter(&buf)
		zw.Write(plain)
		zw.Close()
	case "zstd":
		// One frame with its size, as a client compressing a whole body
		// writes it: the window is then no larger than the body.
		zw, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		return zw.EncodeAll(plain, nil)
	default:
		return plain
	}
	return buf.Bytes()
}

// FuzzDetectShape: the shape comes from the URL's path alone (a scheme and
// host, a query or a fragment change nothing, nor do trailing slashes), the
// provider's ASCII case does not matter, and an OpenAI or Anthropic path
// suffix wins whatever the provider says.
func FuzzDetectShape(f *testing.F) {
	for _, s := range [][2]string{
		{"/v1/messages", "anthropic"}, {"/v1/chat/completions", "openai"}, {"/v1/responses/", "openai"},
		{"/v1beta/models/gemini-2.5-pro:generateContent", "gemini"}, {"/model/x/converse", "bedrock"},
		{"/model/anthropic.claude-v2/invoke", ""}, {"/v1/projects/p/models/claude:rawPredict", "Vertex"},
		{"/x%2Fmessages", ""}, {"messages", "ANTHROPIC"}, {"/model/m/invoke", "bedroc\u212a"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, path, provider string) {
		if strings.ContainsAny(path, "?#") {
			return
		}
		p := "/" + strings.TrimLeft(path, "/")
		base := detectShape("https://gw.example.com"+p, provider)
		if !slices.Contains([]Shape{ShapeAnthropic, ShapeOpenAIChat, ShapeOpenAIResponses, ShapeGemini, ShapeBedrockConverse, ShapeUnknown}, base) {
			t.Fatalf("unknown shape %q", base)
		}
		for _, u := range []string{"https://gw.example.com" + p + "?next=/chat/completions#/messages", "http://10.0.0.1:8080" + p + "//"} {
			if got := detectShape(u, provider); got != base {
				t.Fatalf("%q: %s, but %s without query, fragment or slashes", u, got, base)
			}
		}
		if got := detectShape("https://gw.example.com"+p, flipASCIICase(provider)); got != base {
			t.Fatalf("provider %q: %s, but %s for %q", flipASCIICase(provider), got, base, provider)
		}
		if got := detectShape("https://gw.example.com?"+path+"#"+path, provider); got != ShapeUnknown {
			t.Fatalf("no path, %q in the query and fragment: %s", path, got)
		}
		for suffix, want := range map[string]Shape{"/chat/completions": ShapeOpenAIChat, "/responses": ShapeOpenAIResponses} {
			if got := detectShape("https://gw.example.com"+strings.TrimRight(p, "/")+suffix, provider); got != want {
				t.Fatalf("%s%s: %s, want %s", p, suffix, got, want)
			}
		}
	})
}

func flipASCIICase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 32
		case 'A' <= c && c <= 'Z':
			b[i] = c + 32
		}
	}
	return string(b)
}

// FuzzGrantOverrides puts arbitrary JSON in metadata.grants for the
// overrides capability. Whatever it holds, the knobs that come out are
// valid, differ from the admin's only in knobs the admin's overridable
// list names (none at all when the list is empty), and are the same on
// every call; every member not applied is reported.
func FuzzGrantOverrides(f *testing.F) {
	for _, s := range []string{
		`[{"savings_profile":"agent-90"}]`, `[{"protect_recent":-1},{"protect_recent":3}]`,
		`[{"protect_recnt":1}]`, `[{"kompress_model":"x"}]`, `[{"target_ratio":0.5,"target_ratio":0.6}]`,
		`[1,"x",null,{}]`, `{"savings_profile":"agent-90"}`, `[{"overridable":["protect_recent"]}]`,
		`[{"PROTECT_RECENT":2}]`, `[{"min_tokens_to_compress":1e308}]`,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, grants []byte, overridable bool) {
		if !json.Valid(grants) {
			return
		}
		call := []byte(`{"metadata":{"login_name":"bob@example.com","grants":{"` + DefaultGrantsCap + `":` + string(grants) + `}},"request_body":{}}`)
		c, err := ParseCall(call)
		if err != nil {
			return // duplicate names and the like: the whole call is refused
		}
		base := settings.Default()
		if !overridable {
			base.Overridable = nil
		}
		knobs, issues := c.Knobs(base, DefaultGrantsCap)
		if err := knobs.Validate(); err != nil {
			t.Fatalf("invalid knobs from an override: %v", err)
		}
		again, issues2 := c.Knobs(base, DefaultGrantsCap)
		if !settingsEqual(knobs, again) || len(issues) != len(issues2) {
			t.Fatal("the same call gave different knobs")
		}
		got := base.Clone()
		got.Config = knobs
		for _, d := range settings.Diff(base, got) {
			if !base.MayOverride(d.Field) {
				t.Fatalf("%s changed (%s -> %s) but is not overridable (list %v)", d.Field, d.Old, d.New, base.Overridable)
			}
		}
		for _, is := range issues {
			if is.Problem == "" { // Field may be "": a member named ""
				t.Fatalf("issue without a problem: %+v", is)
			}
		}
	})
}

func settingsEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
