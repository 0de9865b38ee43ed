// Package ratelog keeps repeated log lines from flooding a log: one line
// per key (an outcome, a caller, a field) per interval, with the number of
// lines held back since the last one. Services log fail-open outcomes and
// denials at warn without -v; under a storm each still shows up, at most
// once an interval, with its count.
package ratelog

import (
	"sync"
	"time"
)

// overflowKey shares one budget among the keys that arrive while the table
// is full, so distinct keys cannot grow memory or the log without bound.
const overflowKey = "\x00overflow"

// Limiter decides which lines to log. It is safe for concurrent use.
type Limiter struct {
	every   time.Duration
	maxKeys int
	now     func() time.Time

	mu   sync.Mutex
	keys map[string]*entry
}

type entry struct {
	last       time.Time
	suppressed int
}

// New returns a Limiter that lets one line per key through every interval
// and tracks at most maxKeys keys (further keys share one budget until old
// ones expire). now is the clock; nil means time.Now.
func New(every time.Duration, maxKeys int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{every: every, maxKeys: max(maxKeys, 1), now: now, keys: make(map[string]*entry)}
}

// Allow reports whether a line for key may be logged now and, when it may,
// how many lines for key were held back since the last one logged.
func (l *Limiter) Allow(key string) (ok bool, suppressed int) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.keys[key]
	if e == nil {
		if len(l.keys) >= l.maxKeys {
			l.expire(now)
		}
		if len(l.keys) >= l.maxKeys {
			key = overflowKey
			e = l.keys[key]
		}
		if e == nil {
			l.keys[key] = &entry{last: now}
			return true, 0
		}
	}
	if now.Sub(e.last) < l.every {
		e.suppressed++
		return false, 0
	}
	n := e.suppressed
	e.last, e.suppressed = now, 0
	return true, n
}

// expire drops the keys whose interval has passed with nothing held back:
// forgetting them loses nothing. Called with mu held.
func (l *Limiter) expire(now time.Time) {
	for k, e := range l.keys {
		if e.suppressed == 0 && now.Sub(e.last) >= l.every {
			delete(l.keys, k)
		}
	}
}
