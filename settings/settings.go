// Package settings holds tsheadroom's runtime settings: the compression
// knobs both engines follow (compress.Config) and the admin's bound on what
// a per-team override may change. It reads the settings file (JSON or
// HuJSON, in the format the original tsheadroom persists), merges partial
// updates strictly (known exact-case names, one object, no duplicates, a
// null restoring a field's default), writes the file atomically before the
// running settings change, and serves /config.
//
// It knows nothing of the hook, the engines or who may call /config: the
// caller mounts Handler behind its admin role.
package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/internal/suggest"
)

// Settings are the knobs and the override bound, as the file and /config
// hold them: one JSON object whose members are the fields' JSON names.
type Settings struct {
	// Config holds the compression knobs; its fields are members of the
	// settings object itself, as in the original's file.
	compress.Config
	// Overridable lists the knobs a per-team override in metadata.grants
	// may change; the others are ignored (and logged). Default: every knob
	// but kompress_model, which picks a model to load (and, with model
	// downloads allowed, to fetch). An empty list turns overrides off.
	Overridable []string `json:"overridable"`
}

// Default returns the settings of a service started without a file.
func Default() Settings {
	return Settings{Config: compress.DefaultConfig(), Overridable: defaultOverridable()}
}

func defaultOverridable() []string {
	var out []string
	for _, f := range fields {
		if f.knob && f.name != "kompress_model" {
			out = append(out, f.name)
		}
	}
	return out
}

// Clone returns a copy of s that shares no memory with it.
func (s Settings) Clone() Settings {
	if s.TargetRatio != nil {
		r := *s.TargetRatio
		s.TargetRatio = &r
	}
	if s.KompressModel != nil {
		m := *s.KompressModel
		s.KompressModel = &m
	}
	s.Overridable = slices.Clone(s.Overridable)
	return s
}

// Validate reports every field out of range.
func (s Settings) Validate() error {
	errs := []error{s.Config.Validate()}
	seen := map[string]bool{}
	for _, name := range s.Overridable {
		f, ok := lookup(name)
		switch {
		case !ok || !f.knob:
			errs = append(errs, fmt.Errorf("overridable: %q is not a knob (did you mean %q?)", name, suggest.Nearest(name, Knobs())))
		case seen[name]:
			errs = append(errs, fmt.Errorf("overridable: %q is listed twice", name))
		}
		seen[name] = true
	}
	return errors.Join(errs...)
}

// MayOverride reports whether a per-team override may change the knob.
func (s Settings) MayOverride(knob string) bool { return slices.Contains(s.Overridable, knob) }

// field is one member of the settings object.
type field struct {
	name  string
	index []int // into Settings, for reflect.Value.FieldByIndex
	knob  bool  // a compression knob (a compress.Config field)
	// nullWhenEmpty renders the zero value as null, as the original writes
	// an unset savings_profile.
	nullWhenEmpty bool
}

// fields lists the members of the settings object in the order they are
// written; built once from the struct tags and never changed.
var fields = buildFields()

func buildFields() []field {
	var out []field
	var walk func(t reflect.Type, prefix []int, knob bool)
	walk = func(t reflect.Type, prefix []int, knob bool) {
		for i := range t.NumField() {
			sf := t.Field(i)
			index := append(slices.Clone(prefix), i)
			if sf.Anonymous {
				walk(sf.Type, index, true)
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			out = append(out, field{name: name, index: index, knob: knob, nullWhenEmpty: name == "savings_profile"})
		}
	}
	walk(reflect.TypeFor[Settings](), nil, false)
	return out
}

func lookup(name string) (field, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// Fields returns the names of every settings field, in file order.
func Fields() []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.name
	}
	return out
}

// Knobs returns the names of the compression knobs, the fields a per-team
// override may name.
func Knobs() []string {
	var out []string
	for _, f := range fields {
		if f.knob {
			out = append(out, f.name)
		}
	}
	return out
}

// IsKnob reports whether name is a compression knob.
func IsKnob(name string) bool {
	f, ok := lookup(name)
	return ok && f.knob
}

// FieldError is a problem with one named field.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// UnknownFieldError names an unknown field and the nearest known one of
// candidates.
func UnknownFieldError(name string, candidates []string) *FieldError {
	return &FieldError{Field: name, Msg: fmt.Sprintf("unknown field (did you mean %q?)", suggest.Nearest(name, candidates))}
}

// Member is one name and value of a JSON object.
type Member struct {
	Name  string
	Value jsontext.Value
}

