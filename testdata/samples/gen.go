//go:build ignore

// gen writes the sample hook calls in this directory: eight agent requests,
// one per provider shape and kind of bulky tool output, each with a
// .meta.json in the development corpus's format (kind, shape, must_keep).
// Everything in them is made up here; the outputs imitate what the named
// commands print. The output is deterministic (fixed seeds, fixed clock).
//
//	go run testdata/samples/gen.go          (from the repository root)
package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// sample is one generated case.
type sample struct {
	name, shape, kind, description, imitates string
	mustKeep                                 []string
	call                                     any
}

// meta is a case's .meta.json, as in the development corpus.
type meta struct {
	Description   string   `json:"description"`
	Shape         string   `json:"shape"`
	Kind          string   `json:"kind"`
	SourceCommand string   `json:"source_command"`
	Bytes         int      `json:"bytes"`
	MustKeep      []string `json:"must_keep"`
}

// metadata is the hook envelope's metadata object.
type metadata struct {
	LoginName    string `json:"login_name"`
	UserAgent    string `json:"user_agent"`
	URL          string `json:"url"`
	Model        string `json:"model"`
	Provider     string `json:"provider"`
	TailnetName  string `json:"tailnet_name"`
	StableNodeID string `json:"stable_node_id"`
	RequestID    string `json:"request_id"`
	SessionID    string `json:"session_id"`
}

type call struct {
	Metadata    metadata `json:"metadata"`
	RequestBody any      `json:"request_body"`
}

// obj is a JSON object that keeps its keys in the order given, as the
// providers' SDKs write them.
type obj []kv

