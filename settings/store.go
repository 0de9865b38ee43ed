package settings

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tailscale/hujson"
	"tailscale.com/atomicfile"
)

// StoreConfig configures a Store.
type StoreConfig struct {
	// Path is the settings file. It is read at Open (a missing file means
	// the defaults, and is created by the first update) and rewritten
	// atomically by every update. Empty keeps the settings in memory only.
	Path string
	// Overrides, when set, is a JSON object of fields applied over the
	// file at Open, in memory only (a flag such as -profile); an update
	// writes them to the file along with its own change. OverridesFrom
	// names their origin for Origin.
	Overrides     []byte
	OverridesFrom string
	// Logger receives the missing-file warning. Nil discards it.
	Logger *slog.Logger
}

// File states, as Origin reports them.
const (
	FileLoaded  = "loaded"
	FileMissing = "missing"
	FileNone    = "none"
)

// Origin says where the settings in force come from, for GET /config.
type Origin struct {
	// File is the settings file; empty when the settings live in memory.
	File string `json:"file,omitempty"`
	// FileState is FileLoaded (read at start or written since),
	// FileMissing (not there at start: defaults, created by the first
	// update) or FileNone (no file configured).
	FileState string `json:"file_state"`
	// Overrides maps the fields set over the file at start to their
	// origin (e.g. "savings_profile": "-profile").
	Overrides map[string]string `json:"start_overrides,omitempty"`
	// UpdatedBy and UpdatedAt describe the last accepted update since
	// start, if any.
	UpdatedBy string `json:"updated_by,omitempty"`
	UpdatedAt string `json:"updated_at,omitempty"`
}

// Store holds the settings in force and keeps the settings file in step
// with them. Reads never block; updates are serialised, and each one is
// written to the file before the settings in force change. It is safe for
// concurrent use.
type Store struct {
	path string

	mu sync.Mutex // serialises updates; guards raw
	// raw is the file as last read or written, kept so an update can
	// rewrite the file with its comments and layout.
	raw []byte
	cur atomic.Pointer[snapshot]
}

// snapshot is one version of the settings.
type snapshot struct {
	s      Settings
	etag   string
	origin Origin
}

// ErrPrecondition is returned by Update when If-Match names another
// version than the one in force.
var ErrPrecondition = errors.New("settings changed since the version given in If-Match")

// WriteError is an update that could not be saved; nothing changed.
type WriteError struct {
	Path string
	Err  error
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("cannot save settings to %s (nothing changed): %v", e.Path, e.Err)
}

func (e *WriteError) Unwrap() error { return e.Err }

// Open reads the settings file and applies the overrides. A missing file
// gives the defaults (with a warning); a file that cannot be read or does
// not hold valid settings is an error naming the file and the field.
func Open(cfg StoreConfig) (*Store, error) {
	st := &Store{path: cfg.Path}
	s := Default()
	origin := Origin{File: cfg.Path, FileState: FileNone}
	if cfg.Path != "" {
		data, err := os.ReadFile(cfg.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			origin.FileState = FileMissing
			if cfg.Logger != nil {
				cfg.Logger.Warn("settings file not found: starting on the defaults; the first change through /config creates it", "file", cfg.Path)
			}
		case err != nil:
			return nil, fmt.Errorf("settings file: %w", err)
		default:
			if s, err = Parse(data); err != nil {
				return nil, fmt.Errorf("settings file %s: %w", cfg.Path, err)
			}
			st.raw = data
			origin.FileState = FileLoaded
		}
	}
	if len(cfg.Overrides) > 0 {
		members, err := Members(cfg.Overrides)
		if err != nil {
			return nil, fmt.Errorf("settings overrides from %s: %w", cfg.OverridesFrom, err)
		}
		next, err := Apply(s, cfg.Overrides)
		if err != nil {
			return nil, fmt.Errorf("settings overrides from %s: %w", cfg.OverridesFrom, err)
		}
		s = next
		origin.Overrides = map[string]string{}
		for _, m := range members {
			origin.Overrides[m.Name] = cfg.OverridesFrom
		}
	}
	st.cur.Store(&snapshot{s: s, etag: etagOf(s), origin: origin})
	return st, nil
}

