package mapping

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// pathError is a problem found in a gjson path at compile time. off is the
// byte offset in the path.
type pathError struct {
	off int
	msg string
}

func (e *pathError) Error() string { return fmt.Sprintf("%s at offset %d", e.msg, e.off) }

// checkPath rejects gjson paths that cannot match anything sensible: empty
// paths, empty segments (a..b, .a, a.), unbalanced (), [] or {}, unterminated
// quoted strings inside queries and a dangling backslash. It does not try to
// be a full gjson parser; anything it accepts gjson evaluates without panic.
// It also rejects a comparison or logical operator outside a query (a path
// like `country == "DE"` is a condition written where a path belongs, and
// would silently match nothing).
func checkPath(p string) *pathError {
	if p == "" {
		return &pathError{0, "empty path"}
	}
	var open []int  // offsets of the unclosed ( [ {
	inString := -1  // offset of the opening quote while inside a quoted string
	segStart := 0   // offset where the current top-level segment starts
	modArg := false // inside a modifier's argument (@dig:"a + b"), which is not a path
	for i := 0; i < len(p); i++ {
		c := p[i]
		if inString >= 0 {
			switch c {
			case '\\':
				i++
			case '"':
				inString = -1
			}
			continue
		}
		if c == '@' && i == segStart && len(open) == 0 {
			if err := checkModifier(p, i); err != nil {
				return err
			}
			end := modifierEnd(p, i)
			modArg = end < len(p) && p[end] == ':'
		}
		if len(open) == 0 && !modArg {
			if err := checkNotArithmetic(p, i); err != nil {
				return err
			}
		}
		switch c {
		case '\\':
			if i+1 == len(p) {
				return &pathError{i, `lone "\" at the end of the path`}
			}
			i++
		case '"':
			if len(open) > 0 {
				inString = i
			}
		case '(', '[', '{':
			open = append(open, i)
		case ')', ']', '}':
			if len(open) == 0 || p[open[len(open)-1]] != opener(c) {
				return &pathError{i, fmt.Sprintf("unmatched %q", string(c))}
			}
			open = open[:len(open)-1]
		case '=', '!', '&', '|', '<', '>':
			if len(open) > 0 {
				continue
			}
			if op := conditionOperator(p[i:]); op != "" {
				return &pathError{i, fmt.Sprintf("%q is an operator, not part of a path: a condition belongs in the pipeline's where:, not in map:", op)}
			}
			if c != '|' {
				continue
			}
			modArg = false
			if i == segStart {
				return &pathError{i, "empty path segment"}
			}
			if i == len(p)-1 {
				return &pathError{i, fmt.Sprintf("path ends with %q", string(c))}
			}
			segStart = i + 1
		case '.':
			if len(open) > 0 {
				continue
			}
			modArg = false
			if i == segStart {
				return &pathError{i, "empty path segment"}
			}
			if i == len(p)-1 {
				return &pathError{i, fmt.Sprintf("path ends with %q", string(c))}
			}
			segStart = i + 1
		}
	}
	if inString >= 0 {
		return &pathError{inString, "unterminated string"}
	}
	if len(open) > 0 {
		at := open[len(open)-1]
		return &pathError{at, fmt.Sprintf("unclosed %q", string(p[at]))}
	}
	return nil
}

// checkModifier rejects a modifier gjson does not have (@upper is not
// one): gjson would give nothing for the path, on every record, without a
// word. at is the offset of the "@".
func checkModifier(p string, at int) *pathError {
	name := p[at+1 : modifierEnd(p, at)]
	if !gjson.ModifierExists(name, nil) {
		return &pathError{at, fmt.Sprintf("unknown modifier @%s: gjson has none of that name (see https://github.com/tidwall/gjson#modifiers)", name)}
	}
	return nil
}

// modifierEnd returns the offset just past the name of the modifier whose
// "@" is at offset at.
func modifierEnd(p string, at int) int {
	end := at + 1
	for end < len(p) && (p[end] == '_' || p[end] >= 'a' && p[end] <= 'z' || p[end] >= 'A' && p[end] <= 'Z' || p[end] >= '0' && p[end] <= '9') {
		end++
	}
	return end
}

// checkNotArithmetic rejects, at offset i of a path outside any query,
// multipath or modifier argument, a "+" standing alone between spaces
// (first_name + last_name): a sum or a join meant over several fields,
// which gjson would read as one key of that odd name, giving nothing on
// every record without a word. Only that form is refused: keys such as
// "a+b", "City, State" or "Score - NPS" are common in CSV and survey
// exports, and are plain keys. A key that really holds " + " is written
// with a backslash (\+).
func checkNotArithmetic(p string, i int) *pathError {
	if p[i] != '+' || i == 0 || i == len(p)-1 || !isSpace(p[i-1]) || !isSpace(p[i+1]) {
		return nil
	}
	hint := ""
	if fields := operands(p); len(fields) > 1 {
		hint = `to join fields, write a template: "{{` + strings.Join(fields, "}} {{") + `}}"; `
	}
	return &pathError{i, fmt.Sprintf(`"+" is not an operator of the map language: a path reads one field (%sa key that really contains " + " is written " \+ ")`, hint)}
}

// operands splits an expression such as "first_name + last_name" into the
// paths it names, for the template an error suggests.
func operands(p string) []string {
	var out []string
	for _, f := range strings.Split(p, "+") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// conditionOperator returns the comparison or logical operator s starts
// with, or "".
func conditionOperator(s string) string {
	for _, op := range []string{"==", "!=", "<=", ">=", "&&", "||", "=~", "!~"} {
		if strings.HasPrefix(s, op) {
			return op
		}
	}
	return ""
}

func opener(closer byte) byte {
	switch closer {
	case ')':
		return '('
	case ']':
		return '['
	}
	return '{'
}
