package mapping

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// template is a compiled "{{path}} literal {{path}}" expression.
type template struct {
	parts []part
}

// part is either literal text or, when path is set, a value to render.
type part struct {
	text string
	path string
}

// compileTemplate splits expr into literal text and {{path}} parts. Offsets in
// its errors are byte offsets in expr.
func compileTemplate(expr string) (template, error) {
	var t template
	i := 0
	for i < len(expr) {
		j := strings.Index(expr[i:], "{{")
		if j < 0 {
			t.parts = append(t.parts, part{text: expr[i:]})
			break
		}
		open := i + j
		if j > 0 {
			t.parts = append(t.parts, part{text: expr[i:open]})
		}
		end := closeBraces(expr, open+2)
		if end < 0 {
			return template{}, fmt.Errorf(`unclosed "{{" at offset %d`, open)
		}
		inner := expr[open+2 : end]
		p := strings.TrimSpace(inner)
		if p == "" {
			return template{}, fmt.Errorf(`empty "{{}}" at offset %d`, open)
		}
		if err := checkPath(p); err != nil {
			at := open + 2 + strings.Index(inner, p) + err.off
			return template{}, fmt.Errorf("%s at offset %d", err.msg, at)
		}
		t.parts = append(t.parts, part{path: p})
		i = end + 2
	}
	return t, nil
}

// closeBraces returns the offset of the "}}" that closes a part whose path
// starts at from, or -1. Braces inside the path nest, so a multipath such as
// {{{first,last}}} works.
func closeBraces(s string, from int) int {
	depth := 0
	for i := from; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			if depth == 0 {
				if i+1 < len(s) && s[i+1] == '}' {
					return i
				}
				continue
			}
			depth--
		}
	}
	return -1
}

// appendJSON renders the template against doc and appends it as a JSON
// string.
func (t *template) appendJSON(dst []byte, doc string) []byte {
	w := textWriter{dst: append(dst, '"'), skip: true}
	w.keep = len(w.dst)
	for i := range t.parts {
		p := &t.parts[i]
		if p.path == "" {
			w.text(p.text)
			continue
		}
		r := gjson.Get(doc, p.path)
		switch r.Type {
		case gjson.String:
			w.text(r.Str)
		case gjson.Number:
			// As written: 12.50 stays "12.50", as a price should.
			w.text(r.Raw)
		case gjson.True:
			w.text("true")
		case gjson.False:
			w.text("false")
		case gjson.JSON:
			w.text(r.Raw)
		default: // null or missing
			w.text("")
		}
	}
	return append(w.dst[:w.keep], '"')
}

// textWriter appends escaped text, trimming leading and trailing whitespace
// and collapsing the whitespace around parts that render nothing.
type textWriter struct {
	dst  []byte
	keep int  // len(dst) up to the last non-space character: the rest may be trimmed
	skip bool // drop leading whitespace of what comes next
}

func (w *textWriter) text(s string) {
	if s == "" {
		// A part that rendered nothing: if whitespace came before it, the
		// whitespace after it is dropped.
		if len(w.dst) > w.keep {
			w.skip = true
		}
		return
	}
	if w.skip {
		i := 0
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return
		}
		s, w.skip = s[i:], false
	}
	k := len(s)
	for k > 0 && isSpace(s[k-1]) {
		k--
	}
	if k > 0 {
		w.dst = appendEscaped(w.dst, s[:k])
		w.keep = len(w.dst)
	}
	w.dst = appendEscaped(w.dst, s[k:])
}

// PathsRead returns the paths an expression reads from the source record:
// a template's {{path}} parts, or the expression itself. A path may still
// carry gjson syntax (modifiers, multipaths, queries); it is what the
// caller looks into, not a plain field name. An expression that does not
// compile yields what could be split out of it.
func PathsRead(expr string) []string {
	if !strings.Contains(expr, "{{") {
		if expr == "" {
			return nil
		}
		return []string{expr}
	}
	var paths []string
	t, err := compileTemplate(expr)
	if err != nil {
		return []string{expr}
	}
	for _, p := range t.parts {
		if p.path != "" {
			paths = append(paths, p.path)
		}
	}
	return paths
}
