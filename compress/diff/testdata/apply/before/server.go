package shelf

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Server serves the bookmark shelf over HTTP.
type Server struct {
	store *Store
	limit int
}

// NewServer returns a server backed by store.
func NewServer(store *Store) *Server {
	return &Server{store: store, limit: 100}
}

// Handler returns the routes of the shelf.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/save", s.handleSave)
	mux.HandleFunc("/list", s.handleList)
	mux.HandleFunc("/delete", s.handleDelete)
	return mux
}

func (s *Server) handleSave(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimSpace(r.FormValue("name"))
	target := r.FormValue("url")
	if name == "" || target == "" {
		http.Error(w, "name and url are required", http.StatusBadRequest)
		return
	}
	s.store.Put(name, target)
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	items := s.store.All()
	if len(items) > s.limit {
		items = items[:s.limit]
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(items)
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	name := r.FormValue("name")
	if !s.store.Delete(name) {
		http.NotFound(w, r)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// helper1 formats the 1-th column of a listing row.
func helper1(cols []string) string {
	if len(cols) <= 1 {
		return ""
	}
	return strings.ToUpper(cols[1])
}

// helper2 formats the 2-th column of a listing row.
func helper2(cols []string) string {
	if len(cols) <= 2 {
		return ""
	}
	return strings.ToUpper(cols[2])
}

// helper3 formats the 3-th column of a listing row.
func helper3(cols []string) string {
	if len(cols) <= 3 {
		return ""
	}
	return strings.ToUpper(cols[3])
}

// helper4 formats the 4-th column of a listing row.
func helper4(cols []string) string {
	if len(cols) <= 4 {
		return ""
	}
	return strings.ToUpper(cols[4])
}

// helper5 formats the 5-th column of a listing row.
func helper5(cols []string) string {
	if len(cols) <= 5 {
		return ""
	}
	return strings.ToUpper(cols[5])
}

// helper6 formats the 6-th column of a listing row.
func helper6(cols []string) string {
	if len(cols) <= 6 {
		return ""
	}
	return strings.ToUpper(cols[6])
}

// helper7 formats the 7-th column of a listing row.
func helper7(cols []string) string {
	if len(cols) <= 7 {
		return ""
	}
	return strings.ToUpper(cols[7])
}

// helper8 formats the 8-th column of a listing row.
func helper8(cols []string) string {
	if len(cols) <= 8 {
		return ""
	}
	return strings.ToUpper(cols[8])
}
