package mapping

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
	d := unindexedDoc(data)
	defer putDoc(d)
	return f.root.holds(d)
}

// MatchDoc is Match for a record prepared with Doc.Reset: the filter's
// paths are answered from its one pass over the record.
func (f *Filter) MatchDoc(d *Doc) bool {
	if f == nil {
		return true
	}
	return f.root.holds(d)
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
	holds(d *Doc) bool
}

// operand is a node that yields a value: a path or a literal. Both are
// conditions too, tested for truth.
type operand interface {
	cond
	value(d *Doc) value
}

type orCond struct{ l, r cond }

func (c *orCond) holds(d *Doc) bool { return c.l.holds(d) || c.r.holds(d) }

type andCond struct{ l, r cond }

func (c *andCond) holds(d *Doc) bool { return c.l.holds(d) && c.r.holds(d) }

type notCond struct {
	x    cond
	word string // "!" or "not", for messages
}

func (c *notCond) holds(d *Doc) bool { return !c.x.holds(d) }

type pathOperand struct{ l lookup }

func (p *pathOperand) value(d *Doc) value { return fromResult(d.get(&p.l)) }
func (p *pathOperand) holds(d *Doc) bool  { return p.value(d).truthy() }

type literal struct{ v value }

func (l *literal) value(*Doc) value { return l.v }
func (l *literal) holds(*Doc) bool  { return l.v.truthy() }

// condOperand is a condition used as a comparison operand: (!a) == b.
type condOperand struct{ c cond }

func (o *condOperand) value(d *Doc) value { return boolValue(o.c.holds(d)) }
func (o *condOperand) holds(d *Doc) bool  { return o.c.holds(d) }

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

func (c *compareCond) holds(d *Doc) bool {
	a, b := c.l.value(d), c.r.value(d)
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

func (c *inCond) holds(d *Doc) bool {
	a := c.l.value(d)
	for _, v := range c.list {
		if equal(a, v) {
			return true
		}
	}
	return false
}
