package settings

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOriginalFiles: a file as the original tsheadroom persists it (every
// field, kompress_model "disabled", savings_profile null), a hand-written
// partial file in any order, and the same settings in HuJSON with comments
// and trailing commas all load and mean the same.
func TestOriginalFiles(t *testing.T) {
	want := Default()
	want.CompressUserMessages = true
	want.CompressSystemMessages = false
	want.ProtectRecent = 6
	want.ProtectAnalysisContext = false
	ratio, disabled := 0.45, compress.KompressDisabled
	want.TargetRatio = &ratio
	want.MinTokensToCompress = 400
	want.KompressModel = &disabled
	for _, name := range []string{"original-persisted.json", "original-example.json", "commented.hujson"} {
		got, err := Parse(readTestdata(t, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got.Marshal(), want.Marshal())
		}
	}
}

// TestMarshalRoundTrip: every field is written, the file parses back to the
// same settings, an unset savings_profile is written null as the original
// writes it.
func TestMarshalRoundTrip(t *testing.T) {
	s := Default()
	out := s.Marshal()
	for _, f := range Fields() {
		if !strings.Contains(string(out), `"`+f+`": `) {
			t.Errorf("%s not written:\n%s", f, out)
		}
	}
	if !strings.Contains(string(out), `"savings_profile": null`) || !strings.Contains(string(out), `"kompress_model": null`) {
		t.Errorf("unset fields not null:\n%s", out)
	}
	back, err := Parse(out)
	if err != nil || !reflect.DeepEqual(back, s) {
		t.Errorf("round trip: %v\n%s", err, back.Marshal())
	}
	ratio, model := 0.3, "some/model"
	s.TargetRatio, s.KompressModel, s.SavingsProfile, s.Overridable = &ratio, &model, compress.ProfileAgent90, []string{"target_ratio"}
	back, err = Parse(s.Marshal())
	if err != nil || !reflect.DeepEqual(back, s) {
		t.Errorf("round trip: %v\n%s", err, back.Marshal())
	}
}

// TestParseErrors: each bad file is refused with a message naming the
// field (and, for a name not known, the nearest known one).
func TestParseErrors(t *testing.T) {
	for file, want := range map[string]string{
		`{"protect_recnt": 2}`:                       `protect_recnt: unknown field (did you mean "protect_recent"?)`,
		`{"Protect_Recent": 2}`:                      `Protect_Recent: unknown field (did you mean "protect_recent"?)`,
		`{"protect_recent": "2"}`:                    `protect_recent: want an integer, got "2"`,
		`{"protect_recent": 2.5}`:                    `protect_recent: want an integer, got 2.5`,
		`{"target_ratio": 2}`:                        `target_ratio must be in (0, 1]`,
		`{"target_ratio": "half"}`:                   `target_ratio: want a number or null, got "half"`,
		`{"kompress_model": ""}`:                     `kompress_model must be a model ID`,
		`{"kompress_model": 3}`:                      `kompress_model: want a string or null, got 3`,
		`{"savings_profile": "max"}`:                 `savings_profile must be "balanced" or "agent-90"`,
		`{"compress_user_messages": "yes"}`:          `compress_user_messages: want true or false, got "yes"`,
		`{"overridable": ["protect_recnt"]}`:         `overridable: "protect_recnt" is not a knob (did you mean "protect_recent"?)`,
		`{"overridable": ["overridable"]}`:           `overridable: "overridable" is not a knob`,
		`{"overridable": "target_ratio"}`:            `overridable: want a list of strings, got "target_ratio"`,
		`{"protect_recent": 2, "protect_recent": 3}`: `duplicate field "protect_recent"`,
		`[]`:                              `want a JSON object, got an array`,
		"{\"savings_profile\": \"\xff\"}": `not valid`,
	} {
		_, err := Parse([]byte(file))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q): %v, want an error containing %q", file, err, want)
		}
	}
	// Syntax: a file is HuJSON, whose parser says where; an update (plain
	// JSON) says what was wrong.
	for body, want := range map[string][2]string{
		`{"protect_recent": 2} {"protect_recent": 3}`: {"line 1, column 23: invalid character '{' after top-level value", `unexpected data after the JSON object: {"protect_recent": 3}`},
		`{"protect_recent": 2} x`:                     {"line 1, column 23: invalid character 'x'", "unexpected data after the JSON object"},
		``:                                            {"line 1, column 1: parsing value: unexpected EOF", "want a JSON object, got an empty or cut-off body"},
		`{"protect_recent": 2`:                        {"line 1, column 21", "want a JSON object, got an empty or cut-off body"},
		`{"protect_recent": 2,}`:                      {"", "not valid JSON"},
	} {
		_, err := Parse([]byte(body))
		if want[0] == "" && err != nil || want[0] != "" && (err == nil || !strings.Contains(err.Error(), want[0])) {
			t.Errorf("Parse(%q): %v, want %q", body, err, want[0])
		}
		_, err = Apply(Default(), []byte(body))
		if err == nil || !strings.Contains(err.Error(), want[1]) {
			t.Errorf("Apply(%q): %v, want %q", body, err, want[1])
		}
	}
}

// TestNullRestoresDefault: null sets a field back to its default, whatever
// the default's type.
func TestNullRestoresDefault(t *testing.T) {
	s, err := Parse([]byte(`{"savings_profile": "agent-90", "protect_recent": 9, "target_ratio": 0.5, "overridable": [], "restore_referenced": false}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err = Apply(s, []byte(`{"savings_profile": null, "protect_recent": null, "target_ratio": null, "overridable": null, "restore_referenced": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, Default()) {
		t.Errorf("null did not restore the defaults:\n%s", s.Marshal())
	}
}

// TestApplyLeavesBase: a failing update changes nothing, not even fields
// set before the failing one.
func TestApplyLeavesBase(t *testing.T) {
	base := Default()
	got, err := Apply(base, []byte(`{"protect_recent": 7, "min_tokens_to_compress": -1}`))
	if err == nil || !reflect.DeepEqual(got, base) || !reflect.DeepEqual(base, Default()) {
		t.Errorf("failed update: %v\n%s", err, got.Marshal())
	}
}

func TestDiff(t *testing.T) {
	old := Default()
	next, err := Apply(old, []byte(`{"savings_profile": "agent-90", "protect_recent": 6}`))
	if err != nil {
		t.Fatal(err)
	}
	got := Diff(old, next)
	want := []Change{{"protect_recent", "4", "6"}, {"savings_profile", "null", `"agent-90"`}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diff = %v, want %v", got, want)
	}
}

// TestOverridableDefault: every knob but kompress_model, and no field that
// is not a knob.
func TestOverridableDefault(t *testing.T) {
	d := Default()
	for _, k := range Knobs() {
		if d.MayOverride(k) != (k != "kompress_model") {
			t.Errorf("MayOverride(%s) = %v", k, d.MayOverride(k))
		}
	}
	if IsKnob("overridable") || d.MayOverride("overridable") {
		t.Error("overridable is not a knob")
	}
}
