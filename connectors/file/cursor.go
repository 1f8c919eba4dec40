package file

import (
	"cmp"
	"math"
	"strconv"
	"strings"
	"time"
)

// The kinds of cursor value, in the order they sort across kinds.
const (
	cursorNumber = iota
	cursorTime
	cursorString
)

// cursorValue is a cursor field's value, parsed once for comparison.
type cursorValue struct {
	text  string
	kind  uint8
	isInt bool
	i     int64   // an integer; a time's Unix seconds
	ns    int32   // a time's nanoseconds
	f     float64 // a number
}

func parseCursor(text string) cursorValue {
	v := cursorValue{text: text, kind: cursorString}
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		v.kind, v.isInt, v.i, v.f = cursorNumber, true, i, float64(i)
		return v
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) &&
		!strings.ContainsAny(text, "xX_") {
		v.kind, v.f = cursorNumber, f
		return v
	}
	if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
		v.kind, v.i, v.ns = cursorTime, t.Unix(), int32(t.Nanosecond())
	}
	return v
}

// compareCursors orders two cursor values: as numbers if both are
// numbers, as instants if both are RFC 3339 times, as strings if both are
// neither; across kinds, numbers before times before strings, so that the
// order is total (comparing across kinds as strings would not be
// transitive: "9" < "10" as numbers, but "10" < "5x" < "9" as strings).
func compareCursors(a, b cursorValue) int {
	if a.kind != b.kind {
		return cmp.Compare(a.kind, b.kind)
	}
	switch a.kind {
	case cursorNumber:
		if a.isInt && b.isInt {
			return cmp.Compare(a.i, b.i)
		}
		return cmp.Compare(a.f, b.f)
	case cursorTime:
		if c := cmp.Compare(a.i, b.i); c != 0 {
			return c
		}
		return cmp.Compare(a.ns, b.ns)
	}
	return strings.Compare(a.text, b.text)
}
