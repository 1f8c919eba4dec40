package mapping

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestApply(t *testing.T) {
	const src = `{
		"id": 42, "ratio": 1.50, "big": 12345678901234567890, "active": true, "gone": null,
		"name": {"first": "Tom", "last": "Anderson"},
		"emails": ["tom@example.com", "t@example.org"],
		"tags": [],
		"quote": "say \"hi\"\n<b>",
		"friends": [{"first": "James", "last": "Murphy"}, {"first": "Roger", "last": "Craig"}],
		"properties": {"email": "tom@example.com", "score": "9"},
		"a.b": "dotted key"
	}`
	tests := []struct {
		name   string
		fields []Field
		want   string
	}{
		{
			name: "types are kept",
			fields: []Field{
				{Name: "int", Expr: "id"},
				{Name: "float", Expr: "ratio"},
				{Name: "big", Expr: "big"},
				{Name: "bool", Expr: "active"},
				{Name: "null", Expr: "gone"},
				{Name: "object", Expr: "name"},
				{Name: "array", Expr: "emails"},
				{Name: "empty", Expr: "tags"},
				{Name: "string", Expr: "quote"},
				{Name: "numeric string", Expr: "properties.score"},
			},
			want: `{"int":42,"float":1.50,"big":12345678901234567890,"bool":true,"null":null,` +
				`"object":{"first": "Tom", "last": "Anderson"},"array":["tom@example.com", "t@example.org"],` +
				`"empty":[],"string":"say \"hi\"\n<b>","numeric string":"9"}`,
		},
		{
			name: "gjson path syntax",
			fields: []Field{
				{Name: "first_email", Expr: "emails.0"},
				{Name: "email_count", Expr: "emails.#"},
				{Name: "first", Expr: "name.first"},
				{Name: "firsts", Expr: "friends.#.first"},
				{Name: "murphy", Expr: `friends.#(last=="Murphy").first`},
				{Name: "wild", Expr: "na*.la?t"},
				{Name: "escaped", Expr: `a\.b`},
				{Name: "multi", Expr: "{id,active}"},
				{Name: "reversed", Expr: "emails|@reverse"},
			},
			want: `{"first_email":"tom@example.com","email_count":2,"first":"Tom","firsts":["James","Roger"],` +
				`"murphy":"James","wild":"Anderson","escaped":"dotted key","multi":{"id":42,"active":true},` +
				`"reversed":["t@example.org","tom@example.com"]}`,
		},
		{
			name: "missing values are left out",
			fields: []Field{
				{Name: "a", Expr: "nope"},
				{Name: "b", Expr: "id"},
				{Name: "c", Expr: "name.middle"},
				{Name: "d", Expr: "emails.5"},
				{Name: "e", Expr: "active"},
			},
			want: `{"b":42,"e":true}`,
		},
		{
			name: "all missing gives an empty object",
			fields: []Field{
				{Name: "a", Expr: "nope"},
			},
			want: `{}`,
		},
		{
			name: "nested names group at their first appearance",
			fields: []Field{
				{Name: "a.x", Expr: "id"},
				{Name: "b", Expr: "active"},
				{Name: "a.y", Expr: "name.first"},
				{Name: "a.z.deep", Expr: "ratio"},
				{Name: "c.w", Expr: "gone"},
			},
			want: `{"a":{"x":42,"y":"Tom","z":{"deep":1.50}},"b":true,"c":{"w":null}}`,
		},
		{
			name: "a nested object whose fields are all missing is left out",
			fields: []Field{
				{Name: "a.x", Expr: "nope"},
				{Name: "b", Expr: "id"},
				{Name: "a.y.z", Expr: "nope.either"},
				{Name: "c.x", Expr: "nope"},
			},
			want: `{"b":42}`,
		},
		{
			name: "a nested object with some fields missing keeps the rest",
			fields: []Field{
				{Name: "properties.phone", Expr: "phone"},
				{Name: "properties.email", Expr: "properties.email"},
				{Name: "properties.fax", Expr: "fax"},
			},
			want: `{"properties":{"email":"tom@example.com"}}`,
		},
		{
			name: "templates",
			fields: []Field{
				{Name: "full", Expr: "{{name.first}} {{name.last}}"},
				{Name: "mixed", Expr: "#{{id}}: {{active}}, {{ratio}}, {{big}}"},
				{Name: "spaced", Expr: "{{ name.first }}"},
				{Name: "escaped", Expr: "{{quote}}"},
				{Name: "object", Expr: "{{name}}"},
				{Name: "missing", Expr: "{{nope}}"},
			},
			want: `{"full":"Tom Anderson","mixed":"#42: true, 1.50, 12345678901234567890",` +
				`"spaced":"Tom","escaped":"say \"hi\"\n\u003cb\u003e",` +
				`"object":"{\"first\": \"Tom\", \"last\": \"Anderson\"}","missing":""}`,
		},
		{
			name: "constants of every type",
			fields: []Field{
				{Name: "s", Const: json.RawMessage(`"end-user"`)},
				{Name: "n", Const: json.RawMessage(`-1.5e3`)},
				{Name: "b", Const: json.RawMessage(`false`)},
				{Name: "z", Const: json.RawMessage(`null`)},
				{Name: "o", Const: json.RawMessage(` {"k": [1, "2"]} `)},
				{Name: "a", Const: json.RawMessage(`[]`)},
			},
			want: `{"s":"end-user","n":-1.5e3,"b":false,"z":null,"o":{"k": [1, "2"]},"a":[]}`,
		},
		{
			name: "keys are escaped",
			fields: []Field{
				{Name: `say "hi"`, Expr: "id"},
				{Name: "tab\there.ü", Expr: "id"},
			},
			want: `{"say \"hi\"":42,"tab\there":{"ü":42}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Compile(tt.fields)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := m.Apply(nil, []byte(src))
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("Apply\n got %s\nwant %s", got, tt.want)
			}
			checkJSON(t, got)
		})
	}
}

func TestApplyCustomer(t *testing.T) {
	m, err := Compile(customerFields)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Apply(nil, []byte(customer))
	if err != nil {
		t.Fatal(err)
	}
	// Decode with encoding/json to check the output independently of how it
	// was written.
	var out map[string]any
	if err := json.Unmarshal(got, &out); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	want := map[string]any{
		"email":       "ada.lovelace@example.com",
		"name":        "Ada Lovelace",
		"external_id": "51",
		"user_fields": map[string]any{"phone": "+44 20 7946 0958"},
		"role":        "end-user",
	}
	if len(out) != len(want) {
		t.Fatalf("got %d keys, want %d: %s", len(out), len(want), got)
	}
	for k, w := range want {
		if g, ok := out[k]; !ok || !equalJSONValue(g, w) {
			t.Errorf("%s = %v, want %v", k, out[k], w)
		}
	}
}

func equalJSONValue(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestApplyAppendsToDst(t *testing.T) {
	m, err := Compile([]Field{{Name: "x", Expr: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	dst := append(make([]byte, 0, 64), "prefix:"...)
	got, err := m.Apply(dst, []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `prefix:{"x":1}` {
		t.Errorf("got %s", got)
	}
	if &got[0] != &dst[0] {
		t.Error("Apply reallocated a buffer that had room")
	}
}

func TestApplyIdentity(t *testing.T) {
	var m *Mapper
	src := `  {"a": [1, 2], "b": {"c": null}}` + "\n"
	got, err := m.Apply([]byte("x"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "x"+src {
		t.Errorf("got %q, want %q", got, "x"+src)
	}

	// Compiling no fields is the identity too.
	for _, fields := range [][]Field{nil, {}} {
		m, err := Compile(fields)
		if err != nil || m != nil {
			t.Errorf("Compile(%v) = %v, %v; want nil, nil", fields, m, err)
		}
	}
}

func TestApplyRejectsNonObjects(t *testing.T) {
	mapped, err := Compile([]Field{{Name: "x", Expr: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		src  string
		want string
	}{
		{`[{"a":1}]`, "got an array"},
		{`"a"`, "got a string"},
		{`12`, "got a number"},
		{`-1`, "got a number"},
		{`true`, "got a boolean"},
		{`null`, "got null"},
		{``, "invalid JSON"},
		{`   `, "invalid JSON"},
		{`{"a":1`, "invalid JSON"},
		{`{"a":1}}`, "invalid JSON"},
		{`{"a":01}`, "invalid JSON"},
		{`{a:1}`, "invalid JSON"},
		{`{"a":1} {"a":2}`, "invalid JSON"},
	}
	for _, m := range []*Mapper{nil, mapped} {
		for _, tt := range tests {
			dst := []byte("keep")
			got, err := m.Apply(dst, []byte(tt.src))
			if !errors.Is(err, ErrNotObject) {
				t.Errorf("Apply(%q) (identity %v) error = %v, want ErrNotObject", tt.src, m == nil, err)
				continue
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Apply(%q) error = %q, want it to mention %q", tt.src, err, tt.want)
			}
			if string(got) != "keep" {
				t.Errorf("Apply(%q) changed dst to %q", tt.src, got)
			}
		}
	}
}

func TestApplyComputedInvalidJSON(t *testing.T) {
	m, err := Compile([]Field{{Name: "ok", Expr: "b"}, {Name: "x", Expr: "a|@reverse"}})
	if err != nil {
		t.Fatal(err)
	}
	// gjson literals are caught at compile time (see TestCompileErrors); this
	// is the check behind it, for a path whose result only turns out not to
	// be JSON on some record.
	m.root[1].path = "a|!nan"
	m.root[1].look = newLookup(m.root[1].path)
	got, err := m.Apply(nil, []byte(`{"b":2}`))
	if err == nil {
		t.Fatalf("got %s, want an error", got)
	}
	if want := `field 1 "x": path "a|!nan" produced invalid JSON "nan"`; !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to contain %s", err, want)
	}
	dst := []byte("keep")
	if got, _ := m.Apply(dst, []byte(`{"b":2}`)); string(got) != "keep" {
		t.Errorf("dst changed on error: %q", got)
	}
}

func TestCompileErrors(t *testing.T) {
	ok := Field{Name: "ok", Expr: "id"}
	tests := []struct {
		name   string
		fields []Field
		index  int
		want   string
	}{
		{"empty name", []Field{ok, {Name: "", Expr: "a"}}, 1, `map field 1: empty destination name`},
		{"empty name and expression", []Field{{}}, 0, `map field 0: empty destination name`},
		{"empty segment", []Field{{Name: "a..b", Expr: "a"}}, 0, `map field 0: destination "a..b" has an empty segment`},
		{"leading dot", []Field{{Name: ".a", Expr: "a"}}, 0, `destination ".a" has an empty segment`},
		{"trailing dot", []Field{{Name: "a.", Expr: "a"}}, 0, `destination "a." has an empty segment`},
		{"mapped twice", []Field{ok, {Name: "x", Expr: "a"}, {Name: "x", Expr: "b"}}, 2,
			`map field 2: destination "x" is already mapped by field 1`},
		{"value then object", []Field{{Name: "a", Expr: "a"}, ok, {Name: "a.b", Expr: "b"}}, 2,
			`map field 2: destination "a.b" conflicts with field 0 "a": "a" cannot be both a value and an object`},
		{"object then value", []Field{{Name: "a.b.c", Expr: "a"}, {Name: "a.b", Expr: "b"}}, 1,
			`map field 1: destination "a.b" conflicts with field 0 "a.b.c": "a.b" cannot be both a value and an object`},
		{"object then value deeper", []Field{{Name: "a.b", Expr: "a"}, {Name: "a.b.c", Expr: "b"}}, 1,
			`destination "a.b.c" conflicts with field 0 "a.b": "a.b" cannot be both a value and an object`},
		{"empty expression", []Field{ok, {Name: "x"}}, 1, `map field 1: "x": empty expression`},
		{"both set", []Field{{Name: "x", Expr: "a", Const: json.RawMessage(`1`)}}, 0, `"x": has both an expression and a constant`},
		{"bad constant", []Field{{Name: "x", Const: json.RawMessage(`{"a":}`)}}, 0, `"x": constant "{\"a\":}" is not valid JSON`},
		{"empty constant", []Field{{Name: "x", Const: json.RawMessage(``)}}, 0, `"x": constant "" is not valid JSON`},
		{"bare word constant", []Field{{Name: "x", Const: json.RawMessage(`hello`)}}, 0, `is not valid JSON`},
		{"unclosed brace", []Field{{Name: "x", Expr: "{a,b"}}, 0, `"x": path "{a,b": unclosed "{" at offset 0`},
		{"unmatched paren", []Field{{Name: "x", Expr: "a)"}}, 0, `path "a)": unmatched ")" at offset 1`},
		{"mismatched brackets", []Field{{Name: "x", Expr: "friends.#(a==1]"}}, 0, `unmatched "]" at offset 14`},
		{"unterminated query string", []Field{{Name: "x", Expr: `friends.#(a=="x)`}}, 0, `unterminated string at offset 13`},
		{"empty path segment", []Field{{Name: "x", Expr: "a..b"}}, 0, `path "a..b": empty path segment at offset 2`},
		{"leading dot path", []Field{{Name: "x", Expr: ".a"}}, 0, `empty path segment at offset 0`},
		{"trailing dot path", []Field{{Name: "x", Expr: "a."}}, 0, `path ends with "." at offset 1`},
		{"trailing pipe path", []Field{{Name: "x", Expr: "a|"}}, 0, `path ends with "|" at offset 1`},
		{"lone backslash", []Field{{Name: "x", Expr: `a\`}}, 0, `lone "\" at the end of the path at offset 1`},
		{"condition as a path", []Field{{Name: "where", Expr: `country == "DE"`}}, 0, `"==" is an operator, not part of a path: a condition belongs in the pipeline's where:, not in map: at offset 8`},
		{"logical operator in a path", []Field{{Name: "x", Expr: `a && b`}}, 0, `"&&" is an operator`},
		{"inequality in a template", []Field{{Name: "x", Expr: `{{a != b}}`}}, 0, `"!=" is an operator`},
		{"static not JSON", []Field{{Name: "x", Expr: "!nan"}}, 0, `path "!nan" produces invalid JSON "nan"`},
		{"static not JSON in multipath", []Field{{Name: "x", Expr: "[id,!inf]"}}, 0, `produces invalid JSON`},
		{"unclosed template", []Field{{Name: "x", Expr: "Hi {{name"}}, 0, `"x": template "Hi {{name": unclosed "{{" at offset 3`},
		{"empty template part", []Field{{Name: "x", Expr: "a {{}} b"}}, 0, `empty "{{}}" at offset 2`},
		{"blank template part", []Field{{Name: "x", Expr: "{{a}}{{  }}"}}, 0, `empty "{{}}" at offset 5`},
		{"bad path in template", []Field{{Name: "x", Expr: "{{a}} {{ b..c }}"}}, 0, `empty path segment at offset 11`},
		{"sum as a path", []Field{{Name: "x", Expr: "first_name + last_name"}}, 0, `path "first_name + last_name": "+" is not an operator of the map language: a path reads one field (to join fields, write a template: "{{first_name}} {{last_name}}"; a key that really contains " + " is written " \+ ") at offset 11`},
		{"sum in a template", []Field{{Name: "x", Expr: "Hi {{first + last}}"}}, 0, `"+" is not an operator of the map language`},
		{"unknown modifier", []Field{{Name: "x", Expr: "first_name|@nosuchmodifier"}}, 0, `unknown modifier @nosuchmodifier: gjson has none of that name`},
		{"unknown modifier in a template", []Field{{Name: "x", Expr: "{{first_name|@upper}}"}}, 0, `unknown modifier @upper`},
		{"unknown modifier first", []Field{{Name: "x", Expr: "@nope.a"}}, 0, `unknown modifier @nope: gjson has none of that name (see https://github.com/tidwall/gjson#modifiers) at offset 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Compile(tt.fields)
			if err == nil {
				t.Fatalf("Compile succeeded (%v), want an error", m)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v is not a *FieldError", err, err)
			}
			if fe.Index != tt.index {
				t.Errorf("Index = %d, want %d", fe.Index, tt.index)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
			if m != nil {
				t.Errorf("Compile returned a Mapper with an error")
			}
		})
	}
}

func TestMapperIsReusable(t *testing.T) {
	m, err := Compile(customerFields)
	if err != nil {
		t.Fatal(err)
	}
	first, err := m.Apply(nil, []byte(customer))
	if err != nil {
		t.Fatal(err)
	}
	other, err := m.Apply(nil, []byte(`{"id":"7","properties":{"firstname":"Bo"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":"Bo","external_id":"7","role":"end-user"}`; string(other) != want {
		t.Errorf("second record: got %s, want %s", other, want)
	}
	again, err := m.Apply(nil, []byte(customer))
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(first) {
		t.Errorf("mapping the same record twice differs:\n%s\n%s", first, again)
	}
}

func TestCompileDoesNotKeepCallerMemory(t *testing.T) {
	c := json.RawMessage(`"abc"`)
	m, err := Compile([]Field{{Name: "c", Const: c}})
	if err != nil {
		t.Fatal(err)
	}
	copy(c, `"xyz"`)
	got, err := m.Apply(nil, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"c":"abc"}` {
		t.Errorf("got %s", got)
	}
}
