package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestServerAndMonitorSections(t *testing.T) {
	t.Setenv("OPS_TOKEN", "operator-token-0123456789")
	c := mustLoad(t, `version: 1
server:
  listen: 0.0.0.0:9090
  tokens:
    - {name: ops, token: "${OPS_TOKEN}", role: operator}
    - {name: grafana, token: viewer-token-0123456789, role: viewer}
  public: [healthz]
  max_body_bytes: 65536
  webhook_timeout: 4s
monitor:
  check_interval: 1m
  check_failures: 2
  error_rate: 0.5
  dead_letters: 10
  hang_timeout: 30s
  receivers:
    - {name: pager, url: "http://127.0.0.1:9999/alerts", secret: receiver-secret}
connections:
  a: {connector: file, check_interval: 10s}
pipelines:
  - {name: p, from: {connection: a, stream: s}, to: {connection: a, stream: t}, schedule: "*/5 * * * *", monitor: {staleness: 1h, dead_letters: 3}}
  - {name: q, from: {connection: a, stream: s}, to: {connection: a, stream: u}, schedule: 10m, jitter: 0s}
`)
	s := c.Server
	if s.Listen != "0.0.0.0:9090" || len(s.Tokens) != 2 || s.Tokens[0].Token != "operator-token-0123456789" ||
		s.Tokens[0].Role != RoleOperator || !slices.Equal(s.Public, []string{"healthz"}) || s.MaxBodyBytes != 65536 ||
		s.WebhookTimeout != 4*time.Second {
		t.Errorf("server = %+v", s)
	}
	m := c.Monitor
	if m.CheckInterval != time.Minute || m.CheckFailures != 2 || m.ErrorRate != 0.5 || m.DeadLetters != 10 ||
		m.HangTimeout != 30*time.Second || len(m.Receivers) != 1 || m.Receivers[0].Secret != "receiver-secret" {
		t.Errorf("monitor = %+v", m)
	}
	if c.Connections["a"].CheckInterval != 10*time.Second {
		t.Errorf("check_interval = %v", c.Connections["a"].CheckInterval)
	}
	p, q := c.Pipelines[0], c.Pipelines[1]
	if p.Cron != "*/5 * * * *" || p.Schedule != 0 || p.Monitor.Staleness != time.Hour || p.Monitor.DeadLetters != 3 || p.MaxJitter() != 5*time.Second {
		t.Errorf("pipeline p = %+v", p)
	}
	if q.Schedule != 10*time.Minute || q.MaxJitter() != 0 || !q.Scheduled() {
		t.Errorf("pipeline q = %+v (jitter %v)", q, q.MaxJitter())
	}
	secrets := c.Secrets(nil)
	for _, want := range []string{"operator-token-0123456789", "viewer-token-0123456789", "receiver-secret"} {
		if !slices.Contains(secrets, want) {
			t.Errorf("secrets %v lack %q", secrets, want)
		}
	}
}

func TestServerDefaults(t *testing.T) {
	c := mustLoad(t, "version: 1\n")
	if c.Server.Listen != DefaultListen || len(c.Server.Public) != 3 || c.Monitor.CheckInterval != DefaultCheckInterval ||
		c.Monitor.CheckFailures != DefaultCheckFailures || c.Monitor.HangTimeout != DefaultHangTimeout {
		t.Errorf("defaults: server %+v monitor %+v", c.Server, c.Monitor)
	}
}

func TestServerAndMonitorErrors(t *testing.T) {
	errs := strings.Join(loadErrors(t, `version: 1
server:
  listen: nowhere
  cert_file: cert.pem
  tokens:
    - {name: ops, token: short, role: admin}
  public: [metrics, status]
monitor:
  error_rate: 2
  receivers:
    - {name: x, url: "ftp://example"}
pipelines: []
`), "\n")
	for _, want := range []string{
		`FILE:3:11: server.listen: expected a host:port like "127.0.0.1:8080", got "nowhere"`,
		`server: cert_file and key_file go together`,
		`server.tokens[0].token: expected a token of at least 16 characters`,
		`server.tokens[0].role: expected viewer or operator, got "admin"`,
		`server.public[1]: expected healthz, readyz or metrics, got "status"`,
		`monitor.error_rate: expected a share from 0 to 1, like 0.2, got 2`,
		`monitor.receivers[0].url: expected an http:// or https:// URL, got "ftp://example"`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors lack %q:\n%s", want, errs)
		}
	}
}

func TestServerWebhookTimeout(t *testing.T) {
	const base = "version: 1\nconnections: {a: {connector: file}}\npipelines: []\n"
	if c := mustLoad(t, base); c.Server.WebhookTimeout != DefaultWebhookTimeout {
		t.Errorf("default webhook timeout = %v, want %v", c.Server.WebhookTimeout, DefaultWebhookTimeout)
	}
	for yaml, want := range map[string]string{
		"server: {webhook_timeout: 100ms}\n": "FILE:4:27: server.webhook_timeout: expected a duration of at least 1s",
		"server: {webhook_timeout: 1h}\n":    "FILE:4:27: server.webhook_timeout: expected at most 5m",
		"server: {webhook_timeout: soon}\n":  "FILE:4:27: server.webhook_timeout: expected a duration",
	} {
		errs := strings.Join(loadErrors(t, base+yaml), "\n")
		if !strings.Contains(errs, want) {
			t.Errorf("%s: errors %q, want %q", yaml, errs, want)
		}
	}
}

func TestScheduleThatNeverFires(t *testing.T) {
	errs := loadErrors(t, `version: 1
connections: {a: {connector: file}}
pipelines:
  - name: p
    from: {connection: a, stream: s}
    to: {connection: a, stream: t}
    schedule: "0 0 31 2 *"
`)
	sameLines(t, errs, []string{
		`FILE:7:15: pipelines[0].schedule: cron schedule "0 0 31 2 *" never fires (no matching time in the next five years: does the day of the month exist in that month?)`,
	})
	// 29 February comes every fourth year: it fires.
	mustLoad(t, "version: 1\nconnections: {a: {connector: file}}\npipelines:\n"+
		"  - {name: p, from: {connection: a, stream: s}, to: {connection: a, stream: t}, schedule: \"0 0 29 2 *\"}\n")
}

func TestJitterLongerThanInterval(t *testing.T) {
	const head = "version: 1\nconnections: {a: {connector: file}}\npipelines:\n" +
		"  - {name: p, from: {connection: a, stream: s}, to: {connection: a, stream: t}, "
	sameLines(t, loadErrors(t, head+"schedule: 1m, jitter: 5m}\n"), []string{
		`FILE:4:103: pipelines[0].jitter: expected a jitter of at most the schedule's interval (1m0s), got 5m0s`,
	})
	for _, ok := range []string{"schedule: 1m, jitter: 1m}", "schedule: \"@hourly\", jitter: 2h}", "jitter: 1h}"} {
		mustLoad(t, head+ok+"\n")
	}
}
