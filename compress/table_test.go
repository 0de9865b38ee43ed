package compress

import (
	"strings"
	"testing"
)

func TestCompressTableKeepsAnomalies(t *testing.T) {
	in := genTable(60)
	if k := detectKind(in); k != KindTable {
		t.Fatalf("detected as %s", k)
	}
	out, ok := compressTable(in, &hints{})
	if !ok {
		t.Fatal("not compressed")
	}
	lines := strings.Split(in, "\n")
	for _, want := range []string{
		lines[0], // header
		lines[1], // first row
		"app        4242 12.5 38.2 9811012 9407316 ?        S    07:24   0:00 python3 tools/cache_warm.py --all", // outlier, verbatim
		lines[60], // last row
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "rows omitted ...]") {
		t.Errorf("no omission note:\n%s", out)
	}
	if len(out) > len(in)/4 {
		t.Errorf("kept %d of %d bytes", len(out), len(in))
	}
}

func TestCompressTableTaskRowsAndErrors(t *testing.T) {
	in := genTable(40)
	in = strings.Replace(in, "sleep 62\n", "sleep 62 # failed to attach\n", 1)
	out, ok := compressTable(in, &hints{taskTerms: []string{"sleep 63"}})
	if !ok {
		t.Fatal("not compressed")
	}
	if !strings.Contains(out, "failed to attach") {
		t.Error("error row dropped")
	}
	if strings.Count(out, "sleep 63") != strings.Count(in, "sleep 63") {
		t.Error("task-matching rows dropped")
	}
}

func TestCompressTableSmallIsSqueezed(t *testing.T) {
	in := "Filesystem     Type   Size  Used Avail Use% Mounted on\n/dev/vda       ext4   252G   23G   69G  25% /\ntmpfs          tmpfs   12G     0   12G   0% /dev/shm\n"
	out, ok := compressTable(in, &hints{})
	if !ok {
		t.Fatal("small table not squeezed")
	}
	if strings.Contains(out, "   ") {
		t.Errorf("padding left:\n%s", out)
	}
	if len(strings.Split(out, "\n")) != len(strings.Split(in, "\n")) {
		t.Error("rows lost in the lossless step")
	}
}

func TestLooksLikeTable(t *testing.T) {
	if !looksLikeTable(genTable(20)) {
		t.Error("ps table not detected")
	}
	for name, s := range map[string]string{
		"log":    genLog(50),
		"gotest": strings.Repeat("=== RUN   TestFoo\n--- PASS: TestFoo (0.00s)\n", 20),
		"prose":  strings.Repeat("This is a sentence of prose that goes on for a while.\n", 20),
	} {
		if looksLikeTable(s) {
			t.Errorf("%s detected as a table", name)
		}
	}
}

func TestTableNumber(t *testing.T) {
	for in, want := range map[string]float64{"12": 12, "1.5": 1.5, "25%": 25, "2K": 2048, "1G": 1 << 30, "-3": -3} {
		if got, ok := tableNumber(in); !ok || got != want {
			t.Errorf("tableNumber(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abc", "K", "1.2.3", "NaN", "?"} {
		if _, ok := tableNumber(in); ok {
			t.Errorf("tableNumber(%q) accepted", in)
		}
	}
}

// FuzzCompressTable: never panics; output shorter; every line with an
// error signal and every header line survives verbatim.
func FuzzCompressTable(f *testing.F) {
	f.Add(genTable(30))
	f.Add("A  B  C\n1  2  3\n")
	f.Add("NAME   STATUS   AGE\npod-a  Running  1d\npod-b  Error    2d\n")
	f.Fuzz(func(t *testing.T, in string) {
		out, ok := compressTable(in, &hints{taskTerms: []string{"error"}})
		if !ok {
			return
		}
		if len(out) >= len(in) {
			t.Fatalf("not shorter")
		}
		lines := strings.Split(strings.TrimSuffix(in, "\n"), "\n")
		small := strings.Count(out, "rows omitted") == 0 && strings.Count(out, "row omitted") == 0
		for _, l := range lines {
			if !hasErrorSignal(l) {
				continue
			}
			if small {
				// The lossless step only squeezes padding.
				if sq := squeezeTable([]string{l}); !strings.Contains(out, sq) {
					t.Fatalf("error line %q lost in squeezing:\n%s", sq, out)
				}
				continue
			}
			if !strings.Contains(out, l) {
				t.Fatalf("error line %q lost:\n%s", l, out)
			}
		}
	})
}
