package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/monitor"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/sqlite"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// receiver is an alert receiver: it keeps the notifications whose
// signature verifies, and fails the test on one that does not.
type receiver struct {
	url string
	got chan state.Alert
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{got: make(chan state.Alert, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := monitor.Verify("receiver-secret", req.Header, body, time.Now()); err != nil {
			t.Errorf("an alert POST does not verify: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var n state.Alert // a notification has the alert's fields
		if err := json.Unmarshal(body, &n); err != nil {
			t.Errorf("an alert POST is not JSON: %v", err)
		}
		r.got <- n
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

// wait returns the next notification, which must have the status.
func (r *receiver) wait(t *testing.T, status string) state.Alert {
	t.Helper()
	select {
	case a := <-r.got:
		if string(a.Status) != status {
			t.Fatalf("notification %+v, want status %s", a, status)
		}
		return a
	case <-time.After(45 * time.Second):
		t.Fatalf("no %s notification within 45s", status)
		return state.Alert{}
	}
}

// scrape reads /metrics with the Prometheus text parser.
func scrape(t *testing.T, a api) map[string]*dto.MetricFamily {
	t.Helper()
	body := a.must("GET", "/metrics", "", nil, 200)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return families
}

// counterValue is a counter's value for a pipeline label.
func counterValue(families map[string]*dto.MetricFamily, name, pipeline string) float64 {
	for _, m := range families[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "pipeline" && l.GetValue() == pipeline {
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}

const (
	viewerToken   = "viewer-token-0123456789"
	operatorToken = "operator-token-0123456789"
)

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// api is a client of a running cxhub serve.
type api struct {
	t    *testing.T
	base string
}

// call sends a request with token ("" for none) and returns the status and body.
func (a api) call(method, path, token string, body any) (int, string) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// must sends a request that must answer want.
func (a api) must(method, path, token string, body any, want int) string {
	a.t.Helper()
	status, out := a.call(method, path, token, body)
	if status != want {
		a.t.Fatalf("%s %s = %d, want %d: %s", method, path, status, want, out)
	}
	return out
}

// serve starts cxhub serve and waits until it is ready.
func serve(t *testing.T, w *workspace, port int) (*running, api) {
	t.Helper()
	r := w.start("serve")
	a := api{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	waitFor(t, "cxhub serve to be ready", time.Minute, func() bool {
		if r.exited() {
			t.Fatalf("cxhub serve exited:\n%s", r.mustWait(time.Second))
		}
		resp, err := http.Get(a.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return r, a
}

const serveHubSpotConfig = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
server:
  listen: 127.0.0.1:%[1]d
  tokens:
    - {name: grafana, token: ` + viewerToken + `, role: viewer}
    - {name: ops, token: ` + operatorToken + `, role: operator}
monitor:
  check_interval: 1s
  check_failures: 2
  receivers:
    - {name: pager, url: "%[3]s", secret: receiver-secret}
connections:
  crm:
    connector: hubspot
    config: {base_url: "%[2]s", token: sandbox-token, client_secret: sandbox-client-secret,
             webhook_url: "http://127.0.0.1:%[1]d/webhooks/crm"}
  out:
    connector: file
    config: {dir: out, streams: {contacts: {key: id}}}
pipelines:
  - name: contacts
    from: {connection: crm, stream: contacts}
    to:   {connection: out, stream: contacts}
    map: {id: id, email: properties.email, firstname: properties.firstname}
`

// outputLines reads out/<stream>.jsonl as id → line (later lines win).
func outputLines(t *testing.T, w *workspace, stream string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(w.path("out/" + stream + ".jsonl"))
	if os.IsNotExist(err) {
		return map[string]string{}
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec struct{ ID string }
		if line != "" && json.Unmarshal([]byte(line), &rec) == nil {
			out[rec.ID] = line
		}
	}
	return out
}

// inboxSize counts the inbox entries of a connection's stream, reading the
// state file beside the running server.
func inboxSize(t *testing.T, w *workspace, connection, stream string) int {
	t.Helper()
	st, err := sqlite.OpenReadOnly(w.path("state/cxhub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	entries, err := st.ReadInbox(context.Background(), connection, stream, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestServeAPIAuthTriggerAndSignedWebhooks: the API refuses a request
// without a token or with a wrong one (401) and a viewer's action (403);
// an operator's trigger runs the pipeline; a signed HubSpot webhook reaches
// the destination within a second, every time; a badly signed one gets
// 401 and stores nothing; a replayed delivery is acknowledged and changes
// nothing.
func TestServeAPIAuthTriggerAndSignedWebhooks(t *testing.T) {
	hs, _, url := startHubSpot(t, testSeed(t), 40)
	port := freePort(t)
	rcv := newReceiver(t)
	w := newWorkspace(t, fmt.Sprintf(serveHubSpotConfig, port, url, rcv.url))
	srv, a := serve(t, w, port)

	// Auth.
	a.must("GET", "/api/v1/pipelines", "", nil, 401)
	a.must("GET", "/api/v1/pipelines", "not-a-token-at-all-0000", nil, 401)
	body := a.must("POST", "/api/v1/pipelines/contacts/trigger", viewerToken, nil, 403)
	if !strings.Contains(body, "operator") {
		t.Errorf("403 does not say an operator token is needed: %s", body)
	}
	a.must("GET", "/healthz", "", nil, 200)
	a.must("GET", "/openapi.json", "", nil, 200)

	// A trigger syncs the pipeline.
	a.must("POST", "/api/v1/pipelines/contacts/trigger", operatorToken, nil, 202)
	waitFor(t, "the triggered sync", 30*time.Second, func() bool { return len(outputLines(t, w, "contacts")) == 40 })
	var pipes []struct {
		Name    string
		LastRun *state.Run `json:"last_run"`
	}
	waitFor(t, "the run to be recorded", 10*time.Second, func() bool {
		_ = json.Unmarshal([]byte(a.must("GET", "/api/v1/pipelines", viewerToken, nil, 200)), &pipes)
		return len(pipes) == 1 && pipes[0].LastRun != nil && pipes[0].LastRun.Status == state.RunSucceeded
	})
	if pipes[0].LastRun.Counts.Written != 40 {
		t.Errorf("last run wrote %d, want 40", pipes[0].LastRun.Counts.Written)
	}
	// /metrics parses as Prometheus text and carries the run's counts.
	families := scrape(t, a)
	if got := counterValue(families, "cxhub_records_written_total", "contacts"); got != 40 {
		t.Errorf("cxhub_records_written_total{pipeline=contacts} = %v, want 40", got)
	}
	if got := counterValue(families, "cxhub_records_read_total", "contacts"); got != 40 {
		t.Errorf("cxhub_records_read_total{pipeline=contacts} = %v, want 40", got)
	}

	// HubSpot starts failing: the connection's checks fail, an alert
	// fires, and the receiver gets a signed POST; it recovers: a recovery.
	if err := hs.Kit().SetFaults(kit.Faults{ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	fired := rcv.wait(t, "firing")
	if err := hs.Kit().SetFaults(kit.Faults{}); err != nil {
		t.Fatal(err)
	}
	resolved := rcv.wait(t, "resolved")
	if fired.ID != resolved.ID || fired.Key != "connection_failing:crm" {
		t.Errorf("alert %+v resolved as %+v", fired, resolved)
	}
	var alerts []state.Alert
	_ = json.Unmarshal([]byte(a.must("GET", "/api/v1/alerts", viewerToken, nil, 200)), &alerts)
	if len(alerts) == 0 || alerts[0].Status != state.AlertResolved {
		t.Errorf("alerts through the API = %+v, want the resolved one", alerts)
	}

	// Signed webhooks, each a changed contact, to the destination in < 1s.
	ids := make([]string, 0, 40)
	for _, o := range hs.Objects("contacts") {
		ids = append(ids, o.ID)
	}
	sort.Strings(ids)
	var latencies []time.Duration
	for i := 0; i < 10; i++ {
		id := ids[i]
		name := fmt.Sprintf("Changed%d", i)
		if _, err := hs.Update("contacts", id, map[string]string{"firstname": name}); err != nil {
			t.Fatal(err)
		}
		events, err := hs.Events("contacts", id)
		if err != nil {
			t.Fatal(err)
		}
		sent := time.Now()
		status, err := hs.Deliver(context.Background(), fmt.Sprintf("http://127.0.0.1:%d/webhooks/crm", port), events)
		if err != nil || status != 200 {
			t.Fatalf("delivery %d: %d, %v", i, status, err)
		}
		waitFor(t, "the webhook's change in the destination", 10*time.Second, func() bool {
			return strings.Contains(outputLines(t, w, "contacts")[id], name)
		})
		latencies = append(latencies, time.Since(sent))
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	t.Logf("webhook → destination: median %v, max %v", latencies[len(latencies)/2], latencies[len(latencies)-1])
	if worst := latencies[len(latencies)-1]; worst > time.Second {
		t.Errorf("a webhook took %v to reach the destination, want < 1s", worst)
	}

	// A bad signature: 401, nothing stored.
	before := inboxSize(t, w, "crm", "contacts")
	events, _ := hs.Events("contacts", ids[20])
	payload, _ := json.Marshal(events)
	req, _ := http.NewRequest("POST", fmt.Sprintf("http://127.0.0.1:%d/webhooks/crm", port), bytes.NewReader(payload))
	req.Header = hs.DeliveryHeaders("POST", fmt.Sprintf("http://127.0.0.1:%d/webhooks/crm", port), payload, time.Now())
	req.Header.Set("X-HubSpot-Signature-v3", "bm90IHRoZSBzaWduYXR1cmU=")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("a badly signed webhook got %d, want 401", resp.StatusCode)
	}
	if after := inboxSize(t, w, "crm", "contacts"); after != before {
		t.Fatalf("a badly signed webhook stored %d entries", after-before)
	}
	// A replay of a delivery already handled: acknowledged, nothing new.
	req, _ = http.NewRequest("POST", fmt.Sprintf("http://127.0.0.1:%d/webhooks/crm", port), bytes.NewReader(payload))
	req.Header = hs.DeliveryHeaders("POST", fmt.Sprintf("http://127.0.0.1:%d/webhooks/crm", port), payload, time.Now())
	for i := 0; i < 2; i++ {
		resp, err := http.DefaultClient.Do(cloneRequest(t, req, payload))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("delivery %d of the same webhook: %v %v", i, resp, err)
		}
		resp.Body.Close()
	}
	if after := inboxSize(t, w, "crm", "contacts"); after != before+1 {
		t.Errorf("the same delivery twice stored %d entries, want 1", after-before)
	}

	// A webhook accepted just before cxhub is SIGKILLed is delivered after
	// the restart. (The pipeline is paused so that the kill surely comes
	// between the 2xx and the delivery.)
	a.must("POST", "/api/v1/pipelines/contacts/pause", operatorToken, nil, 200)
	if _, err := hs.Update("contacts", ids[30], map[string]string{"firstname": "BeforeTheKill"}); err != nil {
		t.Fatal(err)
	}
	events, _ = hs.Events("contacts", ids[30])
	if status, err := hs.Deliver(context.Background(), fmt.Sprintf("http://127.0.0.1:%d/webhooks/crm", port), events); err != nil || status != 200 {
		t.Fatalf("delivery before the kill: %d, %v", status, err)
	}
	srv.kill()
	noPluginSurvives(t, w, 10*time.Second)
	if strings.Contains(outputLines(t, w, "contacts")[ids[30]], "BeforeTheKill") {
		t.Fatal("the paused pipeline delivered before the kill; the test proves nothing")
	}
	srv, a = serve(t, w, port)
	a.must("POST", "/api/v1/pipelines/contacts/resume", operatorToken, nil, 200)
	waitFor(t, "the webhook accepted before the kill to reach the destination", 15*time.Second, func() bool {
		return strings.Contains(outputLines(t, w, "contacts")[ids[30]], "BeforeTheKill")
	})

	if res := srv.stop(syscall.SIGTERM, 10*time.Second); res.code != 0 {
		t.Errorf("serve exited %d after SIGTERM:\n%s", res.code, res)
	}
	noPluginSurvives(t, w, 5*time.Second)
}

func cloneRequest(t *testing.T, r *http.Request, body []byte) *http.Request {
	t.Helper()
	c := r.Clone(context.Background())
	c.Body = io.NopCloser(bytes.NewReader(body))
	return c
}

// stop signals cxhub and waits up to d for it to end, or fails the test.
func (r *running) stop(sig syscall.Signal, d time.Duration) result {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil && !r.exited() {
		r.t.Fatalf("signal cxhub: %v", err)
	}
	return r.mustWait(d)
}
