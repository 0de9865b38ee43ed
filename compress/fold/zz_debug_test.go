package fold

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

func TestZZExplain(t *testing.T) {
	f := os.Getenv("DBG_FILE")
	if f == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(f)
	in := &Input{Text: string(data), Query: relevance.Parse(os.Getenv("DBG_TASK"), ""), Budget: Budget{Bytes: 3181, Lossy: true}}
	ds := Explain(in)
	b := in.Lines()
	for i, d := range ds {
		if strings.Contains(b.L[i], os.Getenv("DBG_GREP")) {
			ix := in.Index(in.Query, b.Text, b.Start)
			fmt.Printf("%v %.2f score=%.2f strong=%v %q\n", d.Keep, d.Prio, ix.Score(i), ix.Strong(i), b.L[i])
		}
	}
}
