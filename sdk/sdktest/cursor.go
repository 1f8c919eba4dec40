package sdktest

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// The kinds of cursor value, in the order they sort across kinds.
const (
	cursorNumber = iota
	cursorTime
	cursorText
)

// cursorValue is a record's cursor field, parsed for comparison.
type cursorValue struct {
	text string
	kind int
	num  float64
	at   time.Time
}

// cursorOf returns the value at path in data, and false when there is
// none (no field, null or empty).
func cursorOf(data []byte, path string) (cursorValue, bool) {
	v := gjson.GetBytes(data, path)
	text := v.String()
	if !v.Exists() || v.Type == gjson.Null || text == "" {
		return cursorValue{}, false
	}
	c := cursorValue{text: text, kind: cursorText}
	if n, err := strconv.ParseFloat(text, 64); err == nil {
		c.kind, c.num = cursorNumber, n
	} else if at, err := time.Parse(time.RFC3339Nano, text); err == nil {
		c.kind, c.at = cursorTime, at
	}
	return c, true
}

// compareCursors orders cursor values as numbers when both are numbers, as
// instants when both are RFC 3339 times, as text otherwise; across kinds,
// numbers come before times and times before text, so the order is total.
func compareCursors(a, b cursorValue) int {
	if a.kind != b.kind {
		return cmp.Compare(a.kind, b.kind)
	}
	switch a.kind {
	case cursorNumber:
		return cmp.Compare(a.num, b.num)
	case cursorTime:
		return a.at.Compare(b.at)
	}
	return strings.Compare(a.text, b.text)
}
