package mapping

import "fmt"

// SyntaxError is the error CompileFilter returns: what was expected or found,
// and where.
type SyntaxError struct {
	Offset int    // 0-based byte offset in the expression
	Msg    string // what is wrong, without the offset
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.Msg, e.Offset) }

// CompileFilter parses a "where:" expression (see the package documentation
// for the language). The error is a *SyntaxError.
func CompileFilter(expr string) (*Filter, error) {
	p := &parser{lx: lexer{src: expr}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	root, err := p.or("")
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		if isComparison(p.tok.kind) {
			return nil, p.chained()
		}
		return nil, p.unexpected()
	}
	return &Filter{expr: expr, root: root}, nil
}

// parser is a recursive-descent parser with one token of lookahead. Each
// level takes after, the operator or parenthesis it follows, to say what a
// missing value was expected after.
type parser struct {
	lx  lexer
	tok token
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// or := and { ("||" | "or") and }
func (p *parser) or(after string) (cond, error) {
	l, err := p.and(after)
	for err == nil && p.tok.kind == tokOr {
		op := p.tok
		if err = p.advance(); err != nil {
			break
		}
		var r cond
		if r, err = p.and(op.text); err == nil {
			l = &orCond{l, r}
		}
	}
	return l, err
}

// and := comparison { ("&&" | "and") comparison }
func (p *parser) and(after string) (cond, error) {
	l, err := p.comparison(after)
	for err == nil && p.tok.kind == tokAnd {
		op := p.tok
		if err = p.advance(); err != nil {
			break
		}
		var r cond
		if r, err = p.comparison(op.text); err == nil {
			l = &andCond{l, r}
		}
	}
	return l, err
}

// comparison := unary [ ("==" | "!=" | "<" | "<=" | ">" | ">=" | "contains") unary
//
//	| "in" "[" [ literal { "," literal } ] "]" ]
func (p *parser) comparison(after string) (cond, error) {
	l, err := p.unary(after)
	if err != nil || !isComparison(p.tok.kind) {
		return l, err
	}
	op := p.tok
	if err := p.advance(); err != nil {
		return nil, err
	}
	var c cond
	if op.kind == tokIn {
		list, err := p.list()
		if err != nil {
			return nil, err
		}
		lo, err := asOperand(l, nil, op)
		if err != nil {
			return nil, err
		}
		c = &inCond{l: lo, list: list}
	} else {
		r, err := p.unary(op.text)
		if err != nil {
			return nil, err
		}
		lo, err := asOperand(l, r, op)
		if err != nil {
			return nil, err
		}
		ro, err := asOperand(r, l, op)
		if err != nil {
			return nil, err
		}
		c = &compareCond{op: cmpOpOf(op.kind), l: lo, r: ro}
	}
	if isComparison(p.tok.kind) {
		return nil, p.chained()
	}
	return c, nil
}

// cmpOpOf maps a comparison token other than "in" to its operator.
func cmpOpOf(k tokKind) cmpOp {
	switch k {
	case tokNe:
		return opNe
	case tokLt:
		return opLt
	case tokLe:
		return opLe
	case tokGt:
		return opGt
	case tokGe:
		return opGe
	case tokContains:
		return opContains
	}
	return opEq
}

func isComparison(k tokKind) bool { return k >= tokEq && k <= tokIn }

// asOperand turns one side of a comparison into an operand. A condition (a
// negation, or a parenthesised condition) is a boolean and may only be
// compared with == or != to another condition, a path or true/false.
func asOperand(c, other cond, op token) (operand, error) {
	if o, ok := c.(operand); ok {
		return o, nil
	}
	ok := op.kind == tokEq || op.kind == tokNe
	if lit, isLit := other.(*literal); isLit && lit.v.kind != valBool {
		ok = false
	}
	if ok {
		return &condOperand{c}, nil
	}
	if n, isNot := c.(*notCond); isNot {
		return nil, &SyntaxError{op.pos, fmt.Sprintf("%q binds tighter than %q: write %s(a %s b) to negate a comparison",
			n.word, op.text, n.word, op.text)}
	}
	return nil, &SyntaxError{op.pos, fmt.Sprintf("cannot use %q between a condition and a value", op.text)}
}

// unary := ("!" | "not") unary | primary
func (p *parser) unary(after string) (cond, error) {
	if p.tok.kind != tokNot {
		return p.primary(after)
	}
	op := p.tok
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.unary(op.text)
	if err != nil {
		return nil, err
	}
	return &notCond{x: x, word: op.text}, nil
}

// primary := path | string | number | "true" | "false" | "null" | "(" or ")"
func (p *parser) primary(after string) (cond, error) {
	t := p.tok
	switch t.kind {
	case tokLParen:
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.or(t.text)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			if isComparison(p.tok.kind) {
				return nil, p.chained()
			}
			return nil, &SyntaxError{p.tok.pos, `expected ")", found ` + describe(p.tok)}
		}
		return c, p.advance()
	case tokPath:
		return &pathOperand{l: newLookup(t.text)}, p.advance()
	}
	if v, ok := literalValue(t); ok {
		return &literal{v}, p.advance()
	}
	if after != "" {
		return nil, &SyntaxError{t.pos, fmt.Sprintf("expected a value after %q", after)}
	}
	if t.kind == tokEOF {
		return nil, &SyntaxError{t.pos, "expected a value"}
	}
	return nil, p.unexpected()
}

// list := "[" [ literal { "," literal } ] "]"
func (p *parser) list() ([]value, error) {
	if p.tok.kind != tokLBracket {
		return nil, &SyntaxError{p.tok.pos, `expected "[" after "in"`}
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	var list []value
	if p.tok.kind == tokRBracket {
		return list, p.advance()
	}
	for {
		v, ok := literalValue(p.tok)
		if !ok {
			return nil, &SyntaxError{p.tok.pos, "expected a string, number, true, false or null in the list"}
		}
		list = append(list, v)
		if err := p.advance(); err != nil {
			return nil, err
		}
		switch p.tok.kind {
		case tokComma:
			if err := p.advance(); err != nil {
				return nil, err
			}
		case tokRBracket:
			return list, p.advance()
		default:
			return nil, &SyntaxError{p.tok.pos, `expected "," or "]"`}
		}
	}
}

func literalValue(t token) (value, bool) {
	switch t.kind {
	case tokString:
		return stringLiteral(t.str), true
	case tokNumber:
		return value{kind: valNumber, num: t.num, s: t.text}, true
	case tokTrue:
		return boolValue(true), true
	case tokFalse:
		return boolValue(false), true
	case tokNull:
		return value{kind: valNull}, true
	}
	return value{}, false
}

func (p *parser) unexpected() error {
	return &SyntaxError{p.tok.pos, "unexpected " + describe(p.tok)}
}

func (p *parser) chained() error {
	return &SyntaxError{p.tok.pos, fmt.Sprintf("unexpected %q: comparisons cannot be chained, join them with &&", p.tok.text)}
}

// describe names a token for a message.
func describe(t token) string {
	text := t.text
	if len(text) > 32 {
		text = text[:29] + "..."
	}
	switch t.kind {
	case tokEOF:
		return "end of expression"
	case tokString:
		return "string " + text
	}
	return fmt.Sprintf("%q", text)
}
