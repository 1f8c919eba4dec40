package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"github.com/cxhub/cxhub/core/identity"
	"net/http"
	"strings"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/dashboard"
	"github.com/cxhub/cxhub/core/state"
)

// The dashboard's routes: GET / and everything under /ui/. They are pages
// for people, not the API, so openapi.json does not list them; isUI tells
// them apart in routeTable.
const uiPrefix = "/ui/"

// isUI reports whether a route is the dashboard's rather than the API's.
func (rt route) isUI() bool {
	return rt.path == "/{$}" || strings.HasPrefix(rt.path, uiPrefix)
}

// dashboardHandler builds the web dashboard over this server.
func (s *Server) dashboardHandler() http.HandlerFunc {
	var b dashboard.Backend = dashboardBackend{s}
	if cfg, err := s.hub.Config(); err == nil && cfg.Customers != nil {
		b = dashboardCustomers{dashboardBackend{s}} // the customer 360 is configured: its pages too
	}
	d, err := dashboard.New(b, s.log)
	if err != nil { // the templates are embedded: only a broken build fails here
		return func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, http.StatusInternalServerError, err.Error())
		}
	}
	return d.ServeHTTP
}

// dashboardBackend is the dashboard's view of the server: the same state,
// workers and redaction as the API.
type dashboardBackend struct{ s *Server }

var _ dashboard.Backend = dashboardBackend{}

// dashboardCustomers is the dashboard's view when the config has a
// customers section: the customer 360's search and profiles besides.
type dashboardCustomers struct{ dashboardBackend }

var _ dashboard.Customers = dashboardCustomers{}

func (b dashboardCustomers) CustomerSearch(ctx context.Context, text string, limit int) ([]identity.Summary, error) {
	return b.s.hub.CustomerSearch(ctx, text, limit)
}

func (b dashboardCustomers) Customer(ctx context.Context, query string) (identity.Profile, error) {
	return b.s.hub.Customer(ctx, query)
}

// Authenticate finds token among server.tokens in constant time, like the API.
func (b dashboardBackend) Authenticate(token string) (name, role string, ok bool) {
	if token == "" {
		return "", "", false
	}
	got := sha256.Sum256([]byte(token))
	for _, t := range b.s.config().Server.Tokens {
		want := sha256.Sum256([]byte(t.Token))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			name, role, ok = t.Name, t.Role, true
		}
	}
	return name, role, ok
}

func (b dashboardBackend) Pipelines(ctx context.Context) ([]dashboard.Pipeline, error) {
	ps, err := b.s.pipelines(ctx)
	if err != nil {
		return nil, err
	}
	cfg := b.s.config()
	out := make([]dashboard.Pipeline, len(ps))
	for i, p := range ps {
		out[i] = dashboard.Pipeline{Name: p.Name, From: p.From, To: p.To, Schedule: p.Schedule, Paused: p.Paused,
			Running: p.Running, Worker: p.Worker, NextRun: p.NextRun, LastRun: p.LastRun, LastSuccess: p.LastSuccess,
			Checkpoint: p.Checkpoint, DeadLetters: p.DeadLetters}
		if cp, ok := cfg.Pipeline(p.Name); ok {
			out[i].Schedule = cp.ScheduleText()
		}
		if out[i].LastRun != nil {
			run := *out[i].LastRun
			run.Error = b.s.hub.Redact(run.Error)
			out[i].LastRun = &run
		}
	}
	return out, nil
}

func (b dashboardBackend) Runs(ctx context.Context, pipeline string, limit int) ([]state.Run, error) {
	st, err := b.s.hub.Store()
	if err != nil {
		return nil, err
	}
	runs, err := st.Runs(ctx, state.RunFilter{Pipeline: pipeline, Limit: limit})
	for i := range runs {
		runs[i].Error = b.s.hub.Redact(runs[i].Error)
	}
	return runs, err
}

// PipelineKnown has the API's rule: the config's, or one the state holds
// runs or dead letters of.
func (b dashboardBackend) PipelineKnown(ctx context.Context, name string) (bool, error) {
	st, err := b.s.hub.Store()
	if err != nil {
		return false, err
	}
	_, known, err := b.s.pipelineExists(ctx, st, name)
	return known, err
}

