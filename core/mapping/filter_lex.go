package mapping

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokPath
	tokString
	tokNumber
	tokTrue
	tokFalse
	tokNull
	tokAnd
	tokOr
	tokNot
	tokLParen
	tokRParen
	tokLBracket
	tokRBracket
	tokComma
	tokEq
	tokNe
	tokLt
	tokLe
	tokGt
	tokGe
	tokContains
	tokIn
)

// keyword returns the token kind of a reserved word.
func keyword(word string) (tokKind, bool) {
	switch word {
	case "and":
		return tokAnd, true
	case "or":
		return tokOr, true
	case "not":
		return tokNot, true
	case "contains":
		return tokContains, true
	case "in":
		return tokIn, true
	case "true":
		return tokTrue, true
	case "false":
		return tokFalse, true
	case "null":
		return tokNull, true
	}
	return 0, false
}

type token struct {
	kind tokKind
	pos  int     // byte offset in the expression
	text string  // the source text of the token
	str  string  // tokString: the decoded string
	num  float64 // tokNumber
}

// lexer cuts a filter expression into tokens.
type lexer struct {
	src string
	pos int
}

func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
	start := l.pos
	if start == len(l.src) {
		return token{kind: tokEOF, pos: start}, nil
	}
	c := l.src[start]
	two := func(kind tokKind) (token, error) {
		l.pos += 2
		return token{kind: kind, pos: start, text: l.src[start:l.pos]}, nil
	}
	one := func(kind tokKind) (token, error) {
		l.pos++
		return token{kind: kind, pos: start, text: l.src[start:l.pos]}, nil
	}
	var second byte
	if start+1 < len(l.src) {
		second = l.src[start+1]
	}
	switch {
	case c == '(':
		return one(tokLParen)
	case c == ')':
		return one(tokRParen)
	case c == '[':
		return one(tokLBracket)
	case c == ']':
		return one(tokRBracket)
	case c == ',':
		return one(tokComma)
	case c == '=' && second == '=':
		return two(tokEq)
	case c == '=':
		return token{}, &SyntaxError{start, `unexpected "=" (compare with "==")`}
	case c == '!' && second == '=':
		return two(tokNe)
	case c == '!':
		return one(tokNot)
	case c == '<' && second == '=':
		return two(tokLe)
	case c == '<':
		return one(tokLt)
	case c == '>' && second == '=':
		return two(tokGe)
	case c == '>':
		return one(tokGt)
	case c == '&' && second == '&':
		return two(tokAnd)
	case c == '&':
		return token{}, &SyntaxError{start, `unexpected "&" (use "&&")`}
	case c == '|' && second == '|':
		return two(tokOr)
	case c == '|':
		return token{}, &SyntaxError{start, `unexpected "|" (use "||")`}
	case c == '"' || c == '\'':
		return l.string()
	case c == '-' || isDigit(c):
		return l.number()
	case isPathStart(c) || c >= utf8.RuneSelf && letterAt(l.src, start) > 0:
		return l.path()
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	return token{}, &SyntaxError{start, fmt.Sprintf("unexpected %q", string(r))}
}

func (l *lexer) path() (token, error) {
	start := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == '\\' {
			if l.pos+1 == len(l.src) {
				return token{}, &SyntaxError{l.pos, `expected a character after "\"`}
			}
			_, n := utf8.DecodeRuneInString(l.src[l.pos+1:])
			l.pos += 1 + n
			continue
		}
		if c >= utf8.RuneSelf {
			n := letterAt(l.src, l.pos)
			if n == 0 {
				break
			}
			l.pos += n
			continue
		}
		if !isPathChar(c) {
			break
		}
		l.pos++
	}
	text := l.src[start:l.pos]
	if kind, ok := keyword(text); ok {
		return token{kind: kind, pos: start, text: text}, nil
	}
	if err := checkPath(text); err != nil {
		return token{}, &SyntaxError{start + err.off, fmt.Sprintf("%s in path %q", err.msg, text)}
	}
	return token{kind: tokPath, pos: start, text: text}, nil
}

func (l *lexer) number() (token, error) {
	start := l.pos
	l.pos++ // a digit or "-"
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if !isPathChar(c) && !(c == '+' && (l.src[l.pos-1] == 'e' || l.src[l.pos-1] == 'E')) {
			break
		}
		l.pos++
	}
	text := l.src[start:l.pos]
	if text == "-" {
		return token{}, &SyntaxError{start, `unexpected "-"`}
	}
	num, ok := parseNumber(text)
	if !ok {
		return token{}, &SyntaxError{start, fmt.Sprintf("invalid number %q", text)}
	}
	return token{kind: tokNumber, pos: start, text: text, num: num}, nil
}

func (l *lexer) string() (token, error) {
	start := l.pos
	quote := l.src[start]
	var b *strings.Builder // only once an escape is seen
	from := start + 1
	for i := start + 1; i < len(l.src); i++ {
		c := l.src[i]
		if c == quote {
			l.pos = i + 1
			s := l.src[start+1 : i]
			if b != nil {
				b.WriteString(l.src[from:i])
				s = b.String()
			}
			return token{kind: tokString, pos: start, text: l.src[start:l.pos], str: s}, nil
		}
		if c != '\\' {
			continue
		}
		if b == nil {
			b = &strings.Builder{}
		}
		b.WriteString(l.src[from:i])
		if i+1 == len(l.src) {
			break
		}
		n, r, ok := unescapeAt(l.src, i)
		if !ok {
			if l.src[i+1] == 'u' {
				return token{}, &SyntaxError{i, `expected 4 hex digits after "\u"`}
			}
			_, size := utf8.DecodeRuneInString(l.src[i+1:])
			return token{}, &SyntaxError{i, fmt.Sprintf(`invalid escape "%s" in string`, l.src[i:i+1+size])}
		}
		b.WriteRune(r)
		i += n - 1
		from = i + 1
	}
	return token{}, &SyntaxError{start, "unterminated string"}
}

// unescapeAt decodes the escape sequence at s[i] (a backslash) and returns its
// length and the rune it stands for.
func unescapeAt(s string, i int) (n int, r rune, ok bool) {
	switch s[i+1] {
	case '"', '\'', '\\', '/':
		return 2, rune(s[i+1]), true
	case 'b':
		return 2, '\b', true
	case 'f':
		return 2, '\f', true
	case 'n':
		return 2, '\n', true
	case 'r':
		return 2, '\r', true
	case 't':
		return 2, '\t', true
	case 'u':
		r, ok := hex4(s, i+2)
		if !ok {
			return 0, 0, false
		}
		if utf16.IsSurrogate(r) {
			if lo, ok := hex4(s, i+8); ok && i+7 < len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
				if pair := utf16.DecodeRune(r, lo); pair != utf8.RuneError {
					return 12, pair, true
				}
			}
			return 6, utf8.RuneError, true
		}
		return 6, r, true
	}
	return 0, 0, false
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s[i:i+4], 16, 16)
	return rune(v), err == nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isPathStart and isPathChar classify ASCII bytes; letterAt classifies the
// rest.
func isPathStart(c byte) bool { return isLetter(c) || c == '_' || c == '@' || c == '#' || c == '\\' }

func isPathChar(c byte) bool {
	return isLetter(c) || isDigit(c) || strings.IndexByte("_.#-@*?", c) >= 0
}

// letterAt returns the size of the non-ASCII letter, digit or combining mark
// at s[i], or 0 when there is none: paths may use any alphabet, but not
// invisible spaces pasted along with them.
func letterAt(s string, i int) int {
	r, n := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) {
		return 0
	}
	return n
}
