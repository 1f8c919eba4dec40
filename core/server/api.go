package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/state"
)

// route is one endpoint of the listener.
type route struct {
	method, path string
	handler      http.HandlerFunc
}

// routeTable is every endpoint of the listener. The OpenAPI document
// (openapi.json) describes each; a test keeps the two in step.
func (s *Server) routeTable() []route {
	api := []route{
		{method: "GET", path: "/healthz", handler: s.public("healthz", http.HandlerFunc(s.healthz))},
		{method: "GET", path: "/readyz", handler: s.public("readyz", http.HandlerFunc(s.readyz))},
		{method: "GET", path: "/metrics", handler: s.public("metrics", s.metricsHandler())},
		{method: "GET", path: "/openapi.json", handler: s.openapi},
		{method: "POST", path: "/webhooks/{connection}", handler: s.webhook},
		{method: "HEAD", path: "/webhooks/{connection}", handler: s.webhookProbe},

		{method: "GET", path: "/api/v1/pipelines", handler: s.viewer(s.listPipelines)},
		{method: "GET", path: "/api/v1/pipelines/{name}", handler: s.viewer(s.getPipeline)},
		{method: "POST", path: "/api/v1/pipelines/{name}/trigger", handler: s.operator(s.triggerPipeline)},
		{method: "POST", path: "/api/v1/pipelines/{name}/pause", handler: s.operator(s.pausePipeline(true))},
		{method: "POST", path: "/api/v1/pipelines/{name}/resume", handler: s.operator(s.pausePipeline(false))},
		{method: "GET", path: "/api/v1/runs", handler: s.viewer(s.listRuns)},
		{method: "GET", path: "/api/v1/runs/{id}", handler: s.viewer(s.getRun)},
		{method: "GET", path: "/api/v1/dead-letters", handler: s.viewer(s.listDeadLetters)},
		{method: "GET", path: "/api/v1/dead-letters/{id}", handler: s.viewer(s.getDeadLetter)},
		{method: "POST", path: "/api/v1/dead-letters/replay", handler: s.operator(s.replayDeadLetters)},
		{method: "POST", path: "/api/v1/dead-letters/discard", handler: s.operator(s.discardDeadLetters)},
		{method: "GET", path: "/api/v1/connections", handler: s.viewer(s.listConnections)},
		{method: "GET", path: "/api/v1/alerts", handler: s.viewer(s.listAlerts)},
		{method: "GET", path: "/api/v1/customers", handler: s.viewer(s.searchCustomers)},
		{method: "GET", path: "/api/v1/customers/{query}", handler: s.viewer(s.getCustomer)},
		{method: "GET", path: "/api/v1/customers/{query}/explain", handler: s.viewer(s.explainCustomer)},
		{method: "GET", path: "/api/v1/workers", handler: s.viewer(s.listWorkers)},
	}
	// The web dashboard (core/dashboard): pages, not API; see route.isUI.
	ui := s.dashboardHandler()
	return append(api,
		route{method: "GET", path: "/{$}", handler: ui},
		route{method: "GET", path: uiPrefix, handler: ui},
		route{method: "POST", path: uiPrefix, handler: ui})
}

// routes is the listener's handler. A request no route takes — an
// unknown path (404) or a method the path does not take (405, with the
// Allow header) — is answered with a JSON error like every other API
// answer, except under the dashboard's /ui/, which has its own pages.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		mux.HandleFunc(rt.method+" "+rt.path, rt.handler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" || strings.HasPrefix(r.URL.Path, uiPrefix) {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux's own answer says which: 404, or 405 with Allow.
		rec := &statusRecorder{header: http.Header{}}
		mux.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			allow := rec.header.Get("Allow")
			w.Header().Set("Allow", allow)
			writeError(w, rec.status, fmt.Sprintf("%s %s: method not allowed; this path takes %s", r.Method, r.URL.Path, allow))
			return
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("%s %s: no such endpoint; /openapi.json lists them", r.Method, r.URL.Path))
	})
}

