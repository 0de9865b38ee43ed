package probe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metrics GETs a /metrics URL with c (nil: http.DefaultClient) and parses
// the answer as ParseMetrics does. The scrape is bounded to 10s; an
// answer other than 200 is an error that quotes its start.
func Metrics(ctx context.Context, c *http.Client, url string) (map[string]float64, error) {
	if c == nil {
		c = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 200))
		return nil, fmt.Errorf("scrape %s: %s %q", url, res.Status, b)
	}
	return ParseMetrics(res.Body)
}

// ParseMetrics parses a /metrics answer in the text exposition format as
// Prometheus does, into sample values keyed by the family name followed
// by ",label=value" for each label in the order the answer gives them:
// "tsheadroom_blocks_restored_total,reason=terms". Histograms and
// summaries are left out; their _sum and _count are not series here.
func ParseMetrics(r io.Reader) (map[string]float64, error) {
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse scrape: %w", err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			var key strings.Builder
			key.WriteString(name)
			for _, l := range m.GetLabel() {
				key.WriteString("," + l.GetName() + "=" + l.GetValue())
			}
			switch {
			case m.Counter != nil:
				out[key.String()] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key.String()] = m.GetGauge().GetValue()
			case m.Untyped != nil:
				out[key.String()] = m.GetUntyped().GetValue()
			}
		}
	}
	return out, nil
}
