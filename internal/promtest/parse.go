package promtest

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/internal/probe"
)

// ParseText parses a /metrics answer as Prometheus does, into sample
// values keyed "name,label=value,..." (see probe.ParseMetrics, which it
// is: the tests that already parse with promtest keep their import).
func ParseText(body string) (map[string]float64, error) {
	return probe.ParseMetrics(strings.NewReader(body))
}
