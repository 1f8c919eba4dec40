package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/internal/testfiles"
	"github.com/cxhub/cxhub/core/metrics"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

const operatorToken = "operator-token-0123456789"

// errorsConfig has two file pipelines and a Zendesk connection without a
// webhook secret (its base_url is never reached).
const errorsConfig = `version: 1
state: {path: state.db}
plugins: {dir: plugins}
server:
  tokens:
    - {name: ops, token: ` + operatorToken + `, role: operator}
connections:
  in:  {connector: file, config: {dir: ./in}}
  out: {connector: file, config: {dir: ./out}}
  zd:  {connector: zendesk, config: {base_url: "http://127.0.0.1:9", email: ops@example.com, token: t0ken}}
pipelines:
  - name: p
    from: {connection: in, stream: contacts}
    to:   {connection: out, stream: contacts}
  - name: q
    from: {connection: in, stream: companies}
    to:   {connection: out, stream: companies}
  - name: z
    from: {connection: zd, stream: users}
    to:   {connection: out, stream: users}
`

// outcomes records webhook outcomes (the Metrics a test needs).
type outcomes struct {
	mu  sync.Mutex
	got []string
}

func (o *outcomes) Handler() http.Handler                 { return http.NotFoundHandler() }
func (o *outcomes) ObserveWebhookLatency(string, float64) {}
func (o *outcomes) PluginHung(string)                     {}
func (o *outcomes) InboxHeldBack(string, bool)            {}
func (o *outcomes) Reload(*config.Config)                 {}
func (o *outcomes) ReloadRefused()                        {}
func (o *outcomes) Close()                                {}
func (o *outcomes) WebhookDelivery(connection, outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, connection+":"+outcome)
}

func (o *outcomes) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.got...)
}

// errorsServer is a running server over errorsConfig with the real file
// and Zendesk connectors.
type errorsServer struct {
	t        *testing.T
	base     string
	st       state.Store
	logs     *testfiles.SyncBuffer
	outcomes *outcomes
	srv      *Server
	config   string // the config file's path
}

// startErrorsServer starts it; seed, if set, is called on its state
// before the server runs.
func startErrorsServer(t *testing.T, seed func(state.Store)) *errorsServer {
	t.Helper()
	return startErrorsServerWith(t, seed, nil)
}

// startErrorsServerWith starts it with the Metrics met makes (nil: the
// outcomes recorder).
func startErrorsServerWith(t *testing.T, seed func(state.Store), met func(*hub.Hub) Metrics) *errorsServer {
	t.Helper()
	return startServerOf(t, errorsConfig, seed, met, nil)
}

// startServerOf starts a server over configYAML (errorsConfig or one like
// it) with the Metrics met makes (nil: the outcomes recorder) and the
// Monitor mon makes (nil: the default one).
func startServerOf(t *testing.T, configYAML string, seed func(state.Store), met func(*hub.Hub) Metrics, mon func(*hub.Hub) Monitor) *errorsServer {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the file and Zendesk connectors")
	}
	h, logs := newTestHub(t, configYAML)
	dir := filepath.Dir(mustConfig(t, h).File)
	for _, d := range []string{"in", "out", "plugins"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"file", "zendesk"} {
		bin := sdktest.BuildPlugin(t, "../../connectors/"+c+"/cmd/cxhub-connector-"+c)
		testfiles.CopyExecutable(t, bin, filepath.Join(dir, "plugins", "cxhub-connector-"+c))
	}
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	if seed != nil {
		seed(st)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &outcomes{}
	var m Metrics = o
	if met != nil {
		m = met(h)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var monitor Monitor
	if mon != nil {
		monitor = mon(h)
	}
	srv := New(h, Options{Listener: ln, Metrics: m, Monitor: monitor, ShutdownGrace: time.Second})
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("serve: %v", err)
		}
	})
	a := &customersAPI{t: t, base: "http://" + ln.Addr().String()}
	a.waitReady(done)
	return &errorsServer{t: t, base: a.base, st: st, logs: logs, outcomes: o, srv: srv, config: mustConfig(t, h).File}
}

