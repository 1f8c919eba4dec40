package mapping

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzApply maps arbitrary records with a fixed map and with a map built from
// a fuzzed expression: the output is always a valid JSON object, and
// anything but a JSON object is always refused.
func FuzzApply(f *testing.F) {
	f.Add([]byte(customer), "properties.email")
	f.Add([]byte(customer), "{{properties.firstname}} {{properties.middle}} {{properties.lastname}}")
	f.Add([]byte(`{"a":"x\u0000y\"<>&\u2028","b":[1,{"c":null}],"n":-0.5e-3}`), "{{a}} {{b}} {{n}}")
	f.Add([]byte(`{"a":{"b":{"c":[true,false,null]}}}`), "a.b.c.#")
	f.Add([]byte(`{"friends":[{"last":"Murphy","first":"J"}]}`), `friends.#(last=="Murphy")#.first`)
	f.Add([]byte(`{"a":1}`), "{a,b:!true,c:[a,a]}")
	f.Add([]byte(`{"a":1}`), "a|@pretty")
	f.Add([]byte(`{"a":"\xff\xfe"}`), "{{a}}")
	f.Add([]byte(`[1,2]`), "0")
	f.Add([]byte(`"str"`), "a")
	f.Add([]byte(`{"a":`), "a")
	f.Add([]byte(` {"a" : [ ] } `), "a")
	f.Add([]byte(`{}`), "!nan")

	fixed, err := Compile(customerFields)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src []byte, expr string) {
		isObject := json.Valid(src) && firstByte(src) == '{'
		mappers := []*Mapper{nil, fixed}
		if m, err := Compile([]Field{
			{Name: "x", Expr: expr},
			{Name: "n.t", Expr: "{{" + expr + "}} and {{" + expr + "}}"},
			{Name: "n.c", Const: json.RawMessage(`{"k":1}`)},
		}); err == nil {
			mappers = append(mappers, m)
		}
		for _, m := range mappers {
			out, err := m.Apply(nil, src)
			if !isObject {
				if err == nil || !errors.Is(err, ErrNotObject) {
					t.Fatalf("Apply(%q) = %q, %v; want ErrNotObject", src, out, err)
				}
				continue
			}
			if errors.Is(err, ErrNotObject) {
				t.Fatalf("Apply refused a JSON object %q: %v", src, err)
			}
			if err != nil {
				continue // a computed path that produced invalid JSON
			}
			var v map[string]any
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatalf("Apply(%q) with %q = %q: not a JSON object: %v", src, expr, out, err)
			}
		}
	})
}

func firstByte(b []byte) byte {
	for _, c := range b {
		if !isSpace(c) {
			return c
		}
	}
	return 0
}

// FuzzCompileFilter compiles arbitrary expressions: compiling and matching
// never panic, and every error is a *SyntaxError inside the expression.
func FuzzCompileFilter(f *testing.F) {
	for _, s := range []string{
		`properties.email != "" && properties.score >= 7`,
		`not archived and (country == "DE" or country == 'AT')`,
		`email contains "@example.com"`,
		`status in ["open", 'pending', 1, -2.5e3, true, null]`,
		`!(a == b) || !!c`,
		`a == "\u00e9\ud83d\ude00\n"`,
		`first\ name == 'x'`,
		`tags.# > 0`,
		`(a`, `a ==`, `"abc`, `a = 1`, `7abc`, `a..b`, `a\`,
	} {
		f.Add(s)
	}
	docs := [][]byte{[]byte(customer), []byte(`{"a":1,"b":"1","c":[],"status":"open"}`), []byte(`{"a":`), nil}
	f.Fuzz(func(t *testing.T, expr string) {
		flt, err := CompileFilter(expr)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("CompileFilter(%q) error %T is not a *SyntaxError", expr, err)
			}
			if se.Offset < 0 || se.Offset > len(expr) {
				t.Fatalf("CompileFilter(%q): offset %d outside the expression", expr, se.Offset)
			}
			if flt != nil {
				t.Fatalf("CompileFilter(%q) returned a filter and an error", expr)
			}
			return
		}
		for _, d := range docs {
			flt.Match(d)
		}
	})
}
