package benchmark

import (
	"fmt"
	"slices"
)

// Figure is one measured quantity over several runs.
type Figure struct {
	samples []float64
}

// Add records one run's value.
func (f *Figure) Add(v float64) { f.samples = append(f.samples, v) }

// Runs returns how many values were recorded.
func (f *Figure) Runs() int { return len(f.samples) }

// Median returns the median value (the mean of the middle two for an even
// count), or 0 with no values.
func (f *Figure) Median() float64 {
	s := f.sorted()
	switch n := len(s); {
	case n == 0:
		return 0
	case n%2 == 1:
		return s[n/2]
	default:
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// Min returns the smallest value.
func (f *Figure) Min() float64 {
	if len(f.samples) == 0 {
		return 0
	}
	return slices.Min(f.samples)
}

// Max returns the largest value.
func (f *Figure) Max() float64 {
	if len(f.samples) == 0 {
		return 0
	}
	return slices.Max(f.samples)
}

func (f *Figure) sorted() []float64 {
	s := slices.Clone(f.samples)
	slices.Sort(s)
	return s
}

// Format renders median (min–max) with the given verb, e.g. "%.0f".
func (f *Figure) Format(verb string) string {
	if len(f.samples) == 0 {
		return "-"
	}
	if len(f.samples) == 1 {
		return fmt.Sprintf(verb, f.Median())
	}
	return fmt.Sprintf(verb+" ("+verb+"–"+verb+")", f.Median(), f.Min(), f.Max())
}
