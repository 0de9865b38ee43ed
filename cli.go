package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/hook"
)

// runCompress implements `tsheadroom compress [flags] [FILE|-]`: the hook's
// own code run on a saved hook call or bare request body, printing the hook
// response on stdout and a one-line summary on stderr. With -report DIR it
// runs every DIR/*.hook.json and prints a table instead.
func runCompress(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := newCmdline("tsheadroom compress", "TSHEADROOM_COMPRESS_", "usage: tsheadroom compress [flags] [FILE|-]\n       tsheadroom compress -report DIR\n\n"+
		"Runs the hook on a saved Aperture hook call (or a bare provider request body) and prints the\n"+
		"hook's answer. A summary goes to stderr. Without FILE, or with -, the call is read from stdin.\n")
	fs := c.fs
	var eo engineOptions
	registerEngine(c, &eo)
	var (
		knobs, logFormat string
		md               hook.Metadata
	)
	c.shared(func(fs *flag.FlagSet) {
		fs.StringVar(&knobs, "config", "", "settings `file` (JSON or HuJSON), as for the service; never written here")
		fs.StringVar(&logFormat, "log-format", "text", "log line format: text or json")
	})
	var (
		report   = fs.String("report", "", "run every `DIR`/*.hook.json (with its .meta.json) and print a per-case table")
		budget   = fs.Duration("budget", 60*time.Second, "time allowed per call before answering allow")
		quiet    = fs.Bool("q", false, "no summary line on stderr")
		jsonRows = fs.Bool("json", false, "with -report: one JSON object per case instead of a table")
	)
	c.envRename("q", "TSHEADROOM_COMPRESS_QUIET")
	fs.StringVar(&md.URL, "url", "", "for a bare request body: the API URL (default: guessed from the body)")
	fs.StringVar(&md.Provider, "provider", "", "for a bare request body: the Aperture provider name")
	fs.StringVar(&md.Model, "model", "", "for a bare request body: the model name")
	pos, code, ok := c.run(args, stdout, stderr)
	if !ok {
		return code
	}
	eo.parsed(c)
	fail := func(code int, format string, args ...any) int {
		fmt.Fprintf(stderr, "tsheadroom compress: "+format+"\n", args...)
		return code
	}
	switch {
	case *report != "" && len(pos) > 0:
		return fail(2, "-report DIR takes no FILE, got %q (see: tsheadroom compress -h)", pos[0])
	case len(pos) > 1:
		return fail(2, "unexpected argument %q: compress takes one FILE, or - for stdin (see: tsheadroom compress -h)", pos[1])
	}
	logger, err := newLogger(logFormat, slog.LevelWarn, stderr)
	if err != nil {
		return fail(2, "%v", err)
	}
	ctx := context.Background()
	h, closeAll, err := newCLIHook(ctx, eo, knobs, *budget, logger)
	if err != nil {
		return fail(1, "%v", err)
	}
	defer closeAll()
	if *report != "" {
		return runReport(ctx, h, *report, *jsonRows, stdout, stderr)
	}
	name := "-"
	if len(pos) == 1 {
		name = pos[0]
	}
	data, err := readInput(name, stdin, stderr)
	if err != nil {
		return fail(1, "%v", err)
	}
	if !hook.IsCall(data) {
		if data, err = hook.WrapBody(data, md); err != nil {
			return fail(1, "%s: expected a hook call or a provider request body (a JSON object): %v", inputName(name), err)
		}
	}
	start := time.Now()
	a := h.Process(ctx, data)
	elapsed := time.Since(start)
	stdout.Write(a.Response)
	fmt.Fprintln(stdout)
	if !*quiet {
		fmt.Fprintln(stderr, summary(a, elapsed))
	}
	return 0
}

// newCLIHook builds the hook for the compress subcommand: the same engine
// and hook code as the service, no metrics, no tailnet, and the settings
// file only read.
func newCLIHook(ctx context.Context, eo engineOptions, knobsFile string, budget time.Duration, logger *slog.Logger) (*hook.Hook, func(), error) {
	store, err := openSettings(knobsFile, eo.profile, logger.With("component", "config"))
	if err != nil {
		return nil, nil, err
	}
	start := store.Get()
	eng, err := newEngine(ctx, eo, start, nil, logger)
	if err != nil {
		return nil, nil, err
	}
	h, err := hook.New(hook.Config{Engine: eng.Engine, Pool: eng.pool, Settings: store, Budget: budget})
	if err != nil {
		eng.close()
		return nil, nil, err
	}
	return h, eng.close, nil
}

func inputName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