// statusRecorder keeps the status and headers of an answer, and drops its body.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header { return r.header }
func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *statusRecorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return len(b), nil
}

// apiError is the body of every error answer.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

// fail answers an internal failure, redacted.
func (s *Server) fail(w http.ResponseWriter, err error) {
	if errors.Is(err, state.ErrNotFound) {
		writeError(w, http.StatusNotFound, s.hub.Redact(err.Error()))
		return
	}
	s.log.Error("api request failed", "error", err)
	writeError(w, http.StatusInternalServerError, s.hub.Redact(err.Error()))
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is ready once the config is checked, the state open and the
// workers started, until shutdown begins.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	ready := s.ready
	s.mu.Unlock()
	if !ready {
		writeError(w, http.StatusServiceUnavailable, "not ready")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) metricsHandler() http.Handler {
	if s.opts.Metrics == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, http.StatusNotFound, "metrics are not enabled")
		})
	}
	return s.opts.Metrics.Handler()
}

// Pipeline is a pipeline as the API shows it.
type Pipeline struct {
	hub.PipelineStatus
	Paused  bool   `json:"paused"`
	Running string `json:"running,omitempty"` // sync, pushed, job; empty when idle
	// Worker is the id of the worker holding the pipeline's lease (which
	// runs it); empty while no worker holds it.
	Worker  string    `json:"worker,omitempty"`
	NextRun time.Time `json:"next_run,omitzero"`
	// CheckpointAgeSeconds is how long ago the newest checkpoint was stored.
	CheckpointAgeSeconds float64 `json:"checkpoint_age_seconds,omitempty"`
}

