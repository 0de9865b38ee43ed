package metrics

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

const dashboardPath = "dashboard/tsheadroom.json"

// The subset of Grafana's dashboard model the checks need.
type dashboard struct {
	Title      string  `json:"title"`
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	GridPos struct{ H, W, X, Y int } `json:"gridPos"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // collapsed rows hold their panels
}

func loadDashboard(t testing.TB) dashboard {
	t.Helper()
	b, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatalf("read dashboard: %v", err)
	}
	var d dashboard
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("dashboard is not valid JSON: %v", err)
	}
	if dec.More() {
		t.Fatal("dashboard has trailing data after the JSON object")
	}
	return d
}

// allPanels flattens rows.
func (d dashboard) allPanels() []panel {
	var out []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			out = append(out, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

// dashExpr is one PromQL expression of the dashboard and where it sits.
type dashExpr struct {
	where, expr string
}

func (d dashboard) exprs() []dashExpr {
	var out []dashExpr
	for _, p := range d.allPanels() {
		for _, tg := range p.Targets {
			out = append(out, dashExpr{fmt.Sprintf("panel %q target %s", p.Title, tg.RefID), tg.Expr})
		}
	}
	return out
}

// labelValuesQuery matches Grafana's label_values(metric, label) variable
// query.
var labelValuesQuery = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)

func TestDashboardStructure(t *testing.T) {
	d := loadDashboard(t)
	if d.Title == "" || d.UID == "" {
		t.Fatalf("dashboard lacks title or uid: %q %q", d.Title, d.UID)
	}
	ids := map[int]string{}
	type rect struct {
		title        string
		x, y, x2, y2 int
	}
	var rects []rect
	for _, p := range d.allPanels() {
		if p.Title == "" {
			t.Errorf("panel %d has no title", p.ID)
		}
		if other, dup := ids[p.ID]; dup || p.ID <= 0 {
			t.Errorf("panel %q id %d is not unique and positive (also %q)", p.Title, p.ID, other)
		}
		ids[p.ID] = p.Title
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q gridPos %+v is outside the 24-column grid", p.Title, g)
		}
		for _, r := range rects {
			if g.X < r.x2 && r.x < g.X+g.W && g.Y < r.y2 && r.y < g.Y+g.H {
				t.Errorf("panel %q overlaps panel %q", p.Title, r.title)
			}
		}
		rects = append(rects, rect{p.Title, g.X, g.Y, g.X + g.W, g.Y + g.H})
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q does not use the ${datasource} Prometheus variable", p.Title)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" || tg.RefID == "" || refs[tg.RefID] {
				t.Errorf("panel %q has an empty expression or a missing/duplicate refId %q", p.Title, tg.RefID)
			}
			refs[tg.RefID] = true
		}
	}
	var vars []string
	for _, v := range d.Templating.List {
		vars = append(vars, v.Name)
	}
	if !slices.Equal(vars, []string{"datasource", "instance"}) {
		t.Errorf("template variables %v", vars)
	}
}

// TestDashboardCoversTheBrief checks the dashboard charts what operators
// asked for and leaves no family unused.
func TestDashboardCoversTheBrief(t *testing.T) {
	d := loadDashboard(t)
	want := map[string]string{
		"savings rate": `sum(rate(headroom_tokens_saved_total{instance=~"$instance"}[$__rate_interval])) / sum(rate(headroom_tokens_input_total{instance=~"$instance"}[$__rate_interval]))`,
		"tokens saved": `sum(increase(headroom_tokens_saved_total{instance=~"$instance"}[$__range]))`,
		"saturation":   `sum(tsheadroom_pool_slots_busy{instance=~"$instance"}) / sum(tsheadroom_pool_slots_total{instance=~"$instance"})`,
		"waiting":      `sum(tsheadroom_pool_waiting{instance=~"$instance"})`,
		"outcomes":     `sum by (outcome) (rate(tsheadroom_requests_by_outcome{instance=~"$instance"}[$__rate_interval]))`,
		"p99 latency":  `histogram_quantile(0.99, sum by (le) (rate(tsheadroom_hook_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))`,
		"denials":      `sum by (endpoint) (increase(tsheadroom_access_denied_total{instance=~"$instance"}[$__rate_interval]))`,
		"restarts":     `sum by (reason) (increase(tsheadroom_worker_restarts_total{instance=~"$instance"}[$__rate_interval]))`,
	}
	have := map[string]bool{}
	used := map[string]bool{}
	for _, e := range d.exprs() {
		have[e.expr] = true
		ms, _, err := promqlRefs(e.expr)
		if err != nil {
			t.Fatalf("%s: %v", e.where, err)
		}
		for _, m := range ms {
			used[strings.TrimSuffix(m, "_bucket")] = true
		}
	}
	for what, expr := range want {
		if !have[expr] {
			t.Errorf("no panel charts %s (%s)", what, expr)
		}
	}
	for name := range docFamilies {
		if !used[name] {
			t.Errorf("family %s is not on the dashboard", name)
		}
	}
}

// TestDashboardMatchesScrape keeps the dashboard from drifting: every
// metric and label its queries name must exist in a real scrape.
func TestDashboardMatchesScrape(t *testing.T) {
	d := loadDashboard(t)
	s := doScrape(t, populated(t).Handler(), "")
	exprs := d.exprs()
	for _, v := range d.Templating.List {
		q, _ := v.Query.(map[string]any)
		if v.Type != "query" || q == nil {
			continue
		}
		m := labelValuesQuery.FindStringSubmatch(fmt.Sprint(q["query"]))
		if m == nil {
			t.Errorf("variable %s: query %v is not label_values(metric, label)", v.Name, q["query"])
			continue
		}
		// instance is a target label Prometheus adds; the metric must exist.
		exprs = append(exprs, dashExpr{"variable " + v.Name, m[1]})
	}
	if len(exprs) < 20 {
		t.Fatalf("only %d expressions found; the dashboard model is not being read", len(exprs))
	}
	for _, e := range exprs {
		metrics, labels, err := promqlRefs(e.expr)
		if err != nil {
			t.Errorf("%s: %v", e.where, err)
			continue
		}
		if len(metrics) == 0 {
			t.Errorf("%s: no metric in %q", e.where, e.expr)
		}
		allowed := map[string]bool{"instance": true, "job": true} // target labels
		for _, name := range metrics {
			fam, ok := scrapedFamily(s, name)
			if !ok {
				t.Errorf("%s: metric %s is not in the scrape", e.where, name)
				continue
			}
			if fam.GetType() == dto.MetricType_HISTOGRAM && strings.HasSuffix(name, "_bucket") {
				allowed["le"] = true
			}
			for _, m := range fam.GetMetric() {
				for _, lp := range m.GetLabel() {
					allowed[lp.GetName()] = true
				}
			}
		}
		for _, l := range labels {
			if !allowed[l] {
				t.Errorf("%s: label %q is not on %v", e.where, l, metrics)
			}
		}
	}
}

// scrapedFamily finds the family a series name belongs to, histogram
// _bucket/_sum/_count series included.
func scrapedFamily(s scrape, name string) (*dto.MetricFamily, bool) {
	if f, ok := s.fams[name]; ok {
		return f, true
	}
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suf); ok {
			if f, ok := s.fams[base]; ok && (f.GetType() == dto.MetricType_HISTOGRAM || f.GetType() == dto.MetricType_SUMMARY) {
				return f, true
			}
		}
	}
	return nil, false
}

// promqlRefs lists the metric names and label names a PromQL expression
// refers to. It is a small lexer, not a parser: enough for dashboard
// queries, and it refuses what it cannot read rather than guessing.
func promqlRefs(expr string) (metrics, labels []string, err error) {
	grouping := map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}
	keywords := map[string]bool{"bool": true, "offset": true, "and": true, "or": true, "unless": true, "atan2": true,
		"inf": true, "Inf": true, "nan": true, "NaN": true}
	aggregators := map[string]bool{"sum": true, "avg": true, "min": true, "max": true, "count": true, "stddev": true,
		"stdvar": true, "topk": true, "bottomk": true, "quantile": true, "count_values": true, "group": true}
	isIdentStart := func(c byte) bool { return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	isIdent := func(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }
	i := 0
	skipSpace := func() {
		for i < len(expr) && strings.IndexByte(" \t\n\r", expr[i]) >= 0 {
			i++
		}
	}
	ident := func() string {
		start := i
		for i < len(expr) && isIdent(expr[i]) {
			i++
		}
		return expr[start:i]
	}
	skipString := func() error {
		q := expr[i]
		for i++; i < len(expr); i++ {
			switch {
			case expr[i] == '\\' && q != '`':
				i++
			case expr[i] == q:
				i++
				return nil
			}
		}
		return fmt.Errorf("unterminated string in %q", expr)
	}
	addUnique := func(list *[]string, v string) {
		if !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	for i < len(expr) {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'' || c == '`':
			if err := skipString(); err != nil {
				return nil, nil, err
			}
		case c == '[':
			end := strings.IndexByte(expr[i:], ']')
			if end < 0 {
				return nil, nil, fmt.Errorf("unterminated range in %q", expr)
			}
			i += end + 1
		case c == '$':
			i++
			if i < len(expr) && expr[i] == '{' {
				end := strings.IndexByte(expr[i:], '}')
				if end < 0 {
					return nil, nil, fmt.Errorf("unterminated variable in %q", expr)
				}
				i += end + 1
			} else {
				ident()
			}
		case c == '{':
			i++
			for {
				skipSpace()
				if i < len(expr) && expr[i] == '}' {
					i++
					break
				}
				if i >= len(expr) || !isIdentStart(expr[i]) {
					return nil, nil, fmt.Errorf("bad label matcher at %d in %q", i, expr)
				}
				addUnique(&labels, ident())
				skipSpace()
				op := 0
				for i+op < len(expr) && strings.IndexByte("=!~", expr[i+op]) >= 0 {
					op++
				}
				if op == 0 || i+op >= len(expr) {
					return nil, nil, fmt.Errorf("bad matcher operator at %d in %q", i, expr)
				}
				i += op
				skipSpace()
				if i >= len(expr) || strings.IndexByte("\"'`", expr[i]) < 0 {
					return nil, nil, fmt.Errorf("matcher value is not a string at %d in %q", i, expr)
				}
				if err := skipString(); err != nil {
					return nil, nil, err
				}
				skipSpace()
				if i < len(expr) && expr[i] == ',' {
					i++
				}
			}
		case c >= '0' && c <= '9' || c == '.':
			for i < len(expr) && (isIdent(expr[i]) || expr[i] == '.') {
				i++
			}
		case isIdentStart(c):
			name := ident()
			skipSpace()
			next := byte(0)
			if i < len(expr) {
				next = expr[i]
			}
			switch {
			case grouping[name]:
				if next != '(' {
					continue // group_left without a label list
				}
				end := strings.IndexByte(expr[i:], ')')
				if end < 0 {
					return nil, nil, fmt.Errorf("unterminated %s list in %q", name, expr)
				}
				for _, l := range strings.Split(expr[i+1:i+end], ",") {
					if l = strings.TrimSpace(l); l != "" {
						addUnique(&labels, l)
					}
				}
				i += end + 1
			case keywords[name], aggregators[name], next == '(':
				// an operator, an aggregation or a function call
			default:
				addUnique(&metrics, name)
			}
		default:
			i++
		}
	}
	sort.Strings(metrics)
	sort.Strings(labels)
	return metrics, labels, nil
}

func TestPromqlRefs(t *testing.T) {
	cases := []struct {
		expr            string
		metrics, labels string
	}{
		{`up`, "up", ""},
		{`sum by (le, outcome) (rate(a_bucket{x="1",y!~"z\"}"}[$__rate_interval]))`, "a_bucket", "le outcome x y"},
		{`histogram_quantile(0.99, sum(rate(h_bucket[5m])) by (le))`, "h_bucket", "le"},
		{`a / on(instance) group_left b offset 5m > bool 0.5e3`, "a b", "instance"},
		{`sum without(job) (c{instance=~"$instance"}) or vector(0)`, "c", "instance job"},
		{`max(x) - min(y{k='v'})`, "x y", "k"},
		{`count(z) * 2`, "z", ""},
	}
	for _, tc := range cases {
		m, l, err := promqlRefs(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if strings.Join(m, " ") != tc.metrics || strings.Join(l, " ") != tc.labels {
			t.Errorf("%s: metrics %q labels %q, want %q %q", tc.expr, m, l, tc.metrics, tc.labels)
		}
	}
	for _, bad := range []string{`a{b="c}`, `a{b}`, `rate(a[5m)`, `a{="x"}`} {
		if _, _, err := promqlRefs(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
