package settings

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/logtest"
	"github.com/tsheadroom/tsheadroom/internal/testenv"
)

func members(t *testing.T, patch string) []Member {
	t.Helper()
	m, err := Members([]byte(patch))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func openStore(t *testing.T, cfg StoreConfig) *Store {
	t.Helper()
	st, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestMissingFileCreatedOnFirstSave: a missing file starts on the defaults
// with a warning; the first update creates it, mode 0600, holding every
// field; a store opened on it again has the update.
func TestMissingFileCreatedOnFirstSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tsheadroom.config.json")
	log, logs := logtest.New(t)
	st := openStore(t, StoreConfig{Path: path, Logger: log})
	if s, _, origin := st.Version(); origin.FileState != FileMissing || s.ProtectRecent != 4 {
		t.Errorf("missing file: %+v", origin)
	}
	if logs.Count("settings file not found") != 1 || !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("no warning: %s", logs)
	}
	if _, err := st.Update(members(t, `{"protect_recent": 6}`), nil, "alice"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %#o, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	for _, f := range Fields() {
		if !bytes.Contains(data, []byte(`"`+f+`"`)) {
			t.Errorf("saved file lacks %s:\n%s", f, data)
		}
	}
	again := openStore(t, StoreConfig{Path: path})
	if s, _, origin := again.Version(); s.ProtectRecent != 6 || origin.FileState != FileLoaded {
		t.Errorf("reopened: protect_recent %d, %+v", s.ProtectRecent, origin)
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp*")); len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

// TestInvalidFileStopsStart: a file that does not hold valid settings, or
// cannot be read, is an error naming the file and the field.
func TestInvalidFileStopsStart(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"protect_recent": 4, "kompres_model": "x"}`), 0o600)
	_, err := Open(StoreConfig{Path: bad})
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `kompres_model: unknown field (did you mean "kompress_model"?)`) {
		t.Errorf("invalid file: %v", err)
	}
	_, err = Open(StoreConfig{Path: dir}) // a directory cannot be read as a file
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("unreadable file: %v", err)
	}
}

// TestOverrides: start-time overrides apply over the file, in memory, and
// Origin names them.
func TestOverrides(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(path, []byte(`{"savings_profile": "balanced", "protect_recent": 2}`), 0o600)
	st := openStore(t, StoreConfig{Path: path, Overrides: []byte(`{"savings_profile": "agent-90"}`), OverridesFrom: "-profile"})
	s, _, origin := st.Version()
	if s.SavingsProfile != "agent-90" || s.ProtectRecent != 2 || origin.Overrides["savings_profile"] != "-profile" {
		t.Errorf("overrides: %s %+v", s.Marshal(), origin)
	}
	if data, _ := os.ReadFile(path); !bytes.Contains(data, []byte("balanced")) {
		t.Error("overrides were written at start")
	}
}

// TestKeepsComments: an update rewrites a HuJSON file with its comments,
// and a plain JSON file stays plain JSON (readable by the original).
func TestKeepsComments(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.hujson")
	os.WriteFile(path, readTestdata(t, "commented.hujson"), 0o600)
	st := openStore(t, StoreConfig{Path: path})
	if _, err := st.Update(members(t, `{"protect_recent": 8}`), nil, ""); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{"// Compression settings for the build farm's agents.", "// Tool outputs of the last turns stay as they are.", "/* keep a bit under half */", `"overridable"`} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("rewritten file lacks %q:\n%s", want, data)
		}
	}
	if s, err := Parse(data); err != nil || s.ProtectRecent != 8 || s.MinTokensToCompress != 400 {
		t.Errorf("rewritten file: %v", err)
	}

	plain := filepath.Join(dir, "c.json")
	os.WriteFile(plain, readTestdata(t, "original-persisted.json"), 0o600)
	st = openStore(t, StoreConfig{Path: plain})
	if _, err := st.Update(members(t, `{"savings_profile": "agent-90"}`), nil, ""); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(plain)
	if err := jsonValid(data); err != nil {
		t.Errorf("plain JSON file is no longer standard JSON: %v\n%s", err, data)
	}
}

// TestWriteFailureChangesNothing: when the file cannot be written (here a
// read-only directory), the update fails with a WriteError and neither the
// settings in force nor the file change.
func TestWriteFailureChangesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.json")
	os.WriteFile(path, readTestdata(t, "original-persisted.json"), 0o600)
	st := openStore(t, StoreConfig{Path: path})
	before, _ := os.ReadFile(path)
	_, etag, _ := st.Version()
	readOnlyDir(t, dir)
	_, err := st.Update(members(t, `{"protect_recent": 9}`), nil, "")
	var werr *WriteError
	if !errors.As(err, &werr) {
		t.Fatalf("update in a read-only directory: %v", err)
	}
	after, _ := os.ReadFile(path)
	if s, etag2, _ := st.Version(); s.ProtectRecent != 6 || etag2 != etag || !bytes.Equal(before, after) {
		t.Errorf("failed write changed something: protect_recent %d, etag %s -> %s", s.ProtectRecent, etag, etag2)
	}
}

// readOnlyDir makes dir unwritable for this process until the test ends:
// mode 0500, and for root (whom modes do not stop) the immutable attribute.
func readOnlyDir(t *testing.T, dir string) {
	t.Helper()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	probe := filepath.Join(dir, ".probe")
	if f, err := os.Create(probe); err != nil {
		return // the mode is enough
	} else {
		f.Close()
		os.Remove(probe)
	}
	testenv.Immutable(t, dir)
}

// concurrentPatches each set a different field, for the tests that race
// them; checkAllPatched fails t unless s holds every one.
var concurrentPatches = []string{`{"protect_recent": 7}`, `{"min_tokens_to_compress": 300}`, `{"savings_profile": "balanced"}`,
	`{"compress_user_messages": true}`, `{"target_ratio": 0.5}`, `{"context_window": 64000}`}

func checkAllPatched(t *testing.T, s Settings) {
	t.Helper()
	if s.ProtectRecent != 7 || s.MinTokensToCompress != 300 || s.SavingsProfile != "balanced" ||
		!s.CompressUserMessages || s.TargetRatio == nil || *s.TargetRatio != 0.5 || s.ContextWindow != 64000 {
		t.Errorf("an update was lost:\n%s", s.Marshal())
	}
}

// TestConcurrentUpdates: concurrent updates of different fields never lose
// one (each merges onto the last), in memory and in the file; with the same
// If-Match, exactly one of two wins.
func TestConcurrentUpdates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	st := openStore(t, StoreConfig{Path: path})
	patches := concurrentPatches
	var wg sync.WaitGroup
	for _, p := range patches {
		m := members(t, p)
		wg.Go(func() {
			if _, err := st.Update(m, nil, ""); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	checkAllPatched(t, st.Get())
	checkAllPatched(t, openStore(t, StoreConfig{Path: path}).Get())

	_, etag, _ := st.Version()
	results := make(chan error, 2)
	for _, p := range []string{`{"protect_recent": 1}`, `{"protect_recent": 2}`} {
		m := members(t, p)
		wg.Go(func() {
			_, err := st.Update(m, []string{etag}, "")
			results <- err
		})
	}
	wg.Wait()
	close(results)
	won, lost := 0, 0
	for err := range results {
		switch {
		case err == nil:
			won++
		case errors.Is(err, ErrPrecondition):
			lost++
		default:
			t.Error(err)
		}
	}
	if won != 1 || lost != 1 {
		t.Errorf("same If-Match: %d won, %d refused; want 1 and 1", won, lost)
	}
}

func jsonValid(data []byte) error {
	var v any
	return json.Unmarshal(data, &v)
}
