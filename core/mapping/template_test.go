package mapping

import (
	"encoding/json"
	"testing"
)

func TestTemplate(t *testing.T) {
	const doc = `{
		"first": "Ada", "middle": "", "last": "Lovelace", "none": null,
		"pad": "  padded  ", "n": 7, "neg": -3, "f": 2.50, "e": 1e3, "yes": true, "no": false,
		"arr": [1, "x"], "obj": {"k": "v"},
		"ctrl": "a\tb\nc\u0001", "uni": "caf\u00e9 \u2028 😀", "html": "<a href=\"x\">&</a>", "bs": "C:\\dir"
	}`
	tests := []struct {
		expr string
		want string // the decoded string
	}{
		{"{{first}} {{last}}", "Ada Lovelace"},
		{"{{first}} {{middle}} {{last}}", "Ada Lovelace"},
		{"{{first}} {{nope}} {{last}}", "Ada Lovelace"},
		{"{{first}} {{none}} {{last}}", "Ada Lovelace"},
		{"{{first}} {{nope}} {{nope}}  {{nope}} {{last}}", "Ada Lovelace"},
		{"{{nope}} {{last}}", "Lovelace"},
		{"{{first}} {{nope}}", "Ada"},
		{"{{nope}} {{nope}}", ""},
		{"{{nope}}", ""},
		{"  {{first}}  ", "Ada"},
		{"\t{{first}}\n", "Ada"},
		{"{{pad}}", "padded"},
		{"[{{pad}}]", "[  padded  ]"},
		{"{{first}}{{nope}} {{last}}", "Ada Lovelace"},
		{"{{first}}{{nope}}{{last}}", "AdaLovelace"},
		{"Dear {{first}}  {{last}}", "Dear Ada  Lovelace"}, // literal runs stay
		{"{{first}} ({{nope}}) {{last}}", "Ada () Lovelace"},
		{"{{first}}, {{nope}}, {{last}}", "Ada, , Lovelace"},
		{"Name: {{nope}}", "Name:"},
		{"{{nope}} - {{first}}", "- Ada"},
		{"no parts at all {{first}}", "no parts at all Ada"},
		{"{{n}}/{{neg}}/{{f}}/{{e}}", "7/-3/2.50/1e3"}, // numbers as written
		{"{{yes}} {{no}}", "true false"},
		{"{{arr}} {{obj}}", `[1, "x"] {"k": "v"}`},
		{"{{ first }}", "Ada"},
		{"{{ctrl}}", "a\tb\nc\x01"},
		{"{{uni}}", "café \u2028 😀"},
		{"{{html}}", `<a href="x">&</a>`},
		{"{{bs}}", `C:\dir`},
		{`quote " and \ in literal {{first}}`, `quote " and \ in literal Ada`},
		{"}} {{first}} }}", "}} Ada }}"},
		{"{{{first,last}}}", `{"first":"Ada","last":"Lovelace"}`},
		{"{{first}}}", "Ada}"},
		{"{{arr.#}} items", "2 items"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			tmpl, err := compileTemplate(tt.expr)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			out := tmpl.appendJSON(nil, doc)
			var got string
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("output %s is not a JSON string: %v", out, err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q (JSON %s)", got, tt.want, out)
			}
		})
	}
}

func TestTemplateInvalidUTF8(t *testing.T) {
	tmpl, err := compileTemplate("x{{s}}")
	if err != nil {
		t.Fatal(err)
	}
	out := tmpl.appendJSON(nil, "{\"s\":\"a\xffb\"}")
	var got string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if got != "xa\uFFFDb" {
		t.Errorf("got %q", got)
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"{{", `unclosed "{{" at offset 0`},
		{"Hi {{name", `unclosed "{{" at offset 3`},
		{"{{a}} {{b}", `unclosed "{{" at offset 6`},
		{"{{}}", `empty "{{}}" at offset 0`},
		{"x {{ \t }}", `empty "{{}}" at offset 2`},
		{"{{a..b}}", `empty path segment at offset 4`},
		{"{{ a) }}", `unmatched ")" at offset 4`},
		{"{{{a,b}}", `unclosed "{{" at offset 0`},
	}
	for _, tt := range tests {
		_, err := compileTemplate(tt.expr)
		if err == nil || err.Error() != tt.want {
			t.Errorf("compileTemplate(%q) error = %v, want %s", tt.expr, err, tt.want)
		}
	}
}