func mustConfig(t *testing.T, h interface {
	Config() (*config.Config, error)
}) *config.Config {
	t.Helper()
	cfg, err := h.Config()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// post sends body to path as the operator and returns the status and body.
func (e *errorsServer) post(path, body string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.base+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+operatorToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// deadLetter stores a pending dead letter of pipeline and returns its id.
func (e *errorsServer) deadLetter(pipeline, stream, key string) int64 {
	e.t.Helper()
	return storeDeadLetter(e.t, e.st, pipeline, stream, key)
}

// storeDeadLetter stores a pending dead letter of pipeline in st, in a
// run of its own, and returns its id.
func storeDeadLetter(t *testing.T, st state.Store, pipeline, stream, key string) int64 {
	t.Helper()
	ctx := context.Background()
	run, err := st.StartRun(ctx, pipeline)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Commit(ctx, state.Commit{RunID: run, Pipeline: pipeline, DeadLetters: []state.DeadLetter{{
		Stream: stream, Key: key, Op: "upsert", Data: []byte(`{"id":"` + key + `"}`), ErrorKind: "bad_record", Error: "refused"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, run, state.RunSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	dls, err := st.DeadLetters(ctx, state.DeadLetterFilter{Pipeline: pipeline})
	if err != nil {
		t.Fatal(err)
	}
	return dls[len(dls)-1].ID
}

func (e *errorsServer) pending() int64 {
	e.t.Helper()
	n, err := e.st.CountDeadLetters(context.Background(), "", state.DeadLetterPending)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestDeadLetterActionsRefuseWhatTheyCannotDo: a replay or discard body
// with an unknown field is a 400 naming the field (a misspelt "idz" was
// dropped, and the replay took every pending dead letter); ids of no dead
// letter are a 404, ids no longer pending or of another pipeline a 409,
// each listed with why, and nothing is replayed or discarded.
func TestDeadLetterActionsRefuseWhatTheyCannotDo(t *testing.T) {
	e := startErrorsServer(t, nil)
	p1, p2, q1 := e.deadLetter("p", "contacts", "a"), e.deadLetter("p", "contacts", "b"), e.deadLetter("q", "companies", "c")
	if _, err := e.st.SetDeadLetterStatus(context.Background(), []int64{p2}, state.DeadLetterDiscarded); err != nil {
		t.Fatal(err)
	}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, tc := range []struct {
		name, path, body string
		status           int
		want             []string
	}{
		{"replay, misspelt ids", "/api/v1/dead-letters/replay", `{"pipeline":"p","idz":[` + id(p1) + `]}`, 400, []string{`unknown field \"idz\"`}},
		{"discard, unknown field", "/api/v1/dead-letters/discard", `{"ids":[` + id(p1) + `],"reason":"x"}`, 400, []string{`unknown field \"reason\"`}},
		{"replay, two values", "/api/v1/dead-letters/replay", `{"pipeline":"p"} {"pipeline":"q"}`, 400, []string{"more than one JSON value"}},
		{"replay, unknown id", "/api/v1/dead-letters/replay", `{"pipeline":"p","ids":[999]}`, 404, []string{`"id": 999`, `"reason": "unknown"`, "nothing was done"}},
		{"replay, discarded id", "/api/v1/dead-letters/replay", `{"pipeline":"p","ids":[` + id(p1) + `,` + id(p2) + `]}`, 409, []string{`"id": ` + id(p2), `"reason": "discarded"`}},
		{"replay, other pipeline's id", "/api/v1/dead-letters/replay", `{"pipeline":"p","ids":[` + id(q1) + `]}`, 409, []string{`"reason": "other_pipeline"`, `"pipeline": "q"`}},
		{"discard, unknown id", "/api/v1/dead-letters/discard", `{"ids":[` + id(p1) + `,999]}`, 404, []string{`"id": 999`, `"reason": "unknown"`}},
		{"discard, discarded id", "/api/v1/dead-letters/discard", `{"ids":[` + id(p2) + `]}`, 409, []string{`"reason": "discarded"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.post(tc.path, tc.body)
			if status != tc.status {
				t.Errorf("POST %s %s = %d, want %d: %s", tc.path, tc.body, status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("POST %s %s answered %s, want it to hold %s", tc.path, tc.body, body, w)
				}
			}
			if n := e.pending(); n != 2 {
				t.Fatalf("%d dead letters pending after a refused request, want 2 (nothing replayed or discarded)", n)
			}
		})
	}
	// What can be done still is.
	if status, body := e.post("/api/v1/dead-letters/discard", `{"ids":[`+id(q1)+`]}`); status != 200 || !strings.Contains(body, `"discarded": 1`) {
		t.Errorf("discard of a pending dead letter = %d %s, want 200 and 1 discarded", status, body)
	}
}

// TestWebhookToAConnectionThatCannotTakeThemIsRefused: a webhook to a
// connection whose connector takes none (file) is a 404, and one to a
// connection not set up for them (Zendesk without webhook_secret) a 400,
// both counted rejected and logged as warnings: they were a 503 "retry",
// counted as errors and logged as errors, which a vendor retries forever.
func TestWebhookToAConnectionThatCannotTakeThemIsRefused(t *testing.T) {
	e := startErrorsServer(t, nil)
	for _, tc := range []struct {
		conn   string
		status int
		want   string
	}{
		{"in", 404, "connection in takes no webhooks"},
		{"zd", 400, "webhook_secret is required"},
	} {
		resp, err := http.Post(e.base+"/webhooks/"+tc.conn, "application/json", strings.NewReader(`{"id":1}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("POST /webhooks/%s = %d %s, want %d saying %q", tc.conn, resp.StatusCode, body, tc.status, tc.want)
		}
	}
	if got := strings.Join(e.outcomes.list(), " "); got != "in:rejected zd:rejected" {
		t.Errorf("webhook outcomes = %s, want in:rejected zd:rejected", got)
	}
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(line, "level=ERROR") && strings.Contains(line, "webhook") {
			t.Errorf("a refused webhook logged an error: %s", line)
		}
	}
	if !strings.Contains(e.logs.String(), "webhook refused") {
		t.Errorf("no warning for the refused webhooks:\n%s", e.logs)
	}
}

// TestWebhookURLAnswersAVendorsHeadProbe: a vendor that checks a webhook
// URL with HEAD before subscribing it (SurveyMonkey) gets 200 for a
// connection that takes webhooks, 404 for one that takes none or does not
// exist, and nothing is stored. HEAD was a 405.
func TestWebhookURLAnswersAVendorsHeadProbe(t *testing.T) {
	e := startErrorsServer(t, nil)
	for _, tc := range []struct {
		conn   string
		status int
	}{{"zd", 200}, {"in", 404}, {"nope", 404}} {
		req, _ := http.NewRequest(http.MethodHead, e.base+"/webhooks/"+tc.conn, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("HEAD /webhooks/%s = %d, want %d", tc.conn, resp.StatusCode, tc.status)
		}
	}
	if got := e.outcomes.list(); len(got) != 0 {
		t.Errorf("HEAD probes counted as deliveries: %v", got)
	}
}

// TestRequestsNoRouteTakesAnswerJSON: an unknown path, or a method a path
// does not take, is answered like every API error — a JSON body with
// "error" — and a 405 names the methods the path takes (Allow). They were
// the mux's text/plain "404 page not found" and "Method Not Allowed".
func TestRequestsNoRouteTakesAnswerJSON(t *testing.T) {
	h, _ := newTestHub(t, errorsConfig)
	routes := New(h, Options{NoListen: true}).routes()
	for _, tc := range []struct {
		method, path string
		status       int
		allow, want  string
	}{
		{"GET", "/api/v1/nope", 404, "", "GET /api/v1/nope: no such endpoint"},
		{"GET", "/api/v1/pipelines/p/runs", 404, "", "no such endpoint"},
		{"DELETE", "/api/v1/pipelines", 405, "GET, HEAD", "DELETE /api/v1/pipelines: method not allowed; this path takes GET, HEAD"},
		{"PUT", "/api/v1/pipelines/p/trigger", 405, "POST", "method not allowed"},
		{"GET", "/webhooks/in", 405, "HEAD, POST", "method not allowed"},
	} {
		rec := httptest.NewRecorder()
		routes.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		var body struct{ Error string }
		err := json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/json" || err != nil || !strings.Contains(body.Error, tc.want) {
			t.Errorf("%s %s = %d %s %q, want %d application/json with an error saying %q", tc.method, tc.path, rec.Code,
				rec.Header().Get("Content-Type"), rec.Body.String(), tc.status, tc.want)
		}
		if got := rec.Header().Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
	// The dashboard keeps its own pages.
	rec := httptest.NewRecorder()
	routes.ServeHTTP(rec, httptest.NewRequest("GET", "/ui/nope", nil))
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("GET /ui/nope answered JSON: %s", rec.Body.String())
	}
}

// TestBearerSchemeIsCaseInsensitive: "bearer <token>" is the token, as
// RFC 9110 has it (some clients send the scheme in lower case); a
// missing token or another scheme is still a 401. "bearer" was refused as
// "missing bearer token".
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	h, _ := newTestHub(t, errorsConfig)
	s := New(h, Options{NoListen: true})
	s.cfg = mustConfig(t, h)
	routes := s.routes()
	for _, tc := range []struct {
		header string
		status int
	}{
		{"Bearer " + operatorToken, 200},
		{"bearer " + operatorToken, 200},
		{"BEARER  " + operatorToken, 200},
		{"Basic " + operatorToken, 401},
		{"Bearer ", 401},
		{"Bearer wrong-token-0123456789", 401},
	} {
		req := httptest.NewRequest("GET", "/api/v1/connections", nil)
		req.Header.Set("Authorization", tc.header)
		rec := httptest.NewRecorder()
		routes.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("Authorization %q = %d %s, want %d", tc.header, rec.Code, rec.Body.String(), tc.status)
		}
	}
}

// TestRefusedReloadShowsInTheMetrics: a reload of a config that does not
// validate is refused and the old config runs on — and /metrics says so,
// cxhub_config_last_reload_successful 0, until a reload takes effect (1,
// with its time). The log was the only sign: an admin's "systemctl reload"
// succeeds either way, and the broken file would not start at the next
// restart.
func TestRefusedReloadShowsInTheMetrics(t *testing.T) {
	e := startErrorsServerWith(t, nil, func(h *hub.Hub) Metrics { return metrics.New(h) })
	gauge := func(name string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", e.base+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+operatorToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				return v
			}
		}
		t.Fatalf("/metrics has no %s:\n%s", name, b)
		return ""
	}
	if v := gauge("cxhub_config_last_reload_successful"); v != "1" {
		t.Errorf("at start cxhub_config_last_reload_successful = %s, want 1", v)
	}
	good, err := os.ReadFile(e.config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.config, append(good, []byte("  - name: broken\n    schedule: banana\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Reload(context.Background()); err == nil {
		t.Fatal("a reload of a broken config was taken")
	}
	if v := gauge("cxhub_config_last_reload_successful"); v != "0" {
		t.Errorf("after a refused reload cxhub_config_last_reload_successful = %s, want 0", v)
	}
	before := gauge("cxhub_config_last_reload_success_timestamp_seconds")
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(e.config, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v := gauge("cxhub_config_last_reload_successful"); v != "1" {
		t.Errorf("after a reload that took effect cxhub_config_last_reload_successful = %s, want 1", v)
	}
	if after := gauge("cxhub_config_last_reload_success_timestamp_seconds"); after == before {
		t.Errorf("the reload's time did not move: %s", after)
	}
}

// TestRunLogsItsOwnName: `cxhub run` (the server without its listener)
// says "cxhub run" in its log lines, not "cxhub serve".
func TestRunLogsItsOwnName(t *testing.T) {
	h, logs := newTestHub(t, "version: 1\nstate: {path: state.db}\n")
	if err := os.Mkdir(filepath.Join(filepath.Dir(mustConfig(t, h).File), "plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := New(h, Options{NoListen: true}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "cxhub run: stopping") || strings.Contains(logs.String(), "cxhub serve") {
		t.Errorf("cxhub run's logs:\n%s\nwant \"cxhub run: stopping\" and no \"cxhub serve\"", logs)
	}
}
