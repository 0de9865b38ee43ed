package settings

import (
	"reflect"
	"testing"
)

// FuzzApply: any update body either fails, leaving the base as it was, or
// gives valid settings that survive the file round trip unchanged.
func FuzzApply(f *testing.F) {
	for _, seed := range []string{
		`{"protect_recent": 6, "savings_profile": null}`, `{"target_ratio": 0.3}`, `{"overridable": []}`,
		`{"kompress_model": "disabled"}`, `{"a": 1, "a": 2}`, `{} x`, `[]`, `{"protect_recent": 1e400}`,
		`{"overridable": ["target_ratio", null]}`, `{"context_window": -1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		base := Default()
		next, err := Apply(base, body)
		if !reflect.DeepEqual(base, Default()) {
			t.Fatal("Apply changed its base")
		}
		if err != nil {
			if !reflect.DeepEqual(next, base) {
				t.Fatalf("failed Apply returned changed settings: %v", err)
			}
			return
		}
		if err := next.Validate(); err != nil {
			t.Fatalf("accepted invalid settings: %v", err)
		}
		back, err := Parse(next.Marshal())
		if err != nil || !reflect.DeepEqual(back, next) {
			t.Fatalf("round trip: %v\n%s\n%s", err, next.Marshal(), back.Marshal())
		}
	})
}

// FuzzHandlerPut sends any body as PUT /config. It is either accepted (200,
// the settings are exactly Apply's result on what was in force, saved to
// the file, and the ETag changes with them) or refused (4xx, the settings,
// ETag and file untouched, the refusal logged with the caller); never a
// 5xx.
func FuzzHandlerPut(f *testing.F) {
	for _, seed := range []string{
		`{"protect_recent": 6}`, `{"protect_recent": 1}{"protect_recent": 2}`, `{"protect_recent": 1} x`,
		`{"PROTECT_RECENT": 1}`, `{"a": 1, "a": 2}`, `{"engine": "headroom"}`, `{"source": {}}`,
		`{"savings_profile": null, "overridable": ["target_ratio"]}`, `{"target_ratio": 7}`, ` {} `,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := newTestHandler(t, "")
		before, etag, _ := h.cfg.Store.Version()
		rec := h.do(t, "PUT", string(body))
		after, etag2, _ := h.cfg.Store.Version()
		switch {
		case rec.Code == 200:
			want, err := Apply(before, body)
			if err != nil {
				// Only the read-only members GET shows may differ.
				return
			}
			if !reflect.DeepEqual(after, want) {
				t.Fatalf("accepted %q but the settings are not Apply's:\n%s", body, after.Marshal())
			}
			if (etag2 == etag) != reflect.DeepEqual(before, after) {
				t.Fatalf("ETag %s -> %s for settings that changed: %v", etag, etag2, !reflect.DeepEqual(before, after))
			}
			if saved := h.file(t); saved != nil {
				if s, err := Parse(saved); err != nil || !reflect.DeepEqual(s, after) {
					t.Fatalf("file does not hold the settings in force: %v", err)
				}
			}
		case rec.Code >= 400 && rec.Code < 500:
			if etag2 != etag || !reflect.DeepEqual(before, after) || h.file(t) != nil {
				t.Fatalf("refused %q (%d) but something changed", body, rec.Code)
			}
			if h.logs.Count(`msg="settings update refused" caller="login=alice@example.com"`) != 1 {
				t.Fatalf("refusal not logged with the caller:\n%s", h.logs)
			}
		default:
			t.Fatalf("PUT %q: %d %s", body, rec.Code, rec.Body)
		}
	})
}
