package config

import (
	"strings"
	"testing"
)

// `connector: null` names the null connector, though YAML reads the bare
// word as an empty value; the other spellings of empty stay missing.
func TestConnectorNamedNull(t *testing.T) {
	const head = "version: 1\nconnections:\n  sink:\n    connector: "
	const tail = "\n  src:\n    connector: file\npipelines:\n  - name: p\n    from: {connection: src, stream: a}\n    to: {connection: sink, stream: b}\n"
	for _, spelling := range []string{"null", `"null"`, "'null'"} {
		c := mustLoad(t, head+spelling+tail)
		if got := c.Connections["sink"].Connector; got != "null" {
			t.Errorf("connector: %s gives connector %q, want \"null\"", spelling, got)
		}
	}
	for _, empty := range []string{"~", "", "Null", "NULL"} {
		errs := loadErrors(t, head+empty+tail)
		if len(errs) != 1 || !strings.Contains(errs[0], "connections.sink.connector: missing required key") {
			t.Errorf("connector: %q gives %q, want one missing-key error", empty, errs)
		}
	}
}
