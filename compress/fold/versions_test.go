package fold

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestEachVersion(t *testing.T) {
	type hit struct {
		name string
		v    string
	}
	var got []hit
	eachVersion("memcpy@GLIBC_2.14 (19) openssl-3.0.2 serde v1.0.188 at 2026-11-03 from 10.0", func(name string, v []int) {
		got = append(got, hit{name, fmt.Sprint(v)})
	})
	want := []hit{{"glibc", "[2 14]"}, {"openssl", "[3 0 2]"}, {"serde", "[1 0 188]"}, {"from", "[10 0]"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestNewestVersionKept: asked for the newest version of a name, the line
// holding its highest version is kept, compared part by part: GLIBC_2.14,
// not GLIBC_2.4, which a number column would call larger.
func TestNewestVersionKept(t *testing.T) {
	var sb strings.Builder
	for i := range 400 {
		fmt.Fprintf(&sb, "  %4d: %016x %4d FUNC GLOBAL DEFAULT UND sym_%d@GLIBC_2.%d (%d)\n", i, 0x4000+i*16, 16+i%90, i, []int{2, 3, 4}[i%3], 10+i%7)
	}
	for k := range 60 {
		fmt.Fprintf(&sb, "  0x%04x:   Name: LIBX_1.%d  Flags: none  Version: %d\n", 16*k, k, k)
		if k%15 == 7 {
			fmt.Fprintf(&sb, "  0x%04x:   Name: GLIBC_%s  Flags: none  Version: %d\n", 16*k+8, []string{"2.4", "2.14", "2.2.5", "2.3.4"}[k/15], k)
		}
	}
	for i := range 200 {
		fmt.Fprintf(&sb, "  %4d: %016x %4d FUNC GLOBAL DEFAULT 14 local_%d\n", i, 0x9000+i*16, 16+i%90, i)
	}
	out := mustFold(t, input(sb.String(), "What's the newest glibc this library requires?", ""))
	mustContain(t, out, "Name: GLIBC_2.14  Flags: none")
}
