package tokens

import (
	"fmt"
	"hash/fnv"
	"math"
	"testing"
)

// calibrationBlock is a text the estimate is calibrated on.
type calibrationBlock struct {
	name  string
	text  string
	exact int  // cl100k_base count
	fit   bool // in the half the weights were fitted on
}

// fitHalf reports whether the corpus case (or session) is in the half the
// estimate's weights are fitted on: by a hash of its name, so that the
// turns of a session fall in one half. hook's TestEstimateCalibration
// splits the tool outputs the same way.
func fitHalf(group string) bool {
	h := fnv.New32a()
	h.Write([]byte(group))
	return h.Sum32()%2 == 0
}

// calibrationBlocks returns the distinct corpus strings of 2 KB or more
// (tool outputs, and the long system prompts, messages and tool
// definitions around them), each with its cl100k_base count.
func calibrationBlocks(t *testing.T) []calibrationBlock {
	t.Helper()
	var blocks []calibrationBlock
	seen := map[string]bool{}
	for _, c := range corpusTexts(t) {
		if len(c.text) < 2000 || seen[c.text] {
			continue
		}
		seen[c.text] = true
		blocks = append(blocks, calibrationBlock{name: c.name, text: c.text, exact: For("gpt-4").Count(c.text), fit: fitHalf(c.group)})
	}
	return blocks
}

// calibration sums up the estimate's error over some blocks.
type calibration struct {
	blocks            int
	ratio, rms, worst float64
	worstName         string
}

func calibrate(blocks []calibrationBlock, keep func(calibrationBlock) bool) calibration {
	var c calibration
	var est, ref int
	var sq float64
	for _, b := range blocks {
		if !keep(b) {
			continue
		}
		e := Estimate{}.Count(b.text)
		est += e
		ref += b.exact
		d := float64(e)/float64(b.exact) - 1
		sq += d * d
		c.blocks++
		if math.Abs(d) > c.worst {
			c.worst, c.worstName = math.Abs(d), fmt.Sprintf("%s, %+.1f%%", b.name, 100*d)
		}
	}
	c.ratio = float64(est) / float64(max(ref, 1))
	c.rms = math.Sqrt(sq / float64(max(c.blocks, 1)))
	return c
}

func (c calibration) String() string {
	return fmt.Sprintf("%d blocks: total ratio %.3f, per-block RMS %.1f%%, worst %.1f%% (%s)",
		c.blocks, c.ratio, 100*c.rms, 100*c.worst, c.worstName)
}

func (c calibration) check(t *testing.T, what string) {
	t.Helper()
	t.Logf("%s: %v", what, c)
	if math.Abs(c.ratio-1) > 0.05 {
		t.Errorf("%s: estimate/cl100k total ratio %.3f, want within 5%%", what, c.ratio)
	}
	if c.rms > 0.12 || c.worst > 0.25 {
		t.Errorf("%s: per-block error RMS %.1f%% worst %.1f%%, want <= 12%% and <= 25%%", what, 100*c.rms, 100*c.worst)
	}
}

// TestEstimateOnCorpus checks the estimate against cl100k_base over the
// long strings of the development corpus, with the bounds hook's
// TestEstimateCalibration sets on its tool outputs (the total within 5%, the
// per-block error within 12% RMS and 25% at worst), on the half the weights
// were fitted on, on the other half, and on all. It logs the figures quoted
// in estimateWeights' doc.
func TestEstimateOnCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("counts the whole corpus with the BPE encoders")
	}
	blocks := calibrationBlocks(t)
	calibrate(blocks, func(b calibrationBlock) bool { return b.fit }).check(t, "fit half")
	calibrate(blocks, func(b calibrationBlock) bool { return !b.fit }).check(t, "check half")
	calibrate(blocks, func(calibrationBlock) bool { return true }).check(t, "all")
}

// TestEstimateFit refits the fitted weights by least squares of the
// relative error per block (the total as a heavy extra row) on the fit
// half, the method behind estimateWeights, to rerun when the corpus grows;
// and, to show how much they depend on the blocks, on the check half. It
// logs both beside the shipped weights.
func TestEstimateFit(t *testing.T) {
	if testing.Short() {
		t.Skip("counts the whole corpus with the BPE encoders")
	}
	blocks := calibrationBlocks(t)
	onFit, err := fitEstimate(blocks, func(b calibrationBlock) bool { return b.fit })
	if err != nil {
		t.Fatal(err)
	}
	onCheck, err := fitEstimate(blocks, func(b calibrationBlock) bool { return !b.fit })
	if err != nil {
		t.Fatal(err)
	}
	shipped := fittedFeatures(&estFeatures{
		spaceWordX: estimateWeights.spaceWordX, otherWordX: estimateWeights.otherWordX,
		consonants: estimateWeights.consonants, mixedX: estimateWeights.mixedX,
		repeatX: estimateWeights.repeatX, punctBreak: estimateWeights.punctBreak,
	})
	for i, n := range []string{"spaceWordX", "otherWordX", "consonants", "mixedX", "repeatX", "punctBreak"} {
		t.Logf("%-10s shipped %.3f, refit on the fit half %.3f, on the check half %.3f", n, shipped[i]/estUnit, onFit[i], onCheck[i])
	}
}

