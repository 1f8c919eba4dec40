package config

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is one problem in a config file, at a 1-based line and column (0 when
// the problem has no place in the file, such as a bad environment override).
type Error struct {
	File   string
	Line   int
	Column int
	Key    string // the key path, such as pipelines[1].to.connection; "" for the whole file
	Msg    string
	// Context, when set, shows the place: the offending line with a caret
	// under the column, for printing after the message.
	Context string
}

// Error formats the error as "file:line:col: key: msg", leaving out the
// column when it is 0, the line when it is 0 and the key when it is "".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a config file, sorted by line.
type Errors []*Error

// Error returns the errors one per line.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// errorList collects the errors of one file while it is checked.
type errorList struct {
	file string
	errs Errors
}

// at records an error at the position of node n (no position if n is nil).
func (l *errorList) at(n *yaml.Node, key, msg string) {
	e := &Error{File: l.file, Key: key, Msg: msg}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	l.errs = append(l.errs, e)
}

// atPos records an error at an explicit position.
func (l *errorList) atPos(line, col int, key, msg string) {
	l.errs = append(l.errs, &Error{File: l.file, Line: line, Column: col, Key: key, Msg: msg})
}

// result returns the errors sorted by line and column, without repeats (an
// anchored YAML node used twice is checked twice), or nil if there are none.
func (l *errorList) result() error {
	if len(l.errs) == 0 {
		return nil
	}
	out := slices.Clone(l.errs)
	slices.SortStableFunc(out, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	out = slices.CompactFunc(out, func(a, b *Error) bool { return *a == *b })
	return out
}
