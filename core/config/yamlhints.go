package config

import (
	"fmt"
	"strings"
)

// The YAML parser's own messages are often far from the mistake ("did not
// find expected key" on the line where the enclosing mapping starts). When
// the file does not parse, yamlMistake looks for the common mistakes on the
// raw lines first — a tab in the indentation, a line indented to a level
// no enclosing block has, a dedent into the middle of a block, an
// unquoted ": " in a value, a key without its colon — and names the line and
// column, with the line itself and a caret under the spot.

// yamlMistake returns the first common mistake in data, or nil; the line
// it quotes comes from original (data may have its ${...} protected).
func yamlMistake(file string, data, original []byte) *Error {
	lines := strings.Split(string(data), "\n")
	quoted := strings.Split(string(original), "\n")
	if len(quoted) != len(lines) {
		quoted = lines
	}
	yamlHint := func(file string, _ []string, n, col int, msg string) *Error {
		return yamlHint(file, quoted, n, col, msg)
	}
	type level struct {
		indent int
		line   int
	}
	var stack []level        // indents of the blocks open at this point
	opens := false           // the previous content line opens a block (ends with ":" or "- key:")
	prevIndent, prev := 0, 0 // the previous content line
	for i, raw := range lines {
		n := i + 1
		line := strings.TrimRight(raw, "\r")
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		lead := line[:len(line)-len(trimmed)]
		if col := strings.IndexByte(lead, '\t'); col >= 0 {
			return yamlHint(file, lines, n, col+1, "a tab in the indentation: YAML indents with spaces only")
		}
		indent := len(lead)
		if strings.HasPrefix(trimmed, "---") || strings.HasPrefix(trimmed, "...") {
			stack, opens, prevIndent, prev = nil, false, 0, n
			continue
		}
		switch {
		case prev == 0:
			stack = []level{{indent, n}}
		case indent > prevIndent:
			if !opens {
				return yamlHint(file, lines, n, indent+1, fmt.Sprintf(
					"this line is indented more than line %d, which does not open a block (it does not end with \":\"): check the indentation here", prev))
			}
			stack = append(stack, level{indent, n})
		case indent < prevIndent:
			var inner *level
			for len(stack) > 0 && stack[len(stack)-1].indent > indent {
				l := stack[len(stack)-1]
				inner = &l
				stack = stack[:len(stack)-1]
			}
			if len(stack) == 0 || stack[len(stack)-1].indent != indent {
				var cols []string
				if inner != nil {
					cols = append(cols, fmt.Sprintf("column %d (as on line %d)", inner.indent+1, inner.line))
				}
				if len(stack) > 0 {
					cols = append(cols, fmt.Sprintf("column %d (as on line %d)", stack[len(stack)-1].indent+1, stack[len(stack)-1].line))
				}
				want := "no open block starts at this column"
				if len(cols) > 0 {
					want = "the keys around it start at " + strings.Join(cols, " or ")
				}
				return yamlHint(file, lines, n, indent+1, fmt.Sprintf("this line starts at column %d, where no open block does (%s): check the indentation here", indent+1, want))
			}
		}
		body := strings.TrimPrefix(trimmed, "- ")
		if body != trimmed && strings.TrimSpace(body) != "" {
			// "- key: value": the item's other keys line up with "key",
			// two columns in.
			stack = append(stack, level{indent + 2, n})
			indent += 2
		}
		if k, v, ok := cutKey(body); ok {
			if strings.Contains(v, ": ") && !quotedOrFlow(v) {
				col := indent + (len(trimmed) - len(body)) + len(k) + 2 + strings.Index(v, ": ") + 1
				return yamlHint(file, lines, n, col, `the value contains ": ", which YAML reads as a second key: put the value in quotes`)
			}
			opens = strings.TrimSpace(stripComment(v)) == ""
		} else {
			opens = false
			if !strings.HasPrefix(trimmed, "- ") && !strings.ContainsAny(body[:1], `"'{[|>&*!`) && indent > 0 &&
				strings.Contains(strings.TrimSpace(body), " ") && isKeyLike(strings.Fields(body)[0]) && prevIsKey(lines, prev) {
				return yamlHint(file, lines, n, indent+len(strings.Fields(body)[0])+1, `a key without its ":" (write "key: value")`)
			}
		}
		prevIndent, prev = indent, n
	}
	return nil
}

// cutKey splits "key: value" or "key:" (the value may be empty).
func cutKey(s string) (key, value string, ok bool) {
	if s == "" || strings.ContainsAny(s[:1], `"'{[#&*!|>`) {
		return "", "", false
	}
	if strings.HasSuffix(stripComment(s), ":") {
		k := strings.TrimSuffix(strings.TrimSpace(stripComment(s)), ":")
		return k, "", isKeyLike(k)
	}
	k, v, found := strings.Cut(s, ": ")
	if !found || !isKeyLike(k) {
		return "", "", false
	}
	return k, strings.TrimSpace(v), true
}

func isKeyLike(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.$", r)) {
			return false
		}
	}
	return true
}

// prevIsKey reports whether line n (1-based) is a "key: ..." line.
func prevIsKey(lines []string, n int) bool {
	if n <= 0 || n > len(lines) {
		return false
	}
	_, _, ok := cutKey(strings.TrimPrefix(strings.TrimSpace(lines[n-1]), "- "))
	return ok
}

func quotedOrFlow(v string) bool {
	return v != "" && strings.ContainsAny(v[:1], `"'{[|>`)
}

func stripComment(s string) string {
	if i := strings.Index(s, " #"); i >= 0 {
		return s[:i]
	}
	return s
}

// yamlHint makes the Error for a mistake at line n, column col.
func yamlHint(file string, lines []string, n, col int, msg string) *Error {
	return &Error{File: file, Line: n, Column: col, Msg: "invalid YAML: " + msg, Context: snippet(lines, n, col)}
}

// snippet is line n of lines with a caret under column col.
func snippet(lines []string, n, col int) string {
	if n < 1 || n > len(lines) {
		return ""
	}
	text := strings.ReplaceAll(strings.TrimRight(lines[n-1], "\r"), "\t", "→")
	num := fmt.Sprint(n)
	return fmt.Sprintf("%s | %s\n%s | %s^", num, text, strings.Repeat(" ", len(num)), strings.Repeat(" ", max(col-1, 0)))
}