// fittedFeatures returns the features whose weights are fitted.
func fittedFeatures(f *estFeatures) []float64 {
	return []float64{float64(f.spaceWordX), float64(f.otherWordX), float64(f.consonants),
		float64(f.mixedX), float64(f.repeatX), float64(f.punctBreak)}
}

// fitEstimate returns the least-squares weights (in tokens) of the fitted
// features over the kept blocks, the other costs as shipped.
func fitEstimate(blocks []calibrationBlock, keep func(calibrationBlock) bool) ([]float64, error) {
	k := len(fittedFeatures(&estFeatures{}))
	ata := make([][]float64, k)
	for i := range ata {
		ata[i] = make([]float64, k)
	}
	aty := make([]float64, k)
	row := func(a []float64, y, w float64) {
		for i := range k {
			for j := range k {
				ata[i][j] += w * a[i] * a[j]
			}
			aty[i] += w * a[i] * y
		}
	}
	tot := make([]float64, k)
	var totFixed, totExact float64
	for _, b := range blocks {
		if !keep(b) {
			continue
		}
		f := estimateFeatures(b.text)
		a := fittedFeatures(&f)
		// The cost of the features not fitted, in tokens.
		f.spaceWordX, f.otherWordX, f.consonants, f.mixedX, f.repeatX, f.punctBreak = 0, 0, 0, 0, 0, 0
		fixed := float64(f.cost(&estimateWeights)) / estUnit
		x := float64(b.exact)
		for i := range a {
			tot[i] += a[i]
			a[i] /= x
		}
		row(a, 1-fixed/x, 1)
		totFixed += fixed
		totExact += x
	}
	for i := range tot {
		tot[i] /= totExact
	}
	row(tot, 1-totFixed/totExact, 20)
	return solveLinear(ata, aty)
}

// solveLinear solves a x = y by Gaussian elimination with partial pivoting.
func solveLinear(a [][]float64, y []float64) ([]float64, error) {
	n := len(y)
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if a[p][c] == 0 {
			return nil, fmt.Errorf("singular system at column %d", c)
		}
		a[c], a[p] = a[p], a[c]
		y[c], y[p] = y[p], y[c]
		for r := range n {
			if r == c {
				continue
			}
			m := a[r][c] / a[c][c]
			for cc := c; cc < n; cc++ {
				a[r][cc] -= m * a[c][cc]
			}
			y[r] -= m * y[c]
		}
	}
	x := make([]float64, n)
	for i := range n {
		x[i] = y[i] / a[i][i]
	}
	return x, nil
}

// TestEstimateNonASCII: the hand-set costs of non-ASCII text keep the
// estimate within 30% of cl100k_base on a sentence or listing of each
// script (texts written for this test).
func TestEstimateNonASCII(t *testing.T) {
	for name, s := range map[string]string{
		"german":   "Die Übersetzung der Größenangaben schlägt fehl, weil die Datei während des Schreibens gelöscht wurde. Bitte prüfen Sie die Berechtigungen.",
		"french":   "L'opération a échoué : le fichier de configuration était introuvable après la mise à jour du dépôt.",
		"russian":  "Ошибка при чтении файла конфигурации: доступ запрещён. Проверьте права пользователя и повторите попытку.",
		"greek":    "Η σύνδεση με τον διακομιστή απέτυχε επειδή το πιστοποιητικό έχει λήξει.",
		"chinese":  "无法连接到数据库服务器，请检查网络设置并稍后重试。配置文件中的端口号可能有误。",
		"japanese": "設定ファイルの読み込みに失敗しました。ファイルが存在するか確認してください。",
		"korean":   "구성 파일을 읽는 중 오류가 발생했습니다. 파일 권한을 확인하십시오.",
		"emoji":    "✅ tests passed 🎉 🚀 deploy done ❌ 2 failed ⚠️ warnings 😀😀",
		"tree":     "├── cmd\n│   └── main.go\n├── internal\n│   ├── server.go\n│   └── server_test.go\n└── go.mod\n",
	} {
		e, x := Estimate{}.Count(s), For("gpt-4").Count(s)
		if d := float64(e)/float64(x) - 1; math.Abs(d) > 0.3 {
			t.Errorf("%s: estimate %d, cl100k_base %d (%+.0f%%)", name, e, x, 100*d)
		}
	}
}

func TestEstimateSmall(t *testing.T) {
	for s, want := range map[string]int{
		"":                 0,
		"\x7f":             1,
		"hello world":      2,
		"hello, world!\n":  5,
		"x = 12345":        5,
		"getHTTPServer":    3,
		"    return nil\n": 4,
		"\xff\xfe":         1,
	} {
		if got := (Estimate{}).Count(s); got != want {
			t.Errorf("Estimate(%q) = %d, want %d", s, got, want)
		}
	}
	text := genMixed(50)
	if n := testing.AllocsPerRun(10, func() { Estimate{}.Count(text) }); n != 0 {
		t.Errorf("Estimate allocates %.0f times per call", n)
	}
}
