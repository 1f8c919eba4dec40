package config

import (
	"errors"
	"strings"
	"testing"
)

// TestCommonYAMLMistakes: each common mistake is reported on the line
// where it is, with the column, a plain explanation and the line itself
// with a caret under the spot (the YAML parser alone often names the line
// where the enclosing mapping starts).
func TestCommonYAMLMistakes(t *testing.T) {
	const head = "version: 1\nconnections:\n  crm:\n    connector: hubspot\n"
	for _, tc := range []struct {
		name, yaml, where, msg, caret string
	}{
		{"tab", head + "\tconfig: {}\n", ":5:1:", "a tab in the indentation", "5 | →config: {}\n  | ^"},
		{"mis-indent deeper", head + "      config: {}\n", ":5:7:", "indented more than line 4", "5 |       config: {}\n  |       ^"},
		{"mis-indent between levels", head + "   config: {}\n", ":5:4:", "where no open block does", "5 |    config: {}\n  |    ^"},
		{"dedent into nothing", "version: 1\nconnections:\n    crm:\n      connector: x\n  helpdesk:\n    connector: y\n", ":5:3:", "where no open block does", "5 |   helpdesk:\n  |   ^"},
		{"list item key too deep", "version: 1\npipelines:\n  - name: a\n      from: {connection: x, stream: y}\n", ":4:7:", "indented more than line 3", "4 |       from"},
		{"list item key too shallow", "version: 1\npipelines:\n  - name: a\n    from: {connection: x, stream: y}\n   to: {connection: x, stream: z}\n", ":5:4:", "column 5 (as on line 3) or column 3 (as on line 3)", "5 |    to"},
		{"quoted as written", head + "    config: {token: ${TOKEN:-x}}\n\t  other: 1\n", ":6:1:", "a tab", "6 | →  other: 1"},
		{"missing colon", head + "    config {}\n", ":5:", "", "5 |     config {}"},
		{"unquoted colon in value", head + "pipelines:\n  - name: a: b\n", ":6:", `contains ": "`, "6 |   - name: a: b"},
		{"duplicate key", head + "    connector: zendesk\n", ":5:5:", "duplicate key \"connector\" (first defined at line 4)", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load("FILE", "/tmp", []byte(tc.yaml), func(string) (string, bool) { return "", false })
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 {
				t.Fatalf("err = %v, want one error", err)
			}
			e := errs[0]
			if !strings.Contains(e.Error(), tc.where) || !strings.Contains(e.Msg, tc.msg) || !strings.Contains(e.Context, tc.caret) {
				t.Errorf("got %s\n%s\nwant %q, %q and context %q", e.Error(), e.Context, tc.where, tc.msg, tc.caret)
			}
		})
	}
}