func (s *Server) pipelines(ctx context.Context) ([]Pipeline, error) {
	status, err := s.hub.Status(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.hub.Store()
	if err != nil {
		return nil, err
	}
	paused, err := st.Paused(ctx)
	if err != nil {
		return nil, err
	}
	holders, err := s.leaseHolders(ctx, st)
	if err != nil {
		return nil, err
	}
	out := make([]Pipeline, len(status))
	for i, ps := range status {
		p := Pipeline{PipelineStatus: ps, Paused: paused[ps.Name], Worker: holders[ps.Name]}
		if w, ok := s.worker(ps.Name); ok {
			p.Running, p.NextRun = w.state()
		}
		if !ps.Checkpoint.IsZero() {
			p.CheckpointAgeSeconds = time.Since(ps.Checkpoint).Seconds()
		}
		out[i] = p
	}
	return out, nil
}

func (s *Server) listPipelines(w http.ResponseWriter, r *http.Request) {
	ps, err := s.pipelines(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ps)
}

func (s *Server) getPipeline(w http.ResponseWriter, r *http.Request) {
	ps, err := s.pipelines(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	for _, p := range ps {
		if p.Name == r.PathValue("name") {
			writeJSON(w, http.StatusOK, p)
			return
		}
	}
	writeError(w, http.StatusNotFound, "no pipeline named "+r.PathValue("name"))
}

// pipelineKnown reports whether name, a ?pipeline= filter, names a
// pipeline: one of the config in force, or one the state holds history of
// (runs, dead letters) — a pipeline removed from the config keeps its
// history listable. Otherwise it answers 404 naming it and listing the
// config's pipelines, and returns false: an empty list would read as "no
// runs" for a misspelt name. An empty name (no filter) is known.
func (s *Server) pipelineKnown(w http.ResponseWriter, r *http.Request, st state.Store, name string) bool {
	if name == "" {
		return true
	}
	cfg, exists, err := s.pipelineExists(r.Context(), st, name)
	if err != nil {
		s.fail(w, err)
		return false
	}
	if exists {
		return true
	}
	names := make([]string, 0, len(cfg.Pipelines))
	for _, p := range cfg.Pipelines {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	known := "it has none"
	if len(names) > 0 {
		known = "pipelines: " + strings.Join(names, ", ")
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("pipeline: no pipeline named %q in the config (%s), and the state holds no runs of one; GET /api/v1/pipelines lists them",
		name, known))
	return false
}

// pipelineExists reports whether a pipeline named name exists: the config
// in force (returned) has it, or the state holds runs or dead letters of
// it. The API's ?pipeline= filters and the dashboard's pages share it.
func (s *Server) pipelineExists(ctx context.Context, st state.Store, name string) (*config.Config, bool, error) {
	cfg := s.config()
	if cfg == nil {
		var err error
		if cfg, err = s.hub.Config(); err != nil {
			return nil, false, err
		}
	}
	if _, ok := cfg.Pipeline(name); ok {
		return cfg, true, nil
	}
	runs, err := st.Runs(ctx, state.RunFilter{Pipeline: name, Limit: 1})
	if err != nil || len(runs) > 0 {
		return cfg, len(runs) > 0, err
	}
	dls, err := st.DeadLetters(ctx, state.DeadLetterFilter{Pipeline: name, Limit: 1})
	return cfg, len(dls) > 0, err
}

// triggerPipeline asks for a sync now; it runs after any run in flight.
func (s *Server) triggerPipeline(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.worker(r.PathValue("name"))
	if !ok {
		writeError(w, http.StatusNotFound, "no pipeline named "+r.PathValue("name"))
		return
	}
	if wk.paused(r.Context()) {
		writeError(w, http.StatusConflict, "pipeline "+wk.p.Name+" is paused: resume it first")
		return
	}
	if s.heldElsewhere(w, r, wk) {
		return
	}
	wk.requestSync()
	writeJSON(w, http.StatusAccepted, map[string]string{"pipeline": wk.p.Name, "status": "triggered"})
}

func (s *Server) pausePipeline(paused bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		wk, ok := s.worker(r.PathValue("name"))
		if !ok {
			writeError(w, http.StatusNotFound, "no pipeline named "+r.PathValue("name"))
			return
		}
		st, err := s.hub.Store()
		if err == nil {
			err = st.SetPaused(r.Context(), wk.p.Name, paused)
		}
		if err != nil {
			s.fail(w, err)
			return
		}
		if !paused {
			// What arrived pushed while paused is delivered now.
			wk.requestPush(time.Now())
		}
		writeJSON(w, http.StatusOK, map[string]any{"pipeline": wk.p.Name, "paused": paused})
	}
}

// intParam reads an optional integer query parameter.
func intParam(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s: expected a number, got %q", name, v)
	}
	return n, nil
}

func idParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("id: expected a positive number, got %q", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	st, err := s.hub.Store()
	if err != nil {
		s.fail(w, err)
		return
	}
	pipeline := r.URL.Query().Get("pipeline")
	runs, err := st.Runs(r.Context(), state.RunFilter{Pipeline: pipeline, Limit: limit})
	if err != nil {
		s.fail(w, err)
		return
	}
	if len(runs) == 0 && !s.pipelineKnown(w, r, st, pipeline) {
		return
	}
	writeJSON(w, http.StatusOK, nonNil(runs))
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	st, err := s.hub.Store()
	if err != nil {
		s.fail(w, err)
		return
	}
	run, err := st.Run(r.Context(), id)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

// DeadLetter is a dead letter as the API shows it.
type DeadLetter struct {
	ID          int64     `json:"id"`
	Pipeline    string    `json:"pipeline"`
	RunID       int64     `json:"run"`
	Stream      string    `json:"stream"`
	Key         string    `json:"key"`
	Op          string    `json:"op"`
	Status      string    `json:"status"`
	ErrorKind   string    `json:"error_kind"`
	Error       string    `json:"error"`
	Attempts    int       `json:"attempts"`
	CreatedAt   time.Time `json:"created_at"`
	LastTriedAt time.Time `json:"last_tried_at"`
	Payload     string    `json:"payload"`
}

func deadLetterOf(d state.DeadLetter) DeadLetter {
	return DeadLetter{ID: d.ID, Pipeline: d.Pipeline, RunID: d.RunID, Stream: d.Stream, Key: d.Key, Op: d.Op,
		Status: string(d.Status), ErrorKind: d.ErrorKind, Error: d.Error, Attempts: d.Attempts,
		CreatedAt: d.CreatedAt, LastTriedAt: d.LastTriedAt, Payload: string(d.Data)}
}

// listDeadLetters lists dead letters oldest first, filtered in the state
// (pipeline, status, kind) before the limit. A page that stops at its
// limit with more to come has a Link header (rel="next") to the next
// one: the same query with after, the page's last id.
func (s *Server) listDeadLetters(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	q := r.URL.Query()
	f := state.DeadLetterFilter{Pipeline: q.Get("pipeline"), Kind: q.Get("kind"), Status: state.DeadLetterPending}
	if v := q.Get("status"); v == "all" {
		f.Status = ""
	} else if v != "" {
		f.Status = state.DeadLetterStatus(v)
		if !f.Status.Valid() {
			writeError(w, http.StatusBadRequest, "status: expected pending, replayed, discarded or all, got "+strconv.Quote(v))
			return
		}
	}
	if err := hub.CheckErrorKind(f.Kind); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if v := q.Get("after"); v != "" {
		if f.AfterID, err = strconv.ParseInt(v, 10, 64); err != nil || f.AfterID < 0 {
			writeError(w, http.StatusBadRequest, "after: expected the id of the last dead letter of the page before (a Link rel=\"next\" gives it), got "+strconv.Quote(v))
			return
		}
	}
	if limit > 0 && limit < math.MaxInt {
		f.Limit = limit + 1 // one more: is there a next page?
	}
	st, err := s.hub.Store()
	if err != nil {
		s.fail(w, err)
		return
	}
	dls, err := st.DeadLetters(r.Context(), f)
	if err != nil {
		s.fail(w, err)
		return
	}
	if limit > 0 && len(dls) > limit {
		dls = dls[:limit]
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("after", strconv.FormatInt(dls[limit-1].ID, 10))
		w.Header().Set("Link", "<"+r.URL.Path+"?"+next.Encode()+">; rel=\"next\"")
	}
	out := make([]DeadLetter, 0, len(dls))
	for _, d := range dls {
		out = append(out, deadLetterOf(d))
	}
	if len(out) == 0 && !s.pipelineKnown(w, r, st, f.Pipeline) {
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getDeadLetter(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	st, err := s.hub.Store()
	if err != nil {
		s.fail(w, err)
		return
	}
	dls, err := st.DeadLetters(r.Context(), state.DeadLetterFilter{IDs: []int64{id}})
	if err != nil {
		s.fail(w, err)
		return
	}
	if len(dls) == 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no dead letter with id %d", id))
		return
	}
	writeJSON(w, http.StatusOK, deadLetterOf(dls[0]))
}

// replayRequest is the body of POST /api/v1/dead-letters/replay.
type replayRequest struct {
	Pipeline string  `json:"pipeline"`
	IDs      []int64 `json:"ids"` // none: every pending one of the pipeline
}

// replayDeadLetters replays through the pipeline's worker (never beside a
// run of the same pipeline) and answers when it is done.
func (s *Server) replayDeadLetters(w http.ResponseWriter, r *http.Request) {
	var req replayRequest
	if !decodeBody(w, r, &req, `{"pipeline": name, "ids": [ids]}`) {
		return
	}
	wk, ok := s.worker(req.Pipeline)
	if !ok {
		writeError(w, http.StatusNotFound, "no pipeline named "+strconv.Quote(req.Pipeline))
		return
	}
	if !s.deadLettersTakeable(w, r, req.Pipeline, req.IDs) {
		return
	}
	if s.heldElsewhere(w, r, wk) {
		return
	}
	var out map[string]any
	err := wk.do(r.Context(), func(ctx context.Context) {
		res := s.hub.Replay(ctx, req.Pipeline, req.IDs)
		s.deadLettersChanged()
		out = map[string]any{"pipeline": res.Pipeline, "run": res.RunID, "status": res.Status, "counts": res.Counts}
		if res.Err != nil {
			out["error"] = s.hub.Redact(res.Err.Error())
		}
	})
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "replay not done: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// discardRequest is the body of POST /api/v1/dead-letters/discard.
type discardRequest struct {
	IDs []int64 `json:"ids"`
}

func (s *Server) discardDeadLetters(w http.ResponseWriter, r *http.Request) {
	var req discardRequest
	if !decodeBody(w, r, &req, `{"ids": [ids]}`) {
		return
	}
	if len(req.IDs) == 0 {
		writeError(w, http.StatusBadRequest, `body: expected {"ids": [ids]} with at least one id`)
		return
	}
	if !s.deadLettersTakeable(w, r, "", req.IDs) {
		return
	}
	n, err := s.hub.Discard(r.Context(), req.IDs)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.deadLettersChanged()
	writeJSON(w, http.StatusOK, map[string]any{"discarded": n})
}

// maxBodyBytes bounds the JSON body of an API request.
const maxBodyBytes = 1 << 20

// decodeBody decodes r's JSON body into v, strictly: a field v does not
// have (a misspelt "idz" would otherwise be dropped, and the request taken
// for another), a second value after the first, or a body over
// maxBodyBytes is answered 400 naming what is wrong, and it returns false.
// expected describes the body for the answer.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, expected string) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		msg := err.Error()
		if field, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			msg = "unknown field " + field
		}
		writeError(w, http.StatusBadRequest, "body: expected "+expected+": "+msg)
		return false
	}
	return true
}

// deadLettersTakeable answers an error and returns false if some of ids
// cannot be replayed through pipeline (discarded, with pipeline ""): 404
// if some id is no dead letter, 409 if some is no longer pending or
// another pipeline's. The answer lists every refused id with its reason;
// nothing is replayed or discarded.
func (s *Server) deadLettersTakeable(w http.ResponseWriter, r *http.Request, pipeline string, ids []int64) bool {
	refused, err := s.hub.CheckDeadLetterIDs(r.Context(), pipeline, ids)
	if err != nil {
		s.fail(w, err)
		return false
	}
	if len(refused) == 0 {
		return true
	}
	status := http.StatusConflict
	if refused.Unknown() {
		status = http.StatusNotFound
	}
	writeJSON(w, status, refusedAnswer{Error: refused.Error() + "; nothing was done", Refused: refused})
	return false
}

// refusedAnswer is the body of a replay or discard refused for its ids.
type refusedAnswer struct {
	Error   string                 `json:"error"`
	Refused hub.RefusedDeadLetters `json:"refused"`
}

// Connection is a connection as the API shows it.
type Connection struct {
	Name      string `json:"name"`
	Connector string `json:"connector"`
}

func (s *Server) listConnections(w http.ResponseWriter, _ *http.Request) {
	if s.opts.Monitor != nil {
		writeJSON(w, http.StatusOK, s.opts.Monitor.Connections())
		return
	}
	cfg := s.config()
	out := make([]Connection, 0, len(cfg.Connections))
	for _, name := range sortedKeys(cfg.Connections) {
		out = append(out, Connection{Name: name, Connector: cfg.Connections[name].Connector})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f := state.AlertFilter{Limit: limit, Status: state.AlertStatus(r.URL.Query().Get("status"))}
	if f.Status != "" && f.Status != state.AlertFiring && f.Status != state.AlertResolved {
		writeError(w, http.StatusBadRequest, "status: expected firing or resolved")
		return
	}
	st, err := s.hub.Store()
	if err != nil {
		s.fail(w, err)
		return
	}
	alerts, err := st.Alerts(r.Context(), f)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(alerts))
}

// nonNil makes a nil list an empty JSON array.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
