package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// layers are the module's packages from the bottom up (paths relative to
// the module root; "" is the command itself, and "x/..." is x and every
// package below it, which may import each other). Data flows one way
// through them: listener -> access -> hook -> pool -> engine, and back out
// through the hook. A package may import only packages of lower layers, and
// its tests too: a test that needs a package above its own belongs up
// there.
var layers = [][]string{
	{"internal/..."}, // test helpers, which may use each other
	{"compress/..."},
	{"workers", "metrics", "settings"},
	{"hook"},
	{"tsnet/access"},
	{"tsnet/node"},
	{"", "cmd/..."}, // the command and its tools
}

// layerOf returns the entry of layers that holds pkg and its layer.
func layerOf(pkg string) (entry string, layer int, ok bool) {
	for i, l := range layers {
		for _, e := range l {
			if tree, isTree := strings.CutSuffix(e, "/..."); e == pkg || isTree && (pkg == tree || strings.HasPrefix(pkg, tree+"/")) {
				return e, i, true
			}
		}
	}
	return "", 0, false
}

// TestLayers reads every package's imports, its tests' included, from go
// list and fails on any import of a package in the same or a higher
// layer, and on a package missing from layers.
func TestLayers(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("SKIP: no go command on PATH to list the packages")
	}
	cmd := exec.Command(goTool, "list", "-tags", "ts_omit_peerapiserver", "-json", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var pkg struct {
			ImportPath                         string
			Imports, TestImports, XTestImports []string
		}
		if err := dec.Decode(&pkg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		const module = "github.com/tsheadroom/tsheadroom"
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg.ImportPath, module), "/")
		entry, own, ok := layerOf(rel)
		if !ok {
			t.Errorf("package %s is in no layer: add it to layers", pkg.ImportPath)
			continue
		}
		imports := slices.Concat(pkg.Imports, pkg.TestImports, pkg.XTestImports)
		for _, imp := range imports {
			if imp == pkg.ImportPath || imp != module && !strings.HasPrefix(imp, module+"/") {
				continue // itself (an external test package) or outside the module
			}
			depEntry, layer, ok := layerOf(strings.TrimPrefix(strings.TrimPrefix(imp, module), "/"))
			if !ok || layer >= own && !(depEntry == entry && strings.HasSuffix(entry, "/...")) {
				t.Errorf("%s imports %s, which is not below it", pkg.ImportPath, imp)
			}
		}
	}
}
