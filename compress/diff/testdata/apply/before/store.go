package shelf

import "sync"

// Store keeps bookmarks in memory.
type Store struct {
	mu    sync.Mutex
	items map[string]string
}

// Bookmark is one saved link.
type Bookmark struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Put saves or replaces a bookmark.
func (s *Store) Put(name, url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.items == nil {
		s.items = map[string]string{}
	}
	s.items[name] = url
}

// All returns every bookmark.
func (s *Store) All() []Bookmark {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Bookmark, 0, len(s.items))
	for name, url := range s.items {
		out = append(out, Bookmark{Name: name, URL: url})
	}
	return out
}