// readInput reads the call from a file or, for "-", stdin, saying what was
// expected when there is nothing to read.
func readInput(name string, stdin io.Reader, stderr io.Writer) ([]byte, error) {
	if name != "-" {
		return os.ReadFile(name)
	}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintln(stderr, "tsheadroom compress: reading a hook call from the terminal (end with Ctrl-D), or give a FILE; see: tsheadroom compress -h")
	}
	data, err := io.ReadAll(stdin)
	if err != nil {
		return nil, fmt.Errorf("read stdin: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("stdin is empty: expected a hook call or a provider request body (a JSON object); give a FILE, or pipe one in")
	}
	return data, nil
}

func summary(a *hook.Answer, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: shape=%s blocks=%d rewritten=%d tokens %d -> %d", a.Outcome, a.Shape, a.Blocks, a.Rewritten, a.TokensBefore, a.TokensAfter)
	if a.TokensBefore > 0 {
		fmt.Fprintf(&b, " (%.1f%% saved", 100*float64(a.TokensBefore-a.TokensAfter)/float64(a.TokensBefore))
		if a.ToolTokensBefore > 0 {
			fmt.Fprintf(&b, "; tool output %d -> %d, %.1f%%", a.ToolTokensBefore, a.ToolTokensAfter,
				100*float64(a.ToolTokensBefore-a.ToolTokensAfter)/float64(a.ToolTokensBefore))
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, " tokenizer=%s time=%s", a.TokenizerName, elapsed.Round(10*time.Microsecond))
	if a.Reason != "" && a.Outcome != hook.OutcomeModify {
		fmt.Fprintf(&b, " reason=%q", a.Reason)
	}
	return b.String()
}

// caseMeta is the part of a corpus meta file the report reads.
type caseMeta struct {
	Kind     string   `json:"kind"`
	Shape    string   `json:"shape"`
	MustKeep []string `json:"must_keep"`
}

// reportRow is one case of a -report run.
type reportRow struct {
	Case             string  `json:"case"`
	Shape            string  `json:"shape"`
	Kind             string  `json:"kind"`
	Outcome          string  `json:"outcome"`
	TokensBefore     int     `json:"tokens_before"`
	TokensAfter      int     `json:"tokens_after"`
	ToolTokensBefore int     `json:"tool_tokens_before"`
	ToolTokensAfter  int     `json:"tool_tokens_after"`
	Kept             int     `json:"must_keep_kept"`
	Needles          int     `json:"must_keep"`
	Millis           float64 `json:"ms"`
	// Tool holds the case's tool output blocks, in order.
	Tool []reportBlock `json:"tool_blocks"`
}

// reportBlock is one tool output block of a case: the kind the engine
// detected and its tokens before and after.
type reportBlock struct {
	Kind      string `json:"kind"`
	Before    int    `json:"tokens_before"`
	After     int    `json:"tokens_after"`
	Protected bool   `json:"protected,omitempty"`
}

// bigUntouched is the size from which a tool output left as it is gets
// listed: a block that large is where savings were missed (unless it is
// code, which the engine leaves alone on purpose).
const bigUntouched = 2000

func runReport(ctx context.Context, h *hook.Hook, dir string, asJSON bool, stdout, stderr io.Writer) int {
	files, err := filepath.Glob(filepath.Join(dir, "*.hook.json"))
	if err != nil || len(files) == 0 {
		fmt.Fprintf(stderr, "tsheadroom compress -report: no *.hook.json in %s\n", dir)
		return 1
	}
	slices.Sort(files)
	var rows []reportRow
	for _, f := range files {
		row, err := reportCase(ctx, h, f)
		if err != nil {
			fmt.Fprintf(stderr, "tsheadroom compress -report: %v\n", err)
			return 1
		}
		rows = append(rows, row)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		for _, r := range rows {
			enc.Encode(r)
		}
		return 0
	}
	printReport(stdout, rows)
	return 0
}

func reportCase(ctx context.Context, h *hook.Hook, file string) (reportRow, error) {
	call, err := os.ReadFile(file)
	if err != nil {
		return reportRow{}, err
	}
	var meta caseMeta
	if m, err := os.ReadFile(strings.TrimSuffix(file, ".hook.json") + ".meta.json"); err == nil {
		if err := json.Unmarshal(m, &meta); err != nil {
			return reportRow{}, fmt.Errorf("%s: %w", file, err)
		}
	}
	start := time.Now()
	a := h.Process(ctx, call)
	row := reportRow{
		Case:             strings.TrimSuffix(filepath.Base(file), ".hook.json"),
		Shape:            string(a.Shape),
		Kind:             meta.Kind,
		Outcome:          string(a.Outcome),
		TokensBefore:     a.TokensBefore,
		TokensAfter:      a.TokensAfter,
		ToolTokensBefore: a.ToolTokensBefore,
		ToolTokensAfter:  a.ToolTokensAfter,
		Needles:          len(meta.MustKeep),
		Millis:           float64(time.Since(start).Microseconds()) / 1000,
	}
	for _, b := range a.BlockStats {
		if b.Source == compress.ToolOutput {
			row.Tool = append(row.Tool, reportBlock{Kind: string(b.Kind), Before: b.TokensBefore, After: b.TokensAfter, Protected: b.Protected})
		}
	}
	body := hook.ForwardedBody(call, a)
	for _, needle := range meta.MustKeep {
		if hook.ContainsString(body, needle) {
			row.Kept++
		}
	}
	return row, nil
}

func pct(before, after int) float64 {
	if before == 0 {
		return 0
	}
	return 100 * float64(before-after) / float64(before)
}

// codeReadKind is the corpus kind of source-code reads, which the native
// engine leaves alone by design and the savings target excludes.
const codeReadKind = "source-code"

func printReport(w io.Writer, rows []reportRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\tshape\tkind\toutcome\ttokens before\tafter\tsaved\ttool before\ttool after\ttool saved\tmust_keep\tms\t")
	type agg struct{ before, after, toolBefore, toolAfter, kept, needles int }
	byKind := map[string]*agg{}
	var all, nonCode agg
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%.1f%%\t%d\t%d\t%.1f%%\t%d/%d\t%.1f\t\n",
			r.Case, r.Shape, r.Kind, r.Outcome, r.TokensBefore, r.TokensAfter, pct(r.TokensBefore, r.TokensAfter),
			r.ToolTokensBefore, r.ToolTokensAfter, pct(r.ToolTokensBefore, r.ToolTokensAfter), r.Kept, r.Needles, r.Millis)
		k := byKind[r.Kind]
		if k == nil {
			k = &agg{}
			byKind[r.Kind] = k
		}
		for _, a := range []*agg{k, &all, &nonCode} {
			if a == &nonCode && r.Kind == codeReadKind {
				continue
			}
			a.before += r.TokensBefore
			a.after += r.TokensAfter
			a.toolBefore += r.ToolTokensBefore
			a.toolAfter += r.ToolTokensAfter
			a.kept += r.Kept
			a.needles += r.Needles
		}
	}
	fmt.Fprintln(tw, "\t\t\t\t\t\t\t\t\t\t\t\t")
	kinds := slices.Sorted(maps.Keys(byKind))
	line := func(name string, a *agg) {
		fmt.Fprintf(tw, "%s\t\t\t\t%d\t%d\t%.1f%%\t%d\t%d\t%.1f%%\t%d/%d\t\t\n", name, a.before, a.after, pct(a.before, a.after),
			a.toolBefore, a.toolAfter, pct(a.toolBefore, a.toolAfter), a.kept, a.needles)
	}
	for _, k := range kinds {
		line("kind "+k, byKind[k])
	}
	line("TOTAL", &all)
	line("TOTAL except code reads", &nonCode)
	tw.Flush()
	printBlockKinds(w, rows)
}