// pipelineView is a pipeline's config as the dashboard shows it.
type pipelineView struct {
	Name      string            `json:"name"`
	From      endpointView      `json:"from"`
	To        endpointView      `json:"to"`
	Map       map[string]any    `json:"map,omitempty"`
	Where     string            `json:"where,omitempty"`
	Schedule  string            `json:"schedule,omitempty"`
	Jitter    string            `json:"max_jitter,omitempty"`
	OnError   string            `json:"on_error"`
	BatchSize int               `json:"batch_size"`
	Retry     map[string]string `json:"retry"`
	Monitor   map[string]string `json:"monitor,omitempty"` // its overrides
}

type endpointView struct {
	Connection string          `json:"connection"`
	Stream     string          `json:"stream"`
	Connector  string          `json:"connector"`
	Config     json.RawMessage `json:"config"`
}

// PipelineConfig shows a pipeline and its connections' configs; every
// value a connector marks secret (and every token) is redacted.
func (b dashboardBackend) PipelineConfig(_ context.Context, name string) (string, error) {
	cfg := b.s.config()
	p, ok := cfg.Pipeline(name)
	if !ok {
		return "", fmt.Errorf("no pipeline named %q: %w", name, dashboard.ErrNotFound)
	}
	endpoint := func(e config.Endpoint) endpointView {
		v := endpointView{Connection: e.Connection, Stream: e.Stream, Config: json.RawMessage("{}")}
		if c, ok := cfg.Connections[e.Connection]; ok {
			v.Connector, v.Config = c.Connector, c.Config
		}
		return v
	}
	v := pipelineView{Name: p.Name, From: endpoint(p.From), To: endpoint(p.To), Where: p.Where, Schedule: p.ScheduleText(),
		OnError: p.OnError, BatchSize: p.BatchSize,
		Retry: map[string]string{"initial_interval": p.Retry.InitialInterval.String(), "max_interval": p.Retry.MaxInterval.String(), "max_elapsed": p.Retry.MaxElapsed.String()}}
	if m := p.Monitor; m != (config.PipelineMonitor{}) {
		v.Monitor = map[string]string{}
		if m.Staleness > 0 {
			v.Monitor["staleness"] = m.Staleness.String()
		}
		if m.ErrorRate > 0 {
			v.Monitor["error_rate"] = fmt.Sprint(m.ErrorRate)
		}
		if m.DeadLetters > 0 {
			v.Monitor["dead_letters"] = fmt.Sprint(m.DeadLetters)
		}
	}
	if p.Scheduled() {
		v.Jitter = p.MaxJitter().String()
	}
	if len(p.Map) > 0 {
		v.Map = map[string]any{}
		for _, f := range p.Map {
			if f.Const != nil {
				v.Map[f.Name] = map[string]json.RawMessage{"value": f.Const}
			} else {
				v.Map[f.Name] = f.Expr
			}
		}
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", fmt.Errorf("show the config of %s: %w", name, err)
	}
	return b.s.hub.Redact(string(out)), nil
}

func (b dashboardBackend) DeadLetters(ctx context.Context, f dashboard.DeadLetterFilter) ([]dashboard.DeadLetter, error) {
	st, err := b.s.hub.Store()
	if err != nil {
		return nil, err
	}
	dls, err := st.DeadLetters(ctx, state.DeadLetterFilter{Pipeline: f.Pipeline, Status: f.Status, Kind: f.Kind,
		IDs: f.IDs, AfterID: f.AfterID, Limit: f.Limit})
	if err != nil {
		return nil, err
	}
	out := make([]dashboard.DeadLetter, 0, len(dls))
	for _, d := range dls {
		out = append(out, dashboard.DeadLetter{ID: d.ID, Pipeline: d.Pipeline, RunID: d.RunID, Stream: d.Stream, Key: d.Key,
			Op: d.Op, Status: d.Status, ErrorKind: d.ErrorKind, Error: b.s.hub.Redact(d.Error), Attempts: d.Attempts,
			CreatedAt: d.CreatedAt, LastTriedAt: d.LastTriedAt, Payload: b.s.hub.Redact(string(d.Data))})
	}
	return out, nil
}

func (b dashboardBackend) CountDeadLetters(ctx context.Context, pipeline string, status state.DeadLetterStatus) (int64, error) {
	st, err := b.s.hub.Store()
	if err != nil {
		return 0, err
	}
	return st.CountDeadLetters(ctx, pipeline, status)
}

