package hook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// maxConfigBytes bounds a PUT /config body; the knobs fit in a few hundred
// bytes.
const maxConfigBytes = 64 << 10

// ConfigHandler serves the runtime compression settings: GET returns them,
// PUT merges a JSON object of knobs into them (unknown names are refused),
// validates the result and installs it for the calls that start afterwards.
// It performs no access control: mount it behind the admin role.
func (h *Hook) ConfigHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			writeJSON(w, http.StatusOK, h.Knobs())
		case http.MethodPut:
			next := h.Knobs()
			dec := json.NewDecoder(io.LimitReader(r.Body, maxConfigBytes))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&next); err != nil {
				http.Error(w, fmt.Sprintf("bad config: %v", err), http.StatusBadRequest)
				return
			}
			if err := h.SetKnobs(next); err != nil {
				http.Error(w, fmt.Sprintf("invalid config: %v", err), http.StatusBadRequest)
				return
			}
			if h.metrics != nil {
				h.metrics.ConfigUpdated()
			}
			h.log.Info("compression config updated", "caller", h.callerName(r.Context()), "config", next)
			writeJSON(w, http.StatusOK, next)
		default:
			w.Header().Set("Allow", "GET, HEAD, PUT")
			http.Error(w, "use GET or PUT", http.StatusMethodNotAllowed)
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
