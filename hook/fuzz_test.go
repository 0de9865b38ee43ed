package hook

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// maxSeedBytes keeps large corpus cases out of the seeds: the fuzzer spends
// its time minimizing big inputs instead of exploring, and the small cases
// already cover every shape.
const maxSeedBytes = 32 << 10

// fuzzSeeds adds the hand-written fixtures and, where present, the smaller
// corpus cases (read in place, never copied) to a fuzz target.
func fuzzSeeds(f *testing.F, add func(call []byte)) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.hook.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		add(data)
	}
	if dir, ok := corpus.Dir(); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "*.hook.json"))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil && len(data) <= maxSeedBytes {
				add(data)
			}
		}
	}
}

// checkAnswer holds for every input: 200 with allow, or modify with a body
// that is a JSON object with the same conversation length.
func checkAnswer(t *testing.T, call []byte, a *Answer) {
	t.Helper()
	switch a.Outcome {
	case OutcomeModify:
		body := ForwardedBody(nil, a)
		var got map[string]json.RawMessage
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("modify body is not a JSON object: %v", err)
		}
		var orig map[string]json.RawMessage
		if err := json.Unmarshal(ForwardedBody(call, &Answer{}), &orig); err != nil {
			t.Fatalf("modify on a body encoding/json rejects: %v", err)
		}
		for _, key := range []string{"messages", "input", "contents"} {
			var x, y []json.RawMessage
			if json.Unmarshal(orig[key], &x) == nil && json.Unmarshal(got[key], &y) == nil && len(x) != len(y) {
				t.Fatalf("%s: %d items became %d", key, len(x), len(y))
			}
		}
		if len(got) != len(orig) {
			t.Fatalf("top-level members %d became %d", len(orig), len(got))
		}
	default:
		if string(a.Response) != `{"action":"allow"}` {
			t.Fatalf("outcome %s with reply %q", a.Outcome, a.Response)
		}
	}
}

// FuzzEnvelope fuzzes whole hook calls through the HTTP handler.
func FuzzEnvelope(f *testing.F) {
	fuzzSeeds(f, func(call []byte) { f.Add(call) })
	f.Add([]byte(`{"metadata":{},"request_body":{}}`))
	f.Add([]byte(`{"request_body":null}`))
	h := newTestHook(f, stubEngine{})
	f.Fuzz(func(t *testing.T, call []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/", bytes.NewReader(call)))
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
		checkAnswer(t, call, h.Process(context.Background(), call))
	})
}

// FuzzShapes fuzzes request bodies under each shape's URL, so every
// splicer sees arbitrary bodies.
func FuzzShapes(f *testing.F) {
	urls := []string{
		"http://ai/v1/messages",
		"http://ai/v1/chat/completions",
		"http://ai/v1/responses",
		"http://ai/v1beta/models/m:generateContent",
		"http://ai/model/m/converse",
	}
	fuzzSeeds(f, func(call []byte) {
		body := ForwardedBody(call, &Answer{})
		for i := range urls {
			f.Add(uint8(i), body)
		}
	})
	h := newTestHook(f, stubEngine{})
	f.Fuzz(func(t *testing.T, shape uint8, body []byte) {
		md, _ := json.Marshal(Metadata{URL: urls[int(shape)%len(urls)]})
		call := append(append(append([]byte(`{"metadata":`), md...), `,"request_body":`...), body...)
		call = append(call, '}')
		checkAnswer(t, call, h.Process(context.Background(), call))
	})
}
