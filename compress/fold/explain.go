package fold

// Decision is why the generic fold kept or dropped one line (diagnostics
// and tests).
type Decision struct {
	Keep, Must, Demoted bool
	Prio                float64
}

// Explain runs the lossy fold's selection on in and returns its decision
// for every line.
func Explain(in *Input) []Decision {
	p := newPlan(in)
	p.mark()
	p.fill()
	p.dropRepeats()
	out := make([]Decision, len(p.keep))
	for i := range out {
		out[i] = Decision{Keep: p.keep[i], Must: p.must[i], Demoted: p.demoted[i], Prio: p.prio[i]}
	}
	return out
}
