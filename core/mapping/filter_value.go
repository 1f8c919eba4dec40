package mapping

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// valueKind is the type of a filter operand once evaluated.
type valueKind uint8

const (
	valMissing valueKind = iota
	valNull
	valBool
	valNumber
	valString
	valJSON // an object or array; s is its JSON text
)

// value is an evaluated operand. It never owns memory: s points into the
// record or into the compiled expression.
type value struct {
	kind valueKind
	b    bool    // valBool
	num  float64 // valNumber, or a literal valString that reads as a number
	s    string  // the string form: text, number as written, "true"/"false", JSON text

	// For string literals, whether s reads as a number was decided at compile
	// time (numeric) and num holds it.
	parsed, numeric bool
}

func fromResult(r gjson.Result) value {
	switch r.Type {
	case gjson.Null:
		if r.Raw == "" {
			return value{kind: valMissing}
		}
		return value{kind: valNull}
	case gjson.False:
		return value{kind: valBool, s: "false"}
	case gjson.True:
		return value{kind: valBool, b: true, s: "true"}
	case gjson.Number:
		return value{kind: valNumber, num: r.Num, s: r.Raw}
	case gjson.String:
		return value{kind: valString, s: r.Str}
	}
	return value{kind: valJSON, s: r.Raw}
}

func stringLiteral(s string) value {
	v := value{kind: valString, s: s, parsed: true}
	v.num, v.numeric = parseNumber(s)
	return v
}

func boolValue(b bool) value {
	if b {
		return value{kind: valBool, b: true, s: "true"}
	}
	return value{kind: valBool, s: "false"}
}

// absent reports whether v is missing or null, which the filter treats alike.
func (v value) absent() bool { return v.kind <= valNull }

// noValue reports whether v is missing, null or "".
func (v value) noValue() bool { return v.absent() || v.kind == valString && v.s == "" }

// number returns v as a number when it is one or is a string that reads as
// one.
func (v value) number() (float64, bool) {
	switch v.kind {
	case valNumber:
		return v.num, true
	case valString:
		if v.parsed {
			return v.num, v.numeric
		}
		return parseNumber(v.s)
	}
	return 0, false
}

// truthy is the meaning of an operand on its own.
func (v value) truthy() bool {
	switch v.kind {
	case valBool:
		return v.b
	case valNumber:
		return v.num != 0
	case valString:
		return v.s != ""
	case valJSON:
		return !emptyContainer(v.s)
	}
	return false
}

// equal is ==: missing, null and "" all mean "no value" and equal each
// other; booleans equal booleans only; numbers and strings that read as
// numbers compare as numbers; the rest compares as strings.
func equal(a, b value) bool {
	if a.absent() || b.absent() {
		return a.noValue() && b.noValue()
	}
	if a.kind == valBool || b.kind == valBool {
		return a.kind == b.kind && a.b == b.b
	}
	if x, y, ok := numbers(a, b); ok {
		return x == y
	}
	return a.s == b.s
}

// order compares a and b for <, <=, > and >=; ok is false when they cannot
// be ordered (either is missing, null or a boolean).
func order(a, b value) (c int, ok bool) {
	if a.absent() || b.absent() || a.kind == valBool || b.kind == valBool {
		return 0, false
	}
	if x, y, ok := numbers(a, b); ok {
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	return strings.Compare(a.s, b.s), true
}

// numbers returns both sides as numbers when at least one is a number and the
// other is a number or a string that reads as one.
func numbers(a, b value) (x, y float64, ok bool) {
	if a.kind != valNumber && b.kind != valNumber {
		return 0, 0, false
	}
	x, okx := a.number()
	y, oky := b.number()
	return x, y, okx && oky
}

// contains is "a contains b": an array element equal to b, or a substring.
func contains(a, b value) bool {
	if a.absent() || b.absent() {
		return false
	}
	if a.kind == valJSON && strings.HasPrefix(strings.TrimLeft(a.s, " \t\r\n"), "[") {
		found := false
		gjson.Parse(a.s).ForEach(func(_, e gjson.Result) bool {
			found = equal(fromResult(e), b)
			return !found
		})
		return found
	}
	return strings.Contains(a.s, b.s)
}

// parseNumber reads s as a number when it is written like a JSON number
// (leading zeros allowed). It checks the syntax first so that strings that
// are not numbers cost no allocation.
func parseNumber(s string) (float64, bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if !digits() {
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return 0, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// emptyContainer reports whether raw is [] or {}, whitespace allowed.
func emptyContainer(raw string) bool {
	for i := 1; i < len(raw); i++ {
		if !isSpace(raw[i]) {
			return raw[i] == ']' || raw[i] == '}'
		}
	}
	return false
}