func (b dashboardBackend) Alerts(ctx context.Context, status state.AlertStatus, limit int) ([]state.Alert, error) {
	st, err := b.s.hub.Store()
	if err != nil {
		return nil, err
	}
	alerts, err := st.Alerts(ctx, state.AlertFilter{Status: status, Limit: limit})
	for i := range alerts {
		alerts[i].Message = b.s.hub.Redact(alerts[i].Message)
	}
	return alerts, err
}

// Connections is the monitor's view when there is a monitor, else the
// plain list, as the API shows them.
func (b dashboardBackend) Connections(context.Context) (json.RawMessage, error) {
	var v any
	if b.s.opts.Monitor != nil {
		v = b.s.opts.Monitor.Connections()
	} else {
		cfg := b.s.config()
		list := make([]Connection, 0, len(cfg.Connections))
		for _, name := range sortedKeys(cfg.Connections) {
			list = append(list, Connection{Name: name, Connector: cfg.Connections[name].Connector})
		}
		v = list
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("show connections: %w", err)
	}
	return json.RawMessage(b.s.hub.Redact(string(out))), nil
}

func (b dashboardBackend) Trigger(ctx context.Context, pipeline string) error {
	wk, ok := b.s.worker(pipeline)
	if !ok {
		return fmt.Errorf("no pipeline named %q: %w", pipeline, dashboard.ErrNotFound)
	}
	if wk.paused(ctx) {
		return fmt.Errorf("pipeline %s is paused: resume it first: %w", pipeline, dashboard.ErrConflict)
	}
	if msg, elsewhere := b.s.notHeldHere(ctx, wk); elsewhere {
		return fmt.Errorf("%s: %w", msg, dashboard.ErrConflict)
	}
	wk.requestSync()
	return nil
}

func (b dashboardBackend) SetPaused(ctx context.Context, pipeline string, paused bool) error {
	wk, ok := b.s.worker(pipeline)
	if !ok {
		return fmt.Errorf("no pipeline named %q: %w", pipeline, dashboard.ErrNotFound)
	}
	st, err := b.s.hub.Store()
	if err != nil {
		return err
	}
	if err := st.SetPaused(ctx, pipeline, paused); err != nil {
		return fmt.Errorf("pause %s: %w", pipeline, err)
	}
	if !paused {
		wk.requestPush(time.Now()) // what arrived pushed while paused is delivered now
	}
	return nil
}

// CheckDeadLetters makes the API's checks (Hub.CheckDeadLetterIDs).
func (b dashboardBackend) CheckDeadLetters(ctx context.Context, pipeline string, ids []int64) ([]dashboard.RefusedDeadLetter, error) {
	refused, err := b.s.hub.CheckDeadLetterIDs(ctx, pipeline, ids)
	if err != nil {
		return nil, err
	}
	out := make([]dashboard.RefusedDeadLetter, len(refused))
	for i, r := range refused {
		out[i] = dashboard.RefusedDeadLetter{ID: r.ID, Why: r.String()}
	}
	return out, nil
}

// Replay replays through the pipeline's worker, never beside its run.
func (b dashboardBackend) Replay(ctx context.Context, pipeline string, ids []int64) (dashboard.ReplayResult, error) {
	wk, ok := b.s.worker(pipeline)
	if !ok {
		return dashboard.ReplayResult{}, fmt.Errorf("no pipeline named %q: %w", pipeline, dashboard.ErrNotFound)
	}
	if msg, elsewhere := b.s.notHeldHere(ctx, wk); elsewhere {
		return dashboard.ReplayResult{}, fmt.Errorf("%s: %w", msg, dashboard.ErrConflict)
	}
	var out dashboard.ReplayResult
	err := wk.do(ctx, func(ctx context.Context) {
		res := b.s.hub.Replay(ctx, pipeline, ids)
		b.s.deadLettersChanged()
		out = dashboard.ReplayResult{Pipeline: res.Pipeline, RunID: res.RunID, Status: res.Status, Counts: res.Counts}
		if res.Err != nil {
			out.Error = b.s.hub.Redact(res.Err.Error())
		}
	})
	if err != nil {
		return out, fmt.Errorf("replay of %s not done: %w", pipeline, err)
	}
	return out, nil
}

func (b dashboardBackend) Discard(ctx context.Context, ids []int64) (int64, error) {
	n, err := b.s.hub.Discard(ctx, ids)
	if err == nil {
		b.s.deadLettersChanged()
	}
	return n, err
}