// printBlockKinds sums the tool output blocks by the kind the engine
// detected, and lists the non-code blocks of bigUntouched tokens or more
// that went out unchanged.
func printBlockKinds(w io.Writer, rows []reportRow) {
	type agg struct{ blocks, before, after int }
	byKind := map[string]*agg{}
	var nonCode agg
	var untouched []string
	for _, r := range rows {
		for i, b := range r.Tool {
			k := byKind[b.Kind]
			if k == nil {
				k = &agg{}
				byKind[b.Kind] = k
			}
			for _, a := range []*agg{k, &nonCode} {
				if a == &nonCode && b.Kind == string(compress.KindCode) {
					continue
				}
				a.blocks++
				a.before += b.Before
				a.after += b.After
			}
			if b.Kind != string(compress.KindCode) && b.After == b.Before && b.Before >= bigUntouched {
				why := ""
				if b.Protected {
					why = ", protected by a knob"
				}
				untouched = append(untouched, fmt.Sprintf("%s tool block %d (%s, %d tokens%s)", r.Case, i, b.Kind, b.Before, why))
			}
		}
	}
	kinds := slices.Sorted(maps.Keys(byKind))
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tool output by detected kind\tblocks\ttokens before\tafter\tsaved\t")
	for _, k := range kinds {
		a := byKind[k]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f%%\t\n", k, a.blocks, a.before, a.after, pct(a.before, a.after))
	}
	fmt.Fprintf(tw, "all but code\t%d\t%d\t%d\t%.1f%%\t\n", nonCode.blocks, nonCode.before, nonCode.after, pct(nonCode.before, nonCode.after))
	tw.Flush()
	fmt.Fprintf(w, "\nnon-code tool output blocks of %d+ tokens left untouched: %d\n", bigUntouched, len(untouched))
	for _, u := range untouched {
		fmt.Fprintln(w, "  "+u)
	}
}