// Members splits data, which must be exactly one JSON object, into its
// members in order. Duplicate names, invalid UTF-8 and anything after the
// object are errors; names are kept as written (matching is exact-case).
func Members(data []byte) ([]Member, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, syntaxError(err)
	}
	if tok.Kind() != '{' {
		return nil, fmt.Errorf("want a JSON object, got %s", kindName(tok.Kind()))
	}
	var out []Member
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, syntaxError(err)
		}
		name := tok.String() // before the next read voids tok
		val, err := dec.ReadValue()
		if err != nil {
			return nil, syntaxError(err)
		}
		out = append(out, Member{Name: name, Value: val.Clone()})
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, syntaxError(err)
	}
	end := dec.InputOffset()
	if _, err := dec.ReadToken(); err != io.EOF {
		rest := bytes.TrimSpace(data[end:])
		return nil, fmt.Errorf("unexpected data after the JSON object: %s", short(rest))
	}
	return out, nil
}

// syntaxError words a decoder error without the package prefix.
func syntaxError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("want a JSON object, got an empty or cut-off body")
	}
	if errors.Is(err, jsontext.ErrDuplicateName) {
		var se *jsontext.SyntacticError
		if errors.As(err, &se) {
			return fmt.Errorf("duplicate field %q", strings.TrimPrefix(string(se.JSONPointer), "/"))
		}
	}
	return fmt.Errorf("not valid JSON: %s", strings.TrimPrefix(err.Error(), "jsontext: "))
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '[':
		return "an array"
	case '{':
		return "an object"
	}
	return "nothing"
}

// Set sets one field from its JSON value: null restores the field's
// default, anything else must have the field's type. Ranges are checked by
// Validate, once every field of an update is set.
func (s *Settings) Set(name string, value jsontext.Value) error {
	f, ok := lookup(name)
	if !ok {
		return UnknownFieldError(name, Fields())
	}
	dst := reflect.ValueOf(s).Elem().FieldByIndex(f.index)
	if value.Kind() == 'n' {
		def := Default()
		dst.Set(reflect.ValueOf(&def).Elem().FieldByIndex(f.index))
		return nil
	}
	v := reflect.New(dst.Type())
	if err := json.Unmarshal(value, v.Interface(), json.RejectUnknownMembers(true)); err != nil {
		return &FieldError{Field: name, Msg: fmt.Sprintf("want %s, got %s", typeName(dst.Type()), short(value))}
	}
	dst.Set(v.Elem())
	return nil
}

// typeName describes the JSON a Go field type takes.
func typeName(t reflect.Type) string {
	orNull := ""
	if t.Kind() == reflect.Pointer {
		t, orNull = t.Elem(), " or null"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false" + orNull
	case reflect.Int, reflect.Int64:
		return "an integer" + orNull
	case reflect.Float64:
		return "a number" + orNull
	case reflect.String:
		return "a string" + orNull
	case reflect.Slice:
		return "a list of strings" + orNull
	}
	return t.String()
}

// short renders a value for an error message, cut to a readable length.
func short(v jsontext.Value) string {
	s := string(v)
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

// Apply returns base with the members of patch (one JSON object) set, in
// order, and the result validated. On any error base is returned
// unchanged with the error, which names the field.
func Apply(base Settings, patch []byte) (Settings, error) {
	members, err := Members(patch)
	if err != nil {
		return base, err
	}
	return ApplyMembers(base, members)
}

// ApplyMembers is Apply on an object already split into members.
func ApplyMembers(base Settings, members []Member) (Settings, error) {
	next := base.Clone()
	for _, m := range members {
		if err := next.Set(m.Name, m.Value); err != nil {
			return base, err
		}
	}
	if err := next.Validate(); err != nil {
		return base, err
	}
	return next, nil
}

// Marshal renders s as the settings file holds it: every field, in file
// order, indented, with a final newline.
func (s Settings) Marshal() []byte { return s.marshal(nil) }

// marshal renders s followed by extra members (read-only facts /config
// shows beside the settings).
func (s Settings) marshal(extra []Member) []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	n := len(fields) + len(extra)
	member := func(name string, v jsontext.Value) {
		fmt.Fprintf(&b, "  %q: %s", name, v)
		if n--; n > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	for _, f := range fields {
		member(f.name, s.render(f))
	}
	for _, m := range extra {
		member(m.Name, m.Value)
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// render is the compact JSON of one field's value.
func (s Settings) render(f field) jsontext.Value {
	v := reflect.ValueOf(s).FieldByIndex(f.index)
	if f.nullWhenEmpty && v.IsZero() {
		return jsontext.Value("null")
	}
	out, err := json.Marshal(v.Interface())
	if err != nil {
		// Every field is a bool, number, string, pointer to one or list of
		// strings: marshalling cannot fail.
		panic(fmt.Sprintf("settings: marshal %s: %v", f.name, err))
	}
	return out
}

// Change is one field whose value an update changed, rendered as JSON.
type Change struct {
	Field, Old, New string
}

// Diff lists the fields whose values differ between old and next, in file
// order.
func Diff(old, next Settings) []Change {
	var out []Change
	for _, f := range fields {
		a, b := old.render(f), next.render(f)
		if !bytes.Equal(a, b) {
			out = append(out, Change{Field: f.name, Old: string(a), New: string(b)})
		}
	}
	return out
}