type kv struct {
	k string
	v any
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshal(f.k)
		if err != nil {
			return nil, err
		}
		v, err := marshal(f.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal is compact JSON without HTML escaping, as the SDKs send it.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func envelope(url, model, provider, agent string, n int, body any) call {
	return call{
		Metadata: metadata{
			LoginName:    "dev@example.com",
			UserAgent:    agent,
			URL:          url,
			Model:        model,
			Provider:     provider,
			TailnetName:  "example.ts.net",
			StableNodeID: "nSampleNode0CNTRL",
			RequestID:    fmt.Sprintf("req_sample_%02d", n),
			SessionID:    fmt.Sprintf("sess_sample_%02d", n),
		},
		RequestBody: body,
	}
}

func main() {
	dir := flag.String("dir", "testdata/samples", "output directory")
	flag.Parse()
	samples := []sample{
		goTestFail(), deploysJSON(), rgSearch(), findListing(),
		gitDiff(), makeBuild(), journalOOM(), kubectlPods(),
	}
	for _, s := range samples {
		data, err := marshal(s.call)
		if err != nil {
			log.Fatal(err)
		}
		for _, k := range s.mustKeep {
			if !bytes.Contains(data, mustJSON(k)) {
				log.Fatalf("%s: must_keep %q is not in the call", s.name, k)
			}
		}
		m, err := json.MarshalIndent(meta{
			Description:   s.description,
			Shape:         s.shape,
			Kind:          s.kind,
			SourceCommand: "go run testdata/samples/gen.go (imitates: " + s.imitates + ")",
			Bytes:         len(data),
			MustKeep:      s.mustKeep,
		}, "", "  ")
		if err != nil {
			log.Fatal(err)
		}
		write(filepath.Join(*dir, s.name+".hook.json"), data)
		write(filepath.Join(*dir, s.name+".meta.json"), append(m, '\n'))
	}
}

// mustJSON is s as it appears inside a JSON string (without the quotes).
func mustJSON(s string) []byte {
	b, _ := marshal(s)
	return b[1 : len(b)-1]
}

func write(name string, data []byte) {
	if err := os.WriteFile(name, data, 0o644); err != nil {
		log.Fatal(err)
	}
}

// clock is the fixed start of every generated timeline.
var clock = time.Date(2026, 11, 24, 9, 12, 0, 0, time.UTC)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func lines(f func(b *strings.Builder)) string {
	var b strings.Builder
	f(&b)
	return b.String()
}

// goTestFail: Claude Code runs `go test -v ./...`; one subtest of three
// packages fails.
func goTestFail() sample {
	r := rand.New(rand.NewPCG(1, 1))
	failMsg := "reconcile_test.go:88: balance after partial refund = 41.50 EUR, want 42.50 EUR"
	out := lines(func(b *strings.Builder) {
		pkgs := []struct {
			name, file string
			tests      []string
		}{
			{"example.com/ledger/internal/money", "money_test.go", []string{"TestParseAmount", "TestFormatAmount", "TestRound", "TestCurrencyOf", "TestAdd", "TestSplit"}},
			{"example.com/ledger/internal/store", "reconcile_test.go", []string{"TestOpen", "TestAppendEntry", "TestReconcile", "TestSnapshot", "TestCompact"}},
			{"example.com/ledger/api", "handler_test.go", []string{"TestListAccounts", "TestGetAccount", "TestPostTransfer", "TestRateLimit"}},
		}
		subs := []string{"zero", "negative_cents", "large_value", "rounding_half_even", "foreign_currency", "empty_input", "duplicate_id", "unicode_memo", "partial_refund", "full_refund", "chargeback", "split_three_ways"}
		for _, p := range pkgs {
			failed := false
			for _, t := range p.tests {
				// With -v, a subtest's log lines stream after its RUN line;
				// the results follow the parent's, indented.
				fmt.Fprintf(b, "=== RUN   %s\n", t)
				n := 4 + r.IntN(7)
				if t == "TestReconcile" {
					n = 10 // reaches partial_refund
				}
				var results []string
				testFailed := false
				for i := 0; i < n; i++ {
					sub := subs[(i+len(t))%len(subs)]
					fmt.Fprintf(b, "=== RUN   %s/%s\n", t, sub)
					if t == "TestReconcile" && sub == "partial_refund" {
						fmt.Fprintf(b, "    %s\n", failMsg)
						results = append(results, fmt.Sprintf("    --- FAIL: %s/%s (0.00s)\n", t, sub))
						testFailed = true
						continue
					}
					if r.IntN(3) == 0 {
						fmt.Fprintf(b, "    %s:%d: fixture %s loaded in %dms\n", p.file, 20+r.IntN(200), sub, 1+r.IntN(9))
					}
					results = append(results, fmt.Sprintf("    --- PASS: %s/%s (0.%02ds)\n", t, sub, r.IntN(4)))
				}
				verdict := "PASS"
				if testFailed {
					verdict, failed = "FAIL", true
				}
				fmt.Fprintf(b, "--- %s: %s (0.%02ds)\n", verdict, t, 10+r.IntN(80))
				b.WriteString(strings.Join(results, ""))
			}
			if failed {
				fmt.Fprintf(b, "FAIL\n")
				fmt.Fprintf(b, "FAIL\t%s\t0.214s\n", p.name)
			} else {
				fmt.Fprintf(b, "PASS\n")
				fmt.Fprintf(b, "ok  \t%s\t0.%03ds\n", p.name, 10+r.IntN(90))
			}
		}
		fmt.Fprintf(b, "FAIL\n")
	})
	body := obj{
		{"model", "claude-sonnet-4-5"},
		{"max_tokens", 8192},
		{"system", "You are a coding agent working in the user's repository."},
		{"messages", []any{
			obj{{"role", "user"}, {"content", "The ledger tests went red after my refund change. Run them and find what broke."}},
			obj{{"role", "assistant"}, {"content", []any{
				obj{{"type", "text"}, {"text", "I'll run the whole test suite."}},
				obj{{"type", "tool_use"}, {"id", "toolu_01Sample"}, {"name", "Bash"}, {"input", obj{{"command", "go test -v ./..."}, {"description", "Run all tests"}}}},
			}}},
			obj{{"role", "user"}, {"content", []any{
				obj{{"type", "tool_result"}, {"tool_use_id", "toolu_01Sample"}, {"is_error", true}, {"content", out}},
			}}},
			obj{{"role", "assistant"}, {"content", "One subtest fails in internal/store: TestReconcile/partial_refund."}},
			obj{{"role", "user"}, {"content", "Why is the partial refund balance off by one euro?"}},
		}},
		{"tools", []any{obj{{"name", "Bash"}, {"description", "Run a shell command."}, {"input_schema", obj{{"type", "object"}, {"properties", obj{{"command", obj{{"type", "string"}}}}}}}}}},
	}
	return sample{
		name: "go-test-fail", shape: "anthropic", kind: "test-log", imitates: "go test -v ./...",
		description: "go test -v over three packages, ~150 passing subtests and one failing (TestReconcile/partial_refund); is_error.",
		mustKeep:    []string{failMsg, "--- FAIL: TestReconcile/partial_refund (0.00s)", "FAIL\texample.com/ledger/internal/store\t0.214s"},
		call:        envelope("http://ai.example.ts.net/v1/messages", "claude-sonnet-4-5", "anthropic", "claude-cli/2.0.14 (external, cli)", 1, body),
	}
}

// deploysJSON: an agent fetches a deployment API's JSON array; one
// production deployment failed.
func deploysJSON() sample {
	r := rand.New(rand.NewPCG(2, 2))
	services := []string{"billing-api", "checkout-web", "search-indexer", "auth-gateway", "notifications", "media-resizer", "ledger-sync"}
	envs := []string{"staging", "staging", "production", "canary"}
	people := []string{"ci", "ci", "ci", "alice", "bob", "ci-nightly"}
	type dep struct {
		ID          string  `json:"id"`
		Service     string  `json:"service"`
		Environment string  `json:"environment"`
		Version     string  `json:"version"`
		Status      string  `json:"status"`
		StartedAt   string  `json:"started_at"`
		FinishedAt  string  `json:"finished_at"`
		DurationS   int     `json:"duration_s"`
		TriggeredBy string  `json:"triggered_by"`
		Commit      string  `json:"commit"`
		Replicas    int     `json:"replicas"`
		Error       *string `json:"error"`
	}
	failErr := "health check /readyz timed out after 300s on 3 of 5 pods (connection refused on :8443)"
	var deps []dep
	t := clock.Add(-7 * 24 * time.Hour)
	for i := 1; i <= 140; i++ {
		t = t.Add(time.Duration(20+r.IntN(90)) * time.Minute)
		d := 40 + r.IntN(200)
		svc := pick(r, services)
		env := pick(r, envs)
		dp := dep{
			ID: fmt.Sprintf("dep_%04d", i), Service: svc, Environment: env,
			Version:   fmt.Sprintf("%d.%d.%d", 1+r.IntN(3), r.IntN(20), r.IntN(12)),
			Status:    "succeeded",
			StartedAt: t.Format(time.RFC3339), FinishedAt: t.Add(time.Duration(d) * time.Second).Format(time.RFC3339),
			DurationS: d, TriggeredBy: pick(r, people), Commit: fmt.Sprintf("%07x", r.Uint32()>>4), Replicas: 2 + r.IntN(4),
		}
		if i == 117 {
			dp.Service, dp.Environment, dp.Status, dp.Replicas = "checkout-web", "production", "failed", 5
			dp.Version, dp.DurationS = "3.8.0", 312
			dp.FinishedAt = t.Add(312 * time.Second).Format(time.RFC3339)
			dp.Error = &failErr
		}
		deps = append(deps, dp)
	}
	pretty, _ := json.MarshalIndent(deps, "", "  ")
	body := obj{
		{"model", "gpt-4.1"},
		{"messages", []any{
			obj{{"role", "system"}, {"content", "You are an on-call assistant with read access to the deploy API."}},
			obj{{"role", "user"}, {"content", "Pull last week's deployments. Did any production rollout fail?"}},
			obj{{"role", "assistant"}, {"content", nil}, {"tool_calls", []any{obj{{"id", "call_sample02"}, {"type", "function"}, {"function", obj{{"name", "http_get"}, {"arguments", `{"url":"https://deploy.example.internal/api/v1/deployments?since=7d"}`}}}}}}},
			obj{{"role", "tool"}, {"tool_call_id", "call_sample02"}, {"content", string(pretty)}},
			obj{{"role", "assistant"}, {"content", "140 deployments came back; one production deployment has status failed."}},
			obj{{"role", "user"}, {"content", "Which one, and what was the error?"}},
		}},
		{"tools", []any{obj{{"type", "function"}, {"function", obj{{"name", "http_get"}, {"parameters", obj{{"type", "object"}, {"properties", obj{{"url", obj{{"type", "string"}}}}}}}}}}}},
	}
	return sample{
		name: "deploys-json", shape: "openai-chat", kind: "json", imitates: "curl -s .../api/v1/deployments?since=7d | jq .",
		description: "Pretty-printed JSON array of 140 deployment records from a deploy API; one production deployment failed with an error string.",
		mustKeep:    []string{"dep_0117", failErr},
		call:        envelope("https://ai.example.ts.net/v1/chat/completions", "gpt-4.1", "openai", "openai-python/1.99.1", 2, body),
	}
}

// rgSearch: Codex greps a Python service for a setting.
func rgSearch() sample {
	r := rand.New(rand.NewPCG(3, 3))
	dirs := []string{"src/worker", "src/worker/jobs", "src/api", "src/api/routes", "src/common", "tests/worker", "tests/api", "src/scheduler"}
	files := []string{"retry.py", "config.py", "client.py", "queue.py", "handlers.py", "backoff.py", "test_retry.py", "test_queue.py", "settings.py", "policies.py"}
	uses := []string{
		"    retry_budget = policy.retry_budget",
		"        if attempt >= self.retry_budget:",
		"    def __init__(self, retry_budget: int = 5, base_delay: float = 0.2):",
		"        self.retry_budget = retry_budget",
		"    assert job.retry_budget == 5",
		"            remaining = self.retry_budget - attempt",
		"        log.debug(\"retry %d of %d\", attempt, self.retry_budget)",
		"    return Policy(retry_budget=cfg.retry_budget, jitter=cfg.jitter)",
		"    retry_budget: int = 5",
		"        \"retry_budget\": self.retry_budget,",
	}
	zero := "src/worker/config.py:77:    retry_budget: int = 0  # batch jobs must not retry (see INC-2231)"
	type hit struct {
		path string
		line int
		text string
	}
	hits := []hit{{"src/worker/config.py", 77, strings.TrimPrefix(zero, "src/worker/config.py:77:")}}
	for len(hits) < 260 {
		hits = append(hits, hit{pick(r, dirs) + "/" + pick(r, files), 5 + r.IntN(400), pick(r, uses)})
	}
	// rg searches file by file, so each file's hits come together, in order.
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(strings.Compare(a.path, b.path), a.line-b.line) })
	out := lines(func(b *strings.Builder) {
		for _, h := range hits {
			fmt.Fprintf(b, "%s:%d:%s\n", h.path, h.line, h.text)
		}
	})
	body := obj{
		{"model", "gpt-5-codex"},
		{"instructions", "You are Codex, a coding agent. Use the shell tool to inspect the repository."},
		{"input", []any{
			obj{{"type", "message"}, {"role", "user"}, {"content", []any{obj{{"type", "input_text"}, {"text", "Batch jobs never retry any more. Find where retry_budget is configured."}}}}},
			obj{{"type", "reasoning"}, {"id", "rs_sample03"}, {"summary", []any{}}, {"encrypted_content", "gAAAAABsample-opaque-reasoning"}},
			obj{{"type", "function_call"}, {"call_id", "call_sample03"}, {"name", "shell"}, {"arguments", `{"command":["rg","-n","retry_budget","."]}`}},
			obj{{"type", "function_call_output"}, {"call_id", "call_sample03"}, {"output", out}},
			obj{{"type", "message"}, {"role", "assistant"}, {"content", []any{obj{{"type", "output_text"}, {"text", "retry_budget appears in about 260 places; one of them sets it to zero."}}}}},
			obj{{"type", "message"}, {"role", "user"}, {"content", []any{obj{{"type", "input_text"}, {"text", "Which file and line sets it to 0?"}}}}},
		}},
		{"store", false},
	}
	return sample{
		name: "rg-retry-budget", shape: "openai-responses", kind: "code-search", imitates: "rg -n retry_budget .",
		description: "ripgrep output: 260 path:line:text hits for one identifier in a Python service; one line sets it to zero.",
		mustKeep:    []string{zero},
		call:        envelope("https://ai.example.ts.net/v1/responses", "gpt-5-codex", "openai", "codex_cli_rs/0.58.0", 3, body),
	}
}

