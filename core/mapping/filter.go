package mapping

import "github.com/tidwall/gjson"

// Filter is a compiled "where:" expression. It is immutable and safe for
// concurrent use. A nil *Filter matches every record.
type Filter struct {
	expr string
	root cond
}

// Match reports whether the record data satisfies the filter. Paths are
// looked up in data with gjson; data is expected to be valid JSON (Apply
// checks records; a filter given anything else does not fail, it just finds
// nothing). Match allocates nothing, except where gjson must unescape a
// string it reads or evaluate a modifier.
func (f *Filter) Match(data []byte) bool {
	if f == nil {
		return true
	}
	return f.root.holds(bytesString(data))
}

// String returns the expression the filter was compiled from.
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	return f.expr
}

// cond is a node of a compiled expression that can be tested on a record.
type cond interface {
	holds(doc string) bool
}

// operand is a node that yields a value: a path or a literal. Both are
// conditions too, tested for truth.
type operand interface {
	cond
	value(doc string) value
}

type orCond struct{ l, r cond }

func (c *orCond) holds(doc string) bool { return c.l.holds(doc) || c.r.holds(doc) }

type andCond struct{ l, r cond }

func (c *andCond) holds(doc string) bool { return c.l.holds(doc) && c.r.holds(doc) }

type notCond struct {
	x    cond
	word string // "!" or "not", for messages
}

func (c *notCond) holds(doc string) bool { return !c.x.holds(doc) }

type pathOperand struct{ path string }

func (p *pathOperand) value(doc string) value { return fromResult(gjson.Get(doc, p.path)) }
func (p *pathOperand) holds(doc string) bool  { return p.value(doc).truthy() }

type literal struct{ v value }

func (l *literal) value(string) value { return l.v }
func (l *literal) holds(string) bool  { return l.v.truthy() }

// condOperand is a condition used as a comparison operand: (!a) == b.
type condOperand struct{ c cond }

func (o *condOperand) value(doc string) value { return boolValue(o.c.holds(doc)) }
func (o *condOperand) holds(doc string) bool  { return o.c.holds(doc) }

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
	opContains
)

type compareCond struct {
	op   cmpOp
	l, r operand
}

func (c *compareCond) holds(doc string) bool {
	a, b := c.l.value(doc), c.r.value(doc)
	switch c.op {
	case opEq:
		return equal(a, b)
	case opNe:
		return !equal(a, b)
	case opContains:
		return contains(a, b)
	}
	n, ok := order(a, b)
	if !ok {
		return false
	}
	switch c.op {
	case opLt:
		return n < 0
	case opLe:
		return n <= 0
	case opGt:
		return n > 0
	}
	return n >= 0
}

type inCond struct {
	l    operand
	list []value
}

func (c *inCond) holds(doc string) bool {
	a := c.l.value(doc)
	for _, v := range c.list {
		if equal(a, v) {
			return true
		}
	}
	return false
}
