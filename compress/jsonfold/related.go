package jsonfold

import (
	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Related records: in an event stream or a list of records, the record
// that reports a problem is often not the one that explains it. A test's
// "fail" event follows the output events that carry its message; a
// request's error entry sits among the entries that share its request id.
// Such records share the value of a grouping field — one that most items
// have, whose values each recur in a few items — so the items sharing a
// kept problem item's value of that field are kept with it.

const (
	// maxRelated bounds the items kept for one problem item, and
	// maxRelatedAll for a whole collection.
	maxRelated    = 8
	maxRelatedAll = 48
	// maxGroupFields bounds the fields tried as the grouping field.
	maxGroupFields = 8
	// maxGroupSize is the largest average group a grouping field may
	// form: beyond it the field is a category (a level, a package), not
	// a group of related records.
	maxGroupSize = 24
)

// markRelated keeps, for each problem item already kept, the items that
// share its value of the collection's grouping field (the nearest first).
func (c *compressor) markRelated(sq *seq, a *analysis) {
	var problems []int
	for x, sev := range a.sev {
		if sev == lines.Problem && a.must[x] {
			problems = append(problems, x)
		}
	}
	if len(problems) == 0 || a.fields.objects < len(sq.items)/2 || len(sq.items) < 8 {
		return
	}
	key, vals := c.groupingField(sq, a.fields)
	if key == "" {
		return
	}
	byVal := map[string][]int{}
	for x, v := range vals {
		if v != "" {
			byVal[v] = append(byVal[v], x)
		}
	}
	kept := 0
	for _, x := range problems {
		group := byVal[vals[x]]
		if vals[x] == "" || len(group) > maxGroupSize*2 {
			continue
		}
		// The nearest members first: the records around the problem.
		for d, n := 1, 0; n < maxRelated && kept < maxRelatedAll && d < len(sq.items); d++ {
			for _, y := range [2]int{x - d, x + d} {
				if y < 0 || y >= len(sq.items) || vals[y] != vals[x] || a.must[y] || n >= maxRelated {
					continue
				}
				a.must[y] = true
				n++
				kept++
			}
			if d > len(group)*4+maxRelated*4 {
				break // the group's other members are far away
			}
		}
	}
}

// groupSample is how many items the choice of the grouping field looks
// at: enough to see values recur, while the full pass is made for the
// chosen field only.
const groupSample = 1024

// groupingField picks the field whose values group related items (see
// above) from a sample of the items, and returns its key and every item's
// raw value of it ("" where an item lacks it).
func (c *compressor) groupingField(sq *seq, fs *fieldSet) (string, []string) {
	var keys []string
	slot := map[string]int{}
	for _, f := range fs.list {
		if len(keys) >= maxGroupFields {
			break
		}
		if f.key == "" || !f.scalar || f.constant || int(f.count)*2 < len(sq.items) || !f.highCard && len(f.stats) < 3 {
			continue
		}
		slot[f.key] = len(keys)
		keys = append(keys, f.key)
	}
	if len(keys) == 0 {
		return "", nil
	}
	n := min(len(sq.items), groupSample)
	distinct := make([]map[string]struct{}, len(keys))
	have := make([]int, len(keys))
	for i := range distinct {
		distinct[i] = map[string]struct{}{}
	}
	for _, k := range sq.items[:n] {
		if c.t.Kind(k) != jsonspan.Object {
			continue
		}
		for m := c.t.First(k); m >= 0; m = c.t.Next(m) {
			if i, ok := slot[c.t.RawKey(m)]; ok {
				distinct[i][c.t.Raw(m)] = struct{}{}
				have[i]++
			}
		}
	}
	best, bestSize := -1, 0.0
	for i := range keys {
		if len(distinct[i]) < 3 {
			continue
		}
		// Values that recur in a few items each; the smallest groups are
		// the most specific.
		size := float64(have[i]) / float64(len(distinct[i]))
		if size >= 1.5 && size <= maxGroupSize && (best < 0 || size < bestSize) {
			best, bestSize = i, size
		}
	}
	if best < 0 {
		return "", nil
	}
	return keys[best], c.valuesOf(sq, keys[best])
}

// valuesOf returns each item's raw value of the member named key (as
// written, quoted), "" where the item is not an object or lacks it.
func (c *compressor) valuesOf(sq *seq, key string) []string {
	out := make([]string, len(sq.items))
	for x, k := range sq.items {
		if c.t.Kind(k) != jsonspan.Object {
			continue
		}
		for m := c.t.First(k); m >= 0; m = c.t.Next(m) {
			if c.t.RawKey(m) == key {
				out[x] = c.t.Raw(m)
				break
			}
		}
	}
	return out
}