// findListing: Gemini CLI lists a TypeScript monorepo.
func findListing() sample {
	r := rand.New(rand.NewPCG(4, 4))
	pkgs := []string{"web", "api", "shared", "ui-kit", "worker"}
	areas := []string{"components", "hooks", "routes", "lib", "services", "store", "utils", "pages", "models"}
	stems := []string{"Button", "Cart", "Checkout", "OrderList", "Profile", "Search", "useAuth", "useCart", "price", "format", "session", "inventory", "payment", "Modal", "Table", "Header", "Footer", "api-client", "logger", "schema"}
	exts := []string{".ts", ".tsx", ".tsx", ".ts", ".test.ts", ".module.css", ".stories.tsx"}
	keep := []string{"./packages/web/vitest.config.ts", "./e2e/fixtures/checkout-flow.json"}
	seen := map[string]bool{}
	var paths []string
	for len(paths) < 640 {
		p := fmt.Sprintf("./packages/%s/src/%s/%s%s", pick(r, pkgs), pick(r, areas), pick(r, stems), pick(r, exts))
		if !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	for _, p := range pkgs {
		paths = append(paths, "./packages/"+p+"/package.json", "./packages/"+p+"/tsconfig.json")
	}
	paths = append(paths, keep...)
	paths = append(paths, "./e2e/checkout.spec.ts", "./e2e/login.spec.ts", "./e2e/fixtures/users.json", "./package.json", "./pnpm-lock.yaml", "./pnpm-workspace.yaml", "./.github/workflows/ci.yml", "./README.md")
	// find prints each directory's entries together; sorted is close.
	slices.Sort(paths)
	listing := strings.Join(paths, "\n")
	// The Gemini CLI's shell tool reports this envelope around the output.
	out := "Command: find . -type f -not -path './node_modules/*' -not -path './.git/*'\nDirectory: (root)\nOutput: " + listing +
		"\nError: (none)\nExit Code: 0\nSignal: (none)\nBackground PIDs: (none)\nProcess Group PGID: 48213"
	body := obj{
		{"contents", []any{
			obj{{"role", "user"}, {"parts", []any{obj{{"text", "I want to add a test for the checkout flow. What does this repo use for unit and e2e tests?"}}}}},
			obj{{"role", "model"}, {"parts", []any{obj{{"functionCall", obj{{"name", "run_shell_command"}, {"args", obj{{"command", "find . -type f -not -path './node_modules/*' -not -path './.git/*'"}}}}}}}}},
			obj{{"role", "user"}, {"parts", []any{obj{{"functionResponse", obj{{"name", "run_shell_command"}, {"response", obj{{"output", out}}}}}}}}},
			obj{{"role", "model"}, {"parts", []any{obj{{"text", "The repo has about 660 files across five packages."}}}}},
			obj{{"role", "user"}, {"parts", []any{obj{{"text", "Is there a vitest config, and where are the e2e fixtures for checkout?"}}}}},
		}},
		{"systemInstruction", obj{{"parts", []any{obj{{"text", "You are Gemini CLI, an interactive coding agent."}}}}}},
		{"generationConfig", obj{{"temperature", 0}}},
	}
	return sample{
		name: "find-webapp", shape: "gemini", kind: "file-listing", imitates: "find . -type f (Gemini CLI envelope)",
		description: "find output of a TypeScript monorepo, ~660 paths in the Gemini CLI shell envelope; two paths answer the question.",
		mustKeep:    keep,
		call: envelope("https://ai.example.ts.net/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", "gemini-2.5-pro", "gemini",
			"GeminiCLI/0.9.0 (linux; x64)", 4, body),
	}
}

// gitDiff: an agent on Bedrock reads a release diff.
func gitDiff() sample {
	r := rand.New(rand.NewPCG(5, 5))
	files := []string{"internal/cache/lru.go", "internal/cache/lru_test.go", "internal/auth/token.go", "internal/auth/token_test.go",
		"internal/store/postgres.go", "internal/store/migrate.go", "internal/api/routes.go", "internal/api/middleware.go",
		"internal/metrics/metrics.go", "internal/config/load.go"}
	// The release threads a context through every call: each hunk changes
	// a signature and a few calls, as such a refactor does.
	sigs := [][2]string{
		{"func (s *Store) Get(id string) (*Entry, error) {", "func (s *Store) Get(ctx context.Context, id string) (*Entry, error) {"},
		{"func (s *Store) Put(e *Entry) error {", "func (s *Store) Put(ctx context.Context, e *Entry) error {"},
		{"func (c *Cache) Lookup(key string) (Value, bool) {", "func (c *Cache) Lookup(ctx context.Context, key string) (Value, bool) {"},
		{"func (a *Auth) Verify(raw string) (*Token, error) {", "func (a *Auth) Verify(ctx context.Context, raw string) (*Token, error) {"},
		{"func (h *Handler) refresh(name string) error {", "func (h *Handler) refresh(ctx context.Context, name string) error {"},
		{"func migrate(db *sql.DB, dir string) error {", "func migrate(ctx context.Context, db *sql.DB, dir string) error {"},
	}
	calls := [][2]string{
		{"\trows, err := s.db.Query(query, id)", "\trows, err := s.db.QueryContext(ctx, query, id)"},
		{"\trow := s.db.QueryRow(query, key)", "\trow := s.db.QueryRowContext(ctx, query, key)"},
		{"\tif _, err := s.db.Exec(stmt, args...); err != nil {", "\tif _, err := s.db.ExecContext(ctx, stmt, args...); err != nil {"},
		{"\tv, ok := c.lookup(key)", "\tv, ok := c.lookup(ctx, key)"},
		{"\tc.evict(oldest)", "\tc.evict(ctx, oldest)"},
		{"\ttok, err := a.parse(raw)", "\ttok, err := a.parse(ctx, raw)"},
		{"\tm.observe(name, time.Since(start))", "\tm.observe(ctx, name, time.Since(start))"},
		{"\treq, err := http.NewRequest(method, url, body)", "\treq, err := http.NewRequestWithContext(ctx, method, url, body)"},
		{"\tcfg, err := load(path)", "\tcfg, err := load(ctx, path)"},
	}
	hunk := func(b *strings.Builder, oldStart, newStart int) {
		k := 2 + r.IntN(3)
		n := 7 + k
		sig := pick(r, sigs)
		fmt.Fprintf(b, "@@ -%d,%d +%d,%d @@\n }\n \n-%s\n+%s\n \tstart := time.Now()\n", oldStart, n, newStart, n, sig[0], sig[1])
		picked := r.Perm(len(calls))[:k]
		for _, i := range picked {
			fmt.Fprintf(b, "-%s\n", calls[i][0])
		}
		for _, i := range picked {
			fmt.Fprintf(b, "+%s\n", calls[i][1])
		}
		b.WriteString(" \tif err != nil {\n \t\treturn fmt.Errorf(\"%s: %w\", name, err)\n \t}\n")
	}
	out := lines(func(b *strings.Builder) {
		for i, f := range files {
			if i == 6 {
				b.WriteString("diff --git a/internal/httpclient/client.go b/internal/httpclient/client.go\nindex 4e1c2a9..b77d013 100644\n--- a/internal/httpclient/client.go\n+++ b/internal/httpclient/client.go\n")
				b.WriteString("@@ -18,9 +18,12 @@ import (\n \n // Defaults for Client fields left zero.\n const (\n-\tDefaultTimeout = 30 * time.Second\n+\t// Shorter than the gateway's 15s deadline, so a slow upstream fails\n+\t// here with a useful error instead of there with a bare 504.\n+\tDefaultTimeout = 10 * time.Second\n \tDefaultRetries = 2\n \tDefaultBackoff = 250 * time.Millisecond\n )\n")
			}
			fmt.Fprintf(b, "diff --git a/%s b/%s\nindex %07x..%07x 100644\n--- a/%s\n+++ b/%s\n", f, f, r.Uint32()>>4, r.Uint32()>>4, f, f)
			start := 10 + r.IntN(30)
			for h := 0; h < 3+r.IntN(3); h++ {
				hunk(b, start, start)
				start += 40 + r.IntN(80)
			}
		}
	})
	body := obj{
		{"system", []any{obj{{"text", "You are a release assistant. Answer from the repository's history."}}}},
		{"messages", []any{
			obj{{"role", "user"}, {"content", []any{obj{{"text", "Clients started timing out sooner after we upgraded to v1.9.0. What changed under internal/ between v1.8.0 and v1.9.0?"}}}}},
			obj{{"role", "assistant"}, {"content", []any{obj{{"toolUse", obj{{"toolUseId", "tooluse_sample05"}, {"name", "bash"}, {"input", obj{{"command", "git diff v1.8.0..v1.9.0 -- internal/"}}}}}}}}},
			obj{{"role", "user"}, {"content", []any{obj{{"toolResult", obj{{"toolUseId", "tooluse_sample05"}, {"content", []any{obj{{"text", out}}}}, {"status", "success"}}}}}}},
			obj{{"role", "assistant"}, {"content", []any{obj{{"text", "Most of the diff threads ctx through store and cache calls; one hunk changes a client default."}}}}},
			obj{{"role", "user"}, {"content", []any{obj{{"text", "What was the old timeout and what is it now?"}}}}},
		}},
		{"inferenceConfig", obj{{"maxTokens", 2048}, {"temperature", 0}}},
	}
	return sample{
		name: "git-diff-timeout", shape: "bedrock-converse", kind: "diff", imitates: "git diff v1.8.0..v1.9.0 -- internal/",
		description: "Unified diff of eleven Go files, ~40 hunks of mechanical ctx plumbing and one hunk that lowers a default timeout.",
		mustKeep: []string{"diff --git a/internal/httpclient/client.go b/internal/httpclient/client.go",
			"-\tDefaultTimeout = 30 * time.Second", "+\tDefaultTimeout = 10 * time.Second"},
		call: envelope("https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-sonnet-4-5-20250929-v1:0/converse",
			"anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "aws-sdk-go-v2/1.39.2", 5, body),
	}
}

// makeBuild: Codex runs make; its shell tool wraps the output with the exit
// code and wall time.
func makeBuild() sample {
	r := rand.New(rand.NewPCG(6, 6))
	mods := []string{"core/buffer", "core/arena", "core/log", "codec/png_read", "codec/png_write", "codec/jpeg", "codec/webp", "filter/blur", "filter/sharpen", "filter/resize", "io/file", "io/mmap", "cli/main", "cli/args"}
	errLine := "src/codec/png_write.c:212:17: error: 'PNG_FILTER_ALL' undeclared (first use in this function); did you mean 'PNG_FILTER_NONE'?"
	out := lines(func(b *strings.Builder) {
		b.WriteString("mkdir -p build/obj/core build/obj/codec build/obj/filter build/obj/io build/obj/cli\n")
		b.WriteString("make[1]: Entering directory '/home/dev/src/imgtool/build'\n")
		for round := 0; round < 4; round++ {
			for _, m := range mods {
				fmt.Fprintf(b, "cc -std=c17 -O2 -g -Wall -Wextra -Wpedantic -fPIC -Iinclude -Ithird_party/zlib -DIMGTOOL_VERSION=\\\"0.14.%d\\\" -MMD -MP -c src/%s.c -o obj/%s.o\n", round, m, m)
				if r.IntN(5) == 0 {
					fn := strings.ReplaceAll(m, "/", "_") + "_init"
					line := 30 + r.IntN(300)
					col := len("static int ") + len(fn) + len("(struct ctx *c, const struct options *") + 1
					fmt.Fprintf(b, "src/%s.c:%d:%d: warning: unused parameter 'opts' [-Wunused-parameter]\n", m, line, col)
					fmt.Fprintf(b, "  %d | static int %s(struct ctx *c, const struct options *opts)\n", line, fn)
					fmt.Fprintf(b, "      | %s~~~~~~~~~~~~~~~~~~~~~~^~~~\n", strings.Repeat(" ", col-23))
				}
				if round == 3 && m == "codec/png_write" {
					fmt.Fprintf(b, "src/codec/png_write.c: In function 'png_write_rows':\n%s\n", errLine)
					b.WriteString("  212 |         png_set_filter(w->png, 0, PNG_FILTER_ALL);\n      |                                   ^~~~~~~~~~~~~~\n      |                                   PNG_FILTER_NONE\n")
					b.WriteString("src/codec/png_write.c:212:17: note: each undeclared identifier is reported only once for each function it appears in\n")
					b.WriteString("make[1]: *** [Makefile:88: obj/codec/png_write.o] Error 1\n")
					b.WriteString("make[1]: *** Waiting for unfinished jobs....\n")
				}
			}
			if round < 3 {
				fmt.Fprintf(b, "ar rcs lib/libimgtool%d.a obj/core/*.o obj/codec/*.o\n", round)
			}
		}
		b.WriteString("make[1]: Leaving directory '/home/dev/src/imgtool/build'\n")
		b.WriteString("make: *** [Makefile:41: all] Error 2\n")
	})
	out = "Exit code: 2\nWall time: 38.4 seconds\nOutput:\n" + out
	body := obj{
		{"model", "gpt-5-codex"},
		{"instructions", "You are Codex, a coding agent. Use the shell tool to build and test."},
		{"input", []any{
			obj{{"type", "message"}, {"role", "user"}, {"content", []any{obj{{"type", "input_text"}, {"text", "I bumped libpng to 1.6.44. Build with make -j4 and fix whatever breaks."}}}}},
			obj{{"type", "function_call"}, {"call_id", "call_sample06"}, {"name", "shell"}, {"arguments", `{"command":["make","-j4"],"workdir":"/home/dev/src/imgtool"}`}},
			obj{{"type", "function_call_output"}, {"call_id", "call_sample06"}, {"output", out}},
			obj{{"type", "message"}, {"role", "assistant"}, {"content", []any{obj{{"type", "output_text"}, {"text", "The build stops in codec/png_write.c."}}}}},
			obj{{"type", "message"}, {"role", "user"}, {"content", []any{obj{{"type", "input_text"}, {"text", "What exactly is the error there?"}}}}},
		}},
		{"store", false},
	}
	return sample{
		name: "make-png-error", shape: "openai-responses", kind: "build-log", imitates: "make -j4 (Codex shell wrapper: Exit code, Wall time, Output)",
		description: "make -j4 of a C project: ~60 cc command lines, a few -Wunused-parameter warnings, one undeclared-identifier error; wrapped in 'Exit code: 2 / Wall time / Output:'.",
		mustKeep:    []string{"Exit code: 2", errLine, "make: *** [Makefile:41: all] Error 2"},
		call:        envelope("https://ai.example.ts.net/v1/responses", "gpt-5-codex", "openai", "codex_cli_rs/0.58.0", 6, body),
	}
}

// journalOOM: Claude Code reads a service's journal; the tool result is a
// list of text blocks.
func journalOOM() sample {
	r := rand.New(rand.NewPCG(7, 7))
	oom := "Nov 24 11:47:03 app-7 kernel: Out of memory: Killed process 21877 (thumbnailer) total-vm:6312448kB, anon-rss:3921344kB, file-rss:0kB, shmem-rss:0kB, UID:997 pgtables:8012kB oom_score_adj:0"
	exit := "Nov 24 11:47:03 app-7 systemd[1]: thumbnailer.service: Main process exited, code=killed, status=9/KILL"
	out := lines(func(b *strings.Builder) {
		t := clock
		for i := 0; i < 420; i++ {
			t = t.Add(time.Duration(5+r.IntN(25)) * time.Second)
			ts := t.Format("Jan 02 15:04:05")
			switch {
			case i == 300:
				fmt.Fprintf(b, "%s app-7 kernel: thumbnailer invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0\n", ts)
				b.WriteString(oom + "\n")
				b.WriteString(exit + "\n")
				b.WriteString("Nov 24 11:47:03 app-7 systemd[1]: thumbnailer.service: Failed with result 'signal'.\n")
				b.WriteString("Nov 24 11:47:08 app-7 systemd[1]: thumbnailer.service: Scheduled restart job, restart counter is at 1.\n")
				b.WriteString("Nov 24 11:47:08 app-7 systemd[1]: Started thumbnailer.service - Image thumbnail worker.\n")
				t = time.Date(2026, 11, 24, 11, 47, 9, 0, time.UTC)
			case r.IntN(9) == 0:
				fmt.Fprintf(b, "%s app-7 thumbnailer[%d]: level=info msg=\"queue depth\" pending=%d inflight=%d\n", ts, 21877, r.IntN(400), r.IntN(8))
			default:
				fmt.Fprintf(b, "%s app-7 thumbnailer[%d]: level=info msg=\"rendered thumbnail\" key=img/%08x.jpg size=%dx%d ms=%d\n", ts, 21877, r.Uint32(), pick(r, []int{256, 512, 1024}), pick(r, []int{256, 384, 768}), 20+r.IntN(400))
			}
		}
	})
	// Claude Code splits long results into several text blocks.
	half := strings.Index(out[len(out)/2:], "\n") + len(out)/2 + 1
	body := obj{
		{"model", "claude-sonnet-4-5"},
		{"max_tokens", 8192},
		{"system", []any{obj{{"type", "text"}, {"text", "You are a coding agent with shell access to the app servers."}, {"cache_control", obj{{"type", "ephemeral"}}}}}},
		{"messages", []any{
			obj{{"role", "user"}, {"content", "thumbnailer restarted on app-7 this morning. Check its journal."}},
			obj{{"role", "assistant"}, {"content", []any{obj{{"type", "tool_use"}, {"id", "toolu_07Sample"}, {"name", "Bash"}, {"input", obj{{"command", "journalctl -u thumbnailer -k --since today --no-pager"}}}}}}},
			obj{{"role", "user"}, {"content", []any{obj{{"type", "tool_result"}, {"tool_use_id", "toolu_07Sample"}, {"content", []any{
				obj{{"type", "text"}, {"text", out[:half]}},
				obj{{"type", "text"}, {"text", out[half:]}},
			}}}}}},
			obj{{"role", "assistant"}, {"content", "The service was killed once, around 11:47."}},
			obj{{"role", "user"}, {"content", "Killed by what, and how much memory did it have?"}},
		}},
	}
	return sample{
		name: "journal-oom", shape: "anthropic", kind: "system-log", imitates: "journalctl -u thumbnailer -k --since today",
		description: "journalctl of a worker service: ~420 routine info lines and one OOM kill with the restart that followed; the result is two text blocks.",
		mustKeep:    []string{oom, exit},
		call:        envelope("http://ai.example.ts.net/v1/messages", "claude-sonnet-4-5", "anthropic", "claude-cli/2.0.14 (external, cli)", 7, body),
	}
}

// podHash is a random suffix in the alphabet Kubernetes uses for
// generated names.
func podHash(r *rand.Rand, n int) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// kubectlPods: an agent lists every pod of a cluster; two are crash-looping.
func kubectlPods() sample {
	r := rand.New(rand.NewPCG(8, 8))
	nss := []string{"default", "payments", "search", "kube-system", "monitoring", "ingress", "batch"}
	apps := []string{"api", "worker", "web", "indexer", "cron", "exporter", "proxy", "scheduler"}
	bad := []string{
		"payments      ledger-sync-7d9f8c6b5-x2k4q          0/1     CrashLoopBackOff   14 (2m11s ago)   51m",
		"search        indexer-5c6d7f8b9-mm7rt              0/1     CrashLoopBackOff   9 (48s ago)      23m",
	}
	rows := slices.Clone(bad)
	for len(rows) < 230 {
		name := fmt.Sprintf("%s-%s-%s-%s", pick(r, apps), pick(r, apps), podHash(r, 9+r.IntN(2)), podHash(r, 5))
		rows = append(rows, fmt.Sprintf("%-13s %-36s %-7s %-18s %-16s %dd", pick(r, nss), name, "1/1", "Running", "0", 1+r.IntN(40)))
	}
	// kubectl sorts by namespace, then name: the leading columns.
	slices.Sort(rows)
	out := fmt.Sprintf("%-13s %-36s %-7s %-18s %-16s %s\n", "NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE") + strings.Join(rows, "\n") + "\n"
	body := obj{
		{"model", "gpt-4.1"},
		{"messages", []any{
			obj{{"role", "system"}, {"content", "You are a Kubernetes operations assistant."}},
			obj{{"role", "user"}, {"content", "Alerts say something in prod-eu is unhealthy. List the pods."}},
			obj{{"role", "assistant"}, {"content", nil}, {"tool_calls", []any{obj{{"id", "call_sample08"}, {"type", "function"}, {"function", obj{{"name", "run"}, {"arguments", `{"cmd":"kubectl --context prod-eu get pods -A"}`}}}}}}},
			obj{{"role", "tool"}, {"tool_call_id", "call_sample08"}, {"content", out}},
			obj{{"role", "assistant"}, {"content", "230 pods; nearly all are Running."}},
			obj{{"role", "user"}, {"content", "Which ones are not, and how often have they restarted?"}},
		}},
	}
	return sample{
		name: "kubectl-pods", shape: "openai-chat", kind: "table", imitates: "kubectl get pods -A",
		description: "kubectl get pods -A: a fixed-width table of 230 pods, all Running but two in CrashLoopBackOff.",
		mustKeep:    bad,
		call:        envelope("https://ai.example.ts.net/v1/chat/completions", "gpt-4.1", "openai", "openai-python/1.99.1", 8, body),
	}
}
