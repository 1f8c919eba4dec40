package mapping

import (
	"errors"
	"testing"
)

func TestFilterMatch(t *testing.T) {
	const doc = `{
		"id": 51, "name": "Ada", "empty": "", "nothing": null, "zero": 0, "one": 1, "neg": -2.5,
		"yes": true, "no": false, "no_str": "false", "zero_str": "0",
		"arr": ["vip", "news", 3], "none": [], "obj": {"k": "v"}, "hollow": { },
		"properties": {"email": "ada@example.com", "score": "9", "big": "10", "junk": "9x", "empty": ""},
		"first name": "Ada", "and": "kw", "esc": "a\"b", "città": "Roma"
	}`
	tests := []struct {
		expr string
		want bool
	}{
		// truth tests
		{"name", true},
		{"missing", false},
		{"empty", false},
		{"nothing", false},
		{"zero", false},
		{"one", true},
		{"neg", true},
		{"yes", true},
		{"no", false},
		{"no_str", true},
		{"zero_str", true},
		{"arr", true},
		{"none", false},
		{"obj", true},
		{"hollow", false},
		{"true", true},
		{"false", false},
		{"null", false},
		{`""`, false},
		{`"x"`, true},
		{"0", false},
		{"2", true},

		// equality, strings
		{`name == "Ada"`, true},
		{`name == 'Ada'`, true},
		{`name == "ada"`, false},
		{`name != "Ada"`, false},
		{`"Ada" == name`, true},
		{`esc == "a\"b"`, true},
		{`esc == 'a"b'`, true},
		{`name == "A\u0064a"`, true},

		// missing and null
		{`properties.email != ""`, true},
		{`properties.empty != ""`, false},
		{`properties.missing != ""`, false},
		{`nothing != ""`, false},
		{`missing == ""`, true},
		{`missing == null`, true},
		{`nothing == null`, true},
		{`nothing == ""`, true},
		{`empty == ""`, true},
		{`empty == null`, true},
		{`properties.empty != null`, false},
		{`properties.email != null`, true},
		{`missing == other_missing`, true},
		{`missing == nothing`, true},
		{`missing != null`, false},
		{`name == null`, false},
		{`name != null`, true},
		{`zero == null`, false},
		{`missing == 0`, false},
		{`missing != 0`, true},
		{`missing == false`, false},

		// numbers and numeric strings
		{`id == 51`, true},
		{`id == 51.0`, true},
		{`id == 5.1e1`, true},
		{`id == "51"`, true},
		{`id != 52`, true},
		{`properties.score >= 7`, true},
		{`properties.score > 9`, false},
		{`properties.score == 9`, true},
		{`properties.score < 10`, true},
		{`properties.score <= 8.5`, false},
		{`properties.big > 9`, true},
		{`properties.big > properties.score`, false}, // two strings: "10" < "9" by bytes
		{`properties.big > "9"`, false},              // likewise
		{`properties.junk > 7`, true},                // not a number: "9x" > "7" as strings
		{`properties.junk == 9`, false},
		{`neg < 0`, true},
		{`neg == -2.5`, true},
		{`neg >= -2.5`, true},
		{`neg > -2.5`, false},
		{`zero_str == 0`, true},
		{`zero == "0.0"`, true},
		{`one == "1e0"`, true},
		{`one == " 1"`, false},

		// strings order by bytes
		{`name < "Adb"`, true},
		{`name > "Ad"`, true},
		{`name > "b"`, false},
		{`name <= "Ada"`, true},
		{`name >= "Ada"`, true},

		// ordering never holds on missing, null or booleans
		{`missing < 5`, false},
		{`missing > 5`, false},
		{`missing <= ""`, false},
		{`nothing >= 0`, false},
		{`yes > false`, false},
		{`yes >= true`, false},

		// booleans equal booleans only
		{`yes == true`, true},
		{`yes != false`, true},
		{`no == false`, true},
		{`no_str == false`, false},
		{`no_str != false`, true},
		{`one == true`, false},
		{`yes == "true"`, false},
		{`yes == 1`, false},

		// objects and arrays compare as their JSON text
		{`obj == '{"k": "v"}'`, true},
		{`arr == "x"`, false},

		// contains
		{`properties.email contains "@example.com"`, true},
		{`properties.email contains "@example.org"`, false},
		{`name contains "DA"`, false},
		{`name contains ""`, true},
		{`id contains 5`, true},
		{`arr contains "vip"`, true},
		{`arr contains "vi"`, false},
		{`arr contains 3`, true},
		{`arr contains "3"`, true},
		{`arr contains 4`, false},
		{`none contains "x"`, false},
		{`missing contains ""`, false},
		{`name contains missing`, false},
		{`obj contains "k"`, true},

		// in
		{`name in ["Bob", "Ada"]`, true},
		{`name in ["Bob"]`, false},
		{`name in []`, false},
		{`id in [1, 51]`, true},
		{`properties.score in [8, 9]`, true},
		{`missing in [null]`, true},
		{`missing in [""]`, true},
		{`yes in [true]`, true},
		{`no_str in [false]`, false},

		// boolean operators and precedence
		{`name == "Ada" && id == 51`, true},
		{`name == "Ada" && id == 52`, false},
		{`name == "Bob" || id == 51`, true},
		{`name == "Bob" || id == 52`, false},
		{`name == "Ada" and id == 51`, true},
		{`name == "Bob" or id == 51`, true},
		{`!missing`, true},
		{`!name`, false},
		{`not name`, false},
		{`!!name`, true},
		{`not not name`, true},
		{`!(name == "Bob")`, true},
		{`not(name == "Ada")`, false},
		{`true || false && false`, true},    // && binds tighter: true || (false && false)
		{`(true || false) && false`, false}, // parentheses override
		{`false && false || true`, true},    // (false && false) || true
		{`false && (false || true)`, false}, // grouped
		{`!false && false`, false},          // ! binds tighter than &&: (!false) && false
		{`!(false && false)`, true},         // negated group
		{`!yes == false`, true},             // (!yes) == false; a negated comparison with a value is a syntax error
		{`!no == yes`, true},                // (!no) == yes
		{`!missing == true`, true},          // (!missing) == true
		{`(name == "Ada") == true`, true},   // a condition compared with a boolean
		{`(name == "Ada") != (id == 52)`, true},
		{`name == "Ada" && (id == 1 || id == 51) && !missing`, true},
		{`(((name)))`, true},
		{`(name) == "Ada"`, true},

		// paths
		{`first\ name == "Ada"`, true},
		{`\and == "kw"`, true},
		{`città == "Roma"`, true},
		{`arr.0 == "vip"`, true},
		{`arr.# == 3`, true},
		{`arr.#>=3`, true},
		{`properties.e*l contains "@"`, true},
		{`properties.scor? == 9`, true},
		{`obj.k=="v"&&id==51`, true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			f, err := CompileFilter(tt.expr)
			if err != nil {
				t.Fatalf("CompileFilter: %v", err)
			}
			if got := f.Match([]byte(doc)); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFilterNil(t *testing.T) {
	var f *Filter
	if !f.Match([]byte(`{}`)) || !f.Match(nil) {
		t.Error("a nil filter must match everything")
	}
	if f.String() != "" {
		t.Errorf("String() = %q", f.String())
	}
}

func TestFilterString(t *testing.T) {
	const expr = ` a == 1 `
	f, err := CompileFilter(expr)
	if err != nil {
		t.Fatal(err)
	}
	if f.String() != expr {
		t.Errorf("String() = %q, want %q", f.String(), expr)
	}
}

func TestFilterOnBadInput(t *testing.T) {
	// Match does not validate: on broken JSON it must neither panic nor find
	// values that are not there.
	f, err := CompileFilter(`a == 1 || a contains "x" || a.b > 0 || !a`)
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{``, `[`, `{"b":`, `"a"`, `null`, `{"b":[1,`} {
		if !f.Match([]byte(data)) {
			t.Errorf("Match(%q) = false, want true (a is missing)", data)
		}
	}
	for _, data := range []string{`{"a":1`, `{"a":[1,`, `{"a":"xyz`} {
		f.Match([]byte(data)) // any answer, no panic
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{``, `expected a value at offset 0`},
		{`   `, `expected a value at offset 3`},
		{`properties.email==`, `expected a value after "==" at offset 18`},
		{`a == `, `expected a value after "==" at offset 5`},
		{`a == )`, `expected a value after "==" at offset 5`},
		{`a != && b`, `expected a value after "!=" at offset 5`},
		{`a < `, `expected a value after "<" at offset 4`},
		{`a contains`, `expected a value after "contains" at offset 10`},
		{`a &&`, `expected a value after "&&" at offset 4`},
		{`a and`, `expected a value after "and" at offset 5`},
		{`a ||`, `expected a value after "||" at offset 4`},
		{`a or or b`, `expected a value after "or" at offset 5`},
		{`!`, `expected a value after "!" at offset 1`},
		{`not`, `expected a value after "not" at offset 3`},
		{`()`, `expected a value after "(" at offset 1`},
		{`a=="abc`, `unterminated string at offset 3`},
		{`a == 'abc"`, `unterminated string at offset 5`},
		{`a == "ab\"`, `unterminated string at offset 5`},
		{`a == "\q"`, `invalid escape "\q" in string at offset 6`},
		{`a == "\u12"`, `expected 4 hex digits after "\u" at offset 6`},
		{`a == "\u12zz"`, `expected 4 hex digits after "\u" at offset 6`},
		{`a == "x" )`, `unexpected ")" at offset 9`},
		{`(a == 1))`, `unexpected ")" at offset 8`},
		{`)`, `unexpected ")" at offset 0`},
		{`a b`, `unexpected "b" at offset 2`},
		{`a == 1 "x"`, `unexpected string "x" at offset 7`},
		{`(a == 1`, `expected ")", found end of expression at offset 7`},
		{`(a == 1 b`, `expected ")", found "b" at offset 8`},
		{`a = 1`, `unexpected "=" (compare with "==") at offset 2`},
		{`a & b`, `unexpected "&" (use "&&") at offset 2`},
		{`a | b`, `unexpected "|" (use "||") at offset 2`},
		{`a == $x`, `unexpected "$" at offset 5`},
		{`a == 1.2.3`, `invalid number "1.2.3" at offset 5`},
		{`a == 7abc`, `invalid number "7abc" at offset 5`},
		{`a == 1.`, `invalid number "1." at offset 5`},
		{`a == -`, `unexpected "-" at offset 5`},
		{`a == -x`, `invalid number "-x" at offset 5`},
		{`a == b == c`, `unexpected "==": comparisons cannot be chained, join them with && at offset 7`},
		{`(a < b < c)`, `unexpected "<": comparisons cannot be chained, join them with && at offset 7`},
		{`a in b`, `expected "[" after "in" at offset 5`},
		{`a in [b]`, `expected a string, number, true, false or null in the list at offset 6`},
		{`a in [1 2]`, `expected "," or "]" at offset 8`},
		{`a in [1,`, `expected a string, number, true, false or null in the list at offset 8`},
		{`!a == "x"`, `"!" binds tighter than "==": write !(a == b) to negate a comparison at offset 3`},
		{`not a != 1`, `"not" binds tighter than "!=": write not(a != b) to negate a comparison at offset 6`},
		{`!a > b`, `"!" binds tighter than ">": write !(a > b) to negate a comparison at offset 3`},
		{`!a in [1]`, `"!" binds tighter than "in": write !(a in b) to negate a comparison at offset 3`},
		{`(a && b) contains "x"`, `cannot use "contains" between a condition and a value at offset 9`},
		{`"x" == (a || b)`, `cannot use "==" between a condition and a value at offset 4`},
		{`a..b == 1`, `empty path segment in path "a..b" at offset 2`},
		{`a. == 1`, `path ends with "." in path "a." at offset 1`},
		{`a\`, `expected a character after "\" at offset 1`},
		{`.a`, `unexpected "." at offset 0`},
		{`a == ~`, `unexpected "~" at offset 5`},
		{"a ==\u00a0b", `unexpected "\u00a0" at offset 4`},
		{`a == 1 && `, `expected a value after "&&" at offset 10`},
		{`a == 1 && b ==`, `expected a value after "==" at offset 14`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			f, err := CompileFilter(tt.expr)
			if err == nil {
				t.Fatalf("compiled to %v, want an error", f)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SyntaxError: %v", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
			if se.Offset < 0 || se.Offset > len(tt.expr) {
				t.Errorf("offset %d is outside the expression", se.Offset)
			}
		})
	}
}

func TestFilterConcurrentUse(t *testing.T) {
	f, err := CompileFilter(`properties.email contains "@" && properties.score >= 7`)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(customerFields)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := m.Apply(nil, []byte(customer))
	done := make(chan error)
	for range 4 {
		go func() {
			var dst []byte
			for range 200 {
				var err error
				if !f.Match([]byte(customer)) {
					done <- errors.New("no match")
					return
				}
				if dst, err = m.Apply(dst[:0], []byte(customer)); err != nil || string(dst) != string(want) {
					done <- errors.New("different output")
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
