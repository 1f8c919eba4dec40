package config

import (
	"testing"
)

func TestConfigToJSON(t *testing.T) {
	tests := []struct {
		name, config string // the value of connections.a.config, in flow style
		want         string // JSON, or the error line when it starts with FILE
	}{
		{"key case and order", `{Zeta: 1, alpha: 2, camelCase: {Inner: x}}`, `{"Zeta":1,"alpha":2,"camelCase":{"Inner":"x"}}`},
		{"scalars", `{s: text, q: "5", i: 5, neg: -3, f: 1.5, e: 1e3, b: false, n: null, tilde: ~, y: yes, ts: 2001-12-14}`,
			`{"s":"text","q":"5","i":5,"neg":-3,"f":1.5,"e":1e3,"b":false,"n":null,"tilde":null,"y":"yes","ts":"2001-12-14"}`},
		{"numbers YAML writes differently", `{hex: 0xFF, oct: 0o17, plus: +5, big: 123456789012345678901234567890}`,
			`{"hex":255,"oct":15,"plus":5,"big":123456789012345678901234567890}`},
		{"html characters stay", `{html: "<b>&</b>"}`, `{"html":"<b>&</b>"}`},
		{"lists", `{l: [1, [a], {k: v}]}`, `{"l":[1,["a"],{"k":"v"}]}`},
		{"aliases", `{a: &x [1, 2], b: *x}`, `{"a":[1,2],"b":[1,2]}`},
		{"alias cycle", `&c {x: *c}`, `FILE:3:36: connections.a.config.x.x: alias refers to a value that contains it`},
		{"bad merge", `{<<: 5}`, `FILE:3:30: connections.a.config: a merge key (<<) takes a mapping or a list of mappings, such as <<: *defaults`},
		{"non-scalar key", `{? [a, b] : c}`, `FILE:3:32: connections.a.config: expected a plain key, got a list`},
		{"duplicate key", `{a: 1, a: 2}`, `FILE:3:36: connections.a.config.a: duplicate key "a" (first defined at line 3)`},
		{"infinity", `{x: .inf}`, `FILE:3:33: connections.a.config.x: infinity and NaN cannot be represented in JSON`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := "version: 1\nconnections:\n  a: {connector: x, config: " + tt.config + "}\n"
			if tt.want[0] == 'F' {
				sameLines(t, loadErrors(t, yaml), []string{tt.want})
				return
			}
			c := mustLoad(t, yaml)
			if got := string(c.Connections["a"].Config); got != tt.want {
				t.Errorf("config:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
