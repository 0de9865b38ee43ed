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

// Rank returns the generic fold's judgement of every line of in without
// folding: the lines it must keep, and the priority of the others (the
// larger, the sooner kept; comparable among themselves only). A
// compressor that folds part of a block its own way (the rows of a
// table) ranks the rest as the fold ranks any text: a header with its
// body, problems, extremes, the lines the task names. Both are nil when
// the caller gave up (in.Stop).
func Rank(in *Input) (must []bool, prio []float64) {
	p := newPlan(in)
	if in.Stopped() {
		return nil, nil // the caller gave up: it ranks the lines its own way
	}
	p.mark()
	if in.Stopped() {
		return nil, nil
	}
	for i := range p.prio {
		if p.demoted[i] && p.prio[i] < prioDemotedProblem+10 {
			p.prio[i] = 0
		}
	}
	return p.must, p.prio
}

// MaxPrio is the largest priority Rank gives a line it does not require.
const MaxPrio = prioStrongTerm + 100