// Parse reads a settings file: JSON or HuJSON (comments, trailing commas)
// holding one object of known fields. Absent fields keep their defaults;
// null restores a default. Errors name the field.
func Parse(data []byte) (Settings, error) {
	// Standardize blanks comments in place: work on a copy, since the
	// caller keeps data to rewrite the file with its comments.
	std, err := hujson.Standardize(bytes.Clone(data))
	if err != nil {
		return Settings{}, fmt.Errorf("not valid JSON or HuJSON: %w", err)
	}
	return Apply(Default(), std)
}

// Get returns the settings in force.
func (st *Store) Get() Settings { return st.cur.Load().s.Clone() }

// Version returns the settings in force, their ETag (a strong entity tag,
// quoted, that changes whenever any field does) and their origin.
func (st *Store) Version() (Settings, string, Origin) {
	snap := st.cur.Load()
	return snap.s.Clone(), snap.etag, snap.origin
}

// Update is the outcome of an accepted update.
type Update struct {
	Old, New Settings
	Changes  []Change
	ETag     string
}

// Update sets the members of an update (fields, null restoring a default)
// on the settings in force, validates the result, writes it to the file
// and only then puts it in force. ifMatch, when not nil, lists the ETags
// the update applies to ("*" is any): when none is the one in force, the
// error is ErrPrecondition. by names the caller, for Origin. On any error
// nothing changes, in memory or on disk: a *WriteError when the file could
// not be written, ErrPrecondition, or an error naming the invalid field.
// An update that changes nothing writes nothing.
func (st *Store) Update(members []Member, ifMatch []string, by string) (Update, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	snap := st.cur.Load()
	if ifMatch != nil && !slices.Contains(ifMatch, "*") && !slices.Contains(ifMatch, snap.etag) {
		return Update{ETag: snap.etag}, ErrPrecondition
	}
	next, err := ApplyMembers(snap.s, members)
	if err != nil {
		return Update{ETag: snap.etag}, err
	}
	u := Update{Old: snap.s.Clone(), New: next.Clone(), Changes: Diff(snap.s, next), ETag: snap.etag}
	if len(u.Changes) == 0 {
		return u, nil
	}
	origin := snap.origin
	if st.path != "" {
		data := st.render(next)
		if err := writeFile(st.path, data); err != nil {
			return Update{ETag: snap.etag}, &WriteError{Path: st.path, Err: err}
		}
		st.raw = data
		origin.FileState = FileLoaded
	}
	origin.UpdatedBy, origin.UpdatedAt = by, time.Now().UTC().Format(time.RFC3339)
	u.ETag = etagOf(next)
	st.cur.Store(&snapshot{s: next, etag: u.ETag, origin: origin})
	return u, nil
}

// render is the file content for s. A file read or written before keeps
// its comments and layout: every field is set in it with a JSON patch
// (HuJSON-aware), then formatted (a standard JSON file stays standard).
// Without one, or if it no longer parses, s is written as plain JSON.
func (st *Store) render(s Settings) []byte {
	fresh := s.Marshal()
	if st.raw == nil {
		return fresh
	}
	v, err := hujson.Parse(st.raw)
	if err != nil {
		return fresh
	}
	var patch []byte
	patch = append(patch, '[')
	for i, f := range fields {
		if i > 0 {
			patch = append(patch, ',')
		}
		patch = fmt.Appendf(patch, `{"op":"add","path":"/%s","value":%s}`, f.name, s.render(f))
	}
	patch = append(patch, ']')
	if err := v.Patch(patch); err != nil {
		return fresh
	}
	v.Format()
	return v.Pack()
}

// writeFile replaces path atomically: a temporary file in the same
// directory, mode 0600, written and fsynced, renamed over path, then the
// directory fsynced so the rename itself survives a crash. Once the rename
// is done the new file is in place, so a failing directory fsync (some
// file systems refuse it) is not an error: reporting one would leave the
// settings in force behind the file.
func writeFile(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return nil
}

// etagOf is a strong entity tag for s: a hash of its rendering, so equal
// settings have equal tags, across restarts too.
func etagOf(s Settings) string {
	sum := sha256.Sum256(s.Marshal())
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}
