package settings

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// DefaultMaxBytes bounds an update's body when HandlerConfig.MaxBytes is
// zero; the settings fit in well under a kilobyte.
const DefaultMaxBytes = 64 << 10

// Info is what /config shows beside the settings, read-only.
type Info struct {
	// Engine names the compression engine ("native", "headroom").
	Engine string
	// EngineVersion is the version of the library behind the engine
	// (headroom-ai's for the headroom engine); empty when there is none
	// or it is not known yet.
	EngineVersion string
}

// HandlerConfig configures a Handler.
type HandlerConfig struct {
	// Store holds the settings. Required.
	Store *Store
	// Info returns the read-only facts shown with the settings. Nil shows
	// none.
	Info func() Info
	// CallerName names the caller of a request for the audit log (the
	// identity the access layer attached). Nil logs no caller.
	CallerName func(context.Context) string
	// OnUpdate is called once per accepted update, whether or not it
	// changed a field (main counts them in tsheadroom_config_updates_total,
	// "accepted PUT /config").
	OnUpdate func()
	// Logger receives the audit line of every accepted update (info) and
	// every refused one (warn). Nil discards them.
	Logger *slog.Logger
	// MaxBytes caps an update's body; larger ones get 413. Zero means
	// DefaultMaxBytes.
	MaxBytes int64
}

// Handler serves /config: GET (and HEAD) show the settings in force with
// their ETag, the engine and where the settings come from; PUT and POST
// merge a JSON object of fields onto them (see Store.Update), honouring
// If-Match. It performs no access control: mount it behind the admin role.
type Handler struct {
	cfg HandlerConfig
	log *slog.Logger
}

// NewHandler validates cfg and returns a Handler.
func NewHandler(cfg HandlerConfig) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("settings: HandlerConfig.Store is required")
	}
	if cfg.MaxBytes < 0 {
		return nil, errors.New("settings: HandlerConfig.MaxBytes must not be negative")
	}
	cfg.MaxBytes = cmp.Or(cfg.MaxBytes, DefaultMaxBytes)
	if cfg.Info == nil {
		cfg.Info = func() Info { return Info{} }
	}
	if cfg.CallerName == nil {
		cfg.CallerName = func(context.Context) string { return "" }
	}
	if cfg.OnUpdate == nil {
		cfg.OnUpdate = func() {}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, log: log}, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s, etag, origin := h.cfg.Store.Version()
		if none := entityTags(r.Header, "If-None-Match"); slices.Contains(none, etag) || slices.Contains(none, "*") {
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.write(w, http.StatusOK, s, etag, origin)
	case http.MethodPut, http.MethodPost:
		h.update(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT, POST")
		http.Error(w, "use GET, or PUT or POST with a JSON object of settings", http.StatusMethodNotAllowed)
	}
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	caller := h.cfg.CallerName(r.Context())
	refuse := func(status int, etag string, err error) {
		h.log.Warn("settings update refused", "caller", caller, "method", r.Method, "status", status, "err", err.Error())
		if etag != "" {
			w.Header().Set("ETag", etag)
		}
		http.Error(w, err.Error(), status)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBytes))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			refuse(http.StatusRequestEntityTooLarge, "", fmt.Errorf("settings update larger than %d bytes", mbe.Limit))
			return
		}
		refuse(http.StatusBadRequest, "", fmt.Errorf("read settings update: %w", err))
		return
	}
	members, err := Members(body)
	if err != nil {
		refuse(http.StatusBadRequest, "", fmt.Errorf("invalid settings update: %w", err))
		return
	}
	members, err = h.dropReadOnly(members)
	if err != nil {
		refuse(http.StatusBadRequest, "", fmt.Errorf("invalid settings update: %w", err))
		return
	}
	u, err := h.cfg.Store.Update(members, entityTags(r.Header, "If-Match"), caller)
	var werr *WriteError
	switch {
	case errors.Is(err, ErrPrecondition):
		refuse(http.StatusPreconditionFailed, u.ETag, fmt.Errorf("%w (in force: %s); GET /config and retry", err, u.ETag))
		return
	case errors.As(err, &werr):
		refuse(http.StatusInternalServerError, u.ETag, err)
		return
	case err != nil:
		refuse(http.StatusBadRequest, u.ETag, fmt.Errorf("invalid settings update: %w", err))
		return
	}
	if len(u.Changes) == 0 {
		h.log.Info("settings update changed nothing", "caller", caller)
	} else {
		changes := make([]any, len(u.Changes))
		for i, c := range u.Changes {
			changes[i] = slog.String(c.Field, c.Old+" -> "+c.New)
		}
		h.log.Info("settings updated", "caller", caller, slog.Group("changes", changes...), "etag", u.ETag)
	}
	h.cfg.OnUpdate()
	s, etag, origin := h.cfg.Store.Version()
	h.write(w, http.StatusOK, s, etag, origin)
}

// dropReadOnly removes the read-only members GET shows beside the settings
// (engine, engine_version, headroom_version, source) from an update, so a
// GET body can be edited and sent back. An engine or version other than
// the one running is refused, since only a restart changes them; source is
// ignored.
func (h *Handler) dropReadOnly(members []Member) ([]Member, error) {
	info := h.cfg.Info()
	var out []Member
	for _, m := range members {
		var want string
		switch m.Name {
		case "engine":
			want = info.Engine
		case "engine_version", "headroom_version":
			want = info.EngineVersion
		case "source":
			continue
		default:
			out = append(out, m)
			continue
		}
		var got string
		if json.Unmarshal(m.Value, &got) != nil || got != want {
			return nil, &FieldError{Field: m.Name, Msg: "read-only: it changes only with a restart (-engine, -python)"}
		}
	}
	return out, nil
}

// write sends the settings with the read-only facts and the ETag.
func (h *Handler) write(w http.ResponseWriter, status int, s Settings, etag string, origin Origin) {
	info := h.cfg.Info()
	str := func(v string) jsontext.Value {
		b, _ := json.Marshal(v)
		return b
	}
	extra := []Member{{Name: "engine", Value: str(info.Engine)}}
	if info.EngineVersion != "" {
		extra = append(extra, Member{Name: "engine_version", Value: str(info.EngineVersion)})
		if info.Engine == "headroom" {
			extra = append(extra, Member{Name: "headroom_version", Value: str(info.EngineVersion)})
		}
	}
	src, _ := json.Marshal(origin, json.Deterministic(true))
	extra = append(extra, Member{Name: "source", Value: src})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(s.marshal(extra))
}

// entityTags returns the entity tags listed in the header's values (RFC
// 9110: comma-separated, over one or more lines), or nil when the header is
// absent. Tags are compared as sent: a weak tag (W/"...") never matches the
// strong ETag this handler gives.
func entityTags(h http.Header, name string) []string {
	var tags []string
	for _, line := range h.Values(name) {
		for tag := range strings.SplitSeq(line, ",") {
			if tag = strings.TrimSpace(tag); tag != "" {
				tags = append(tags, tag)
			}
		}
	}
	return tags
}
