package e2e

import (
	"strings"
	"testing"
)

// A secret value (a field the connector's schema marks "secret": true)
// never appears in what cxhub prints, logs or stores, even when a
// connector's own error quotes it.
func TestSecretValuesNeverShow(t *testing.T) {
	const secret = "tok-8c1f6e2b9d"
	w := newWorkspace(t, `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  src:
    connector: inline
    config:
      api_key: ${CXHUB_E2E_KEY}
      records: [{id: 1, email: a@example.com}]
  dst:
    connector: inline
    config:
      api_key: ${CXHUB_E2E_KEY}
      file: no-such-dir-${CXHUB_E2E_KEY}/customers.jsonl
pipelines:
  - name: leak
    from: {connection: src, stream: customers}
    to: {connection: dst, stream: customers}
`)
	t.Setenv("CXHUB_E2E_KEY", secret)
	var outputs []string
	record := func(r result) {
		outputs = append(outputs, r.stdout, r.stderr)
	}
	sync := w.cxhub("sync", "--log-level", "debug")
	record(sync)
	if sync.code == 0 {
		t.Fatalf("sync into a missing directory succeeded:\n%s", sync)
	}
	if !strings.Contains(sync.stderr, "no-such-dir-[redacted]") {
		t.Errorf("the failure is not reported with the secret redacted:\n%s", sync)
	}
	record(w.cxhub("check", "dst"))
	record(w.cxhub("check", "dst", "-o", "json"))
	record(w.cxhub("runs"))
	record(w.cxhub("runs", "-o", "json"))
	record(w.cxhub("validate", "-o", "json"))
	record(w.cxhub("sync", "-o", "json"))
	for _, out := range outputs {
		if strings.Contains(out, secret) {
			t.Fatalf("a secret value shows:\n%s", out)
		}
	}
	if runs := w.cxhub("runs", "-o", "json"); !strings.Contains(runs.stdout, "[redacted]") {
		t.Errorf("the stored run error does not carry the redaction:\n%s", runs)
	}
}
