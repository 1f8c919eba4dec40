package config

import (
	"testing"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "alpha", "N": "9101", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		in, out   string
		whole     bool
		wantError string
	}{
		{in: "plain", out: "plain"},
		{in: "${A}", out: "alpha", whole: true},
		{in: "x-${A}-${N}", out: "x-alpha-9101"},
		{in: "${A}${A}", out: "alphaalpha"},
		{in: "${UNSET:-fallback}", out: "fallback", whole: true},
		{in: "${EMPTY:-fallback}", out: "fallback", whole: true},
		{in: "${EMPTY}", out: "", whole: true},
		{in: "${A:-fallback}", out: "alpha", whole: true},
		{in: "${UNSET:-}", out: "", whole: true},
		{in: "$${A}", out: "${A}"},
		{in: "cost: $5, $$, $", out: "cost: $5, $$, $"},
		{in: "$$${A}", out: "$${A}"}, // "$" then a literal "${"
		{in: "${UNSET}", wantError: "environment variable UNSET is not set"},
		{in: "${U1}/${A}/${U2}", wantError: "environment variables U1, U2 are not set"},
		{in: "${A", wantError: `unterminated "${" (write "$${" for a literal "${")`},
		{in: "${1A}", wantError: `invalid environment variable reference "${1A}" (expected ${NAME} or ${NAME:-default}, NAME made of letters, digits and "_"; write "$${" for a literal "${")`},
		{in: "${A:-${B}}", wantError: `nested reference in the default of "${A}" is not supported`},
	}
	for _, tt := range tests {
		out, whole, err := expand(tt.in, lookup)
		if tt.wantError != "" {
			if err == nil || err.Error() != tt.wantError {
				t.Errorf("expand(%q) error = %v, want %q", tt.in, err, tt.wantError)
			}
			continue
		}
		if err != nil || out != tt.out || whole != tt.whole {
			t.Errorf("expand(%q) = %q, %v, %v; want %q, %v", tt.in, out, whole, err, tt.out, tt.whole)
		}
	}
}

func TestLoadInterpolation(t *testing.T) {
	t.Setenv("PORT", "9101")
	t.Setenv("FLAG", "true")
	t.Setenv("TOKEN", "s3cr3t")
	t.Setenv("BATCH", "250")
	t.Setenv("KEY", "not-used")
	t.Setenv("STREAM", "contacts")
	c := mustLoad(t, `version: 1
connections:
  crm:
    connector: hubspot
    config:
      port: ${PORT}
      quoted: "${PORT}"
      single: '${PORT}'
      tagged: !!str ${PORT}
      mixed: port-${PORT}
      flag: ${FLAG}
      fallback: ${UNSET_VAR:-http://localhost:8080}
      escaped: $${PORT}
      ${KEY}: keys are not interpolated
      inline: {token: ${TOKEN}, n: ${PORT}}
      list: [${PORT}, "${PORT}"]
      block: |
        line ${PORT}
pipelines:
  - name: p
    from: {connection: crm, stream: "${STREAM}"}
    to: {connection: crm, stream: ${STREAM}_copy}
    batch_size: ${BATCH}
`)
	want := `{"port":9101,"quoted":"9101","single":"9101","tagged":"9101","mixed":"port-9101","flag":true,` +
		`"fallback":"http://localhost:8080","escaped":"${PORT}","${KEY}":"keys are not interpolated",` +
		`"inline":{"token":"s3cr3t","n":9101},"list":[9101,"9101"],"block":"line 9101\n"}`
	if got := string(c.Connections["crm"].Config); got != want {
		t.Errorf("config:\n got %s\nwant %s", got, want)
	}
	p := c.Pipelines[0]
	if p.BatchSize != 250 || p.From.Stream != "contacts" || p.To.Stream != "contacts_copy" {
		t.Errorf("pipeline = %+v", p)
	}
}

func TestLoadInterpolationErrors(t *testing.T) {
	t.Setenv("HUBSPOT_TOKEN", "")
	t.Setenv("BATCH", "lots")
	got := loadErrors(t, `version: 1
connections:
  crm:
    connector: hubspot
    config: {base_url: http://127.0.0.1:9101, token: ${NO_SUCH_TOKEN}}
    # set but empty is not unset: no error for this one
  other: {connector: x, config: {token: "${HUBSPOT_TOKEN}", url: "${A"}}
pipelines:
  - name: p
    from: {connection: crm, stream: s}
    to: {connection: other, stream: s}
    batch_size: ${BATCH}
    schedule: ${NO_SCHEDULE}
`)
	sameLines(t, got, []string{
		"FILE:5:54: connections.crm.config.token: environment variable NO_SUCH_TOKEN is not set",
		`FILE:7:66: connections.other.config.url: unterminated "${" (write "$${" for a literal "${")`,
		`FILE:12:17: pipelines[0].batch_size: expected an integer from 1 to 10000, got "lots"`,
		"FILE:13:15: pipelines[0].schedule: environment variable NO_SCHEDULE is not set",
	})
}
