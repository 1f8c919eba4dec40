package dashboard

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// fakeBackend is an in-memory Backend for the handler tests.
type fakeBackend struct {
	mu        sync.Mutex
	tokens    map[string][2]string // token → name, role
	pipelines []Pipeline
	runs      map[string][]state.Run
	letters   []DeadLetter
	alerts    []state.Alert
	conns     json.RawMessage
	calls     []string // actions done, e.g. "trigger contacts"
}

var _ Backend = (*fakeBackend)(nil)

func newFake() *fakeBackend {
	now := time.Now()
	run := func(id int64, read, written int64, secs int) state.Run {
		start := now.Add(-time.Duration(id) * time.Minute)
		return state.Run{ID: id, Pipeline: "contacts", Status: state.RunSucceeded, StartedAt: start,
			FinishedAt: start.Add(time.Duration(secs) * time.Second), Counts: state.Counts{Read: read, Written: written}}
	}
	runs := []state.Run{run(3, 30, 30, 1), run(2, 10, 9, 1), run(1, 20, 20, 2)}
	return &fakeBackend{
		tokens: map[string][2]string{"op-token-0123456789": {"ops", "operator"}, "view-token-0123456789": {"grafana", "viewer"}},
		pipelines: []Pipeline{{Name: "contacts", From: "crm.contacts", To: "out.contacts", LastRun: &runs[0], DeadLetters: 2},
			{Name: "tickets", From: "desk.tickets", To: "out.tickets", Paused: true}},
		// legacy left the config; the state still holds a run and a dead letter of it.
		runs: map[string][]state.Run{"contacts": runs, "legacy": {{ID: 0, Pipeline: "legacy", Status: state.RunFailed, StartedAt: now.Add(-time.Hour),
			FinishedAt: now.Add(-time.Hour), Error: "legacy went away"}}},
		letters: []DeadLetter{
			{ID: 7, Pipeline: "contacts", Key: "c3", ErrorKind: "bad_record", Error: "no email", Status: state.DeadLetterPending, Payload: `{"id":"c3"}`},
			{ID: 8, Pipeline: "tickets", Key: "t1", ErrorKind: "conflict", Error: "exists", Status: state.DeadLetterPending, Payload: `{"id":"t1"}`},
			{ID: 9, Pipeline: "legacy", Key: "l1", ErrorKind: "conflict", Error: "gone", Status: state.DeadLetterDiscarded, Payload: `{"id":"l1"}`},
		},
		alerts: []state.Alert{{ID: 1, Kind: "connection_failing", Subject: "crm", Status: state.AlertFiring, Message: "crm check failed", FiredAt: now}},
		conns:  json.RawMessage(`[{"name":"crm","connector":"hubspot","status":"failing"}]`),
	}
}

func (f *fakeBackend) Authenticate(token string) (string, string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[token]
	return t[0], t[1], ok
}

func (f *fakeBackend) Pipelines(context.Context) ([]Pipeline, error) { return f.pipelines, nil }

func (f *fakeBackend) Runs(_ context.Context, p string, limit int) ([]state.Run, error) {
	r := f.runs[p]
	return r[:min(limit, len(r))], nil
}

// PipelineKnown: one of the config's, or one with runs or dead letters.
func (f *fakeBackend) PipelineKnown(_ context.Context, p string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	known := len(f.runs[p]) > 0 || slices.ContainsFunc(f.pipelines, func(x Pipeline) bool { return x.Name == p }) ||
		slices.ContainsFunc(f.letters, func(d DeadLetter) bool { return d.Pipeline == p })
	return known, nil
}

func (f *fakeBackend) PipelineConfig(_ context.Context, p string) (string, error) {
	for _, x := range f.pipelines {
		if x.Name == p {
			return `{"token": "[redacted]"}`, nil
		}
	}
	return "", fmt.Errorf("no pipeline %q: %w", p, ErrNotFound)
}

func (f *fakeBackend) DeadLetters(_ context.Context, flt DeadLetterFilter) ([]DeadLetter, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []DeadLetter
	for _, d := range f.letters {
		if (flt.Pipeline == "" || d.Pipeline == flt.Pipeline) && (flt.Kind == "" || d.ErrorKind == flt.Kind) &&
			(flt.Status == "" || d.Status == flt.Status) && (flt.IDs == nil || slices.Contains(flt.IDs, d.ID)) &&
			d.ID > flt.AfterID {
			out = append(out, d)
		}
	}
	// Oldest first, the filter before the limit, as the state lists them.
	slices.SortFunc(out, func(a, b DeadLetter) int { return cmp.Compare(a.ID, b.ID) })
	if flt.Limit > 0 && len(out) > flt.Limit {
		out = out[:flt.Limit]
	}
	return out, nil
}

func (f *fakeBackend) CountDeadLetters(ctx context.Context, p string, s state.DeadLetterStatus) (int64, error) {
	dls, err := f.DeadLetters(ctx, DeadLetterFilter{Pipeline: p, Status: s})
	return int64(len(dls)), err
}

func (f *fakeBackend) Alerts(_ context.Context, s state.AlertStatus, _ int) ([]state.Alert, error) {
	var out []state.Alert
	for _, a := range f.alerts {
		if s == "" || a.Status == s {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeBackend) Connections(context.Context) (json.RawMessage, error) { return f.conns, nil }

func (f *fakeBackend) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeBackend) done() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeBackend) Trigger(_ context.Context, p string) error {
	if p == "tickets" {
		return fmt.Errorf("pipeline tickets is paused: %w", ErrConflict)
	}
	f.record("trigger " + p)
	return nil
}

func (f *fakeBackend) SetPaused(_ context.Context, p string, paused bool) error {
	f.record(fmt.Sprintf("paused %s %v", p, paused))
	return nil
}

// CheckDeadLetters refuses what is not a pending dead letter of pipeline
// (of any, with ""), as the hub does.
func (f *fakeBackend) CheckDeadLetters(_ context.Context, pipeline string, ids []int64) ([]RefusedDeadLetter, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []RefusedDeadLetter
	for _, id := range ids {
		i := slices.IndexFunc(f.letters, func(d DeadLetter) bool { return d.ID == id })
		switch {
		case i < 0:
			out = append(out, RefusedDeadLetter{ID: id, Why: fmt.Sprintf("%d: no dead letter has this id", id)})
		case pipeline != "" && f.letters[i].Pipeline != pipeline:
			out = append(out, RefusedDeadLetter{ID: id, Why: fmt.Sprintf("%d: a dead letter of pipeline %s", id, f.letters[i].Pipeline)})
		case f.letters[i].Status != state.DeadLetterPending:
			out = append(out, RefusedDeadLetter{ID: id, Why: fmt.Sprintf("%d: already %s, no longer pending", id, f.letters[i].Status)})
		}
	}
	return out, nil
}

func (f *fakeBackend) Replay(_ context.Context, p string, ids []int64) (ReplayResult, error) {
	f.record(fmt.Sprintf("replay %s %v", p, ids))
	return ReplayResult{Pipeline: p, RunID: 9, Status: state.RunSucceeded, Counts: state.Counts{Written: int64(len(ids))}}, nil
}

func (f *fakeBackend) Discard(_ context.Context, ids []int64) (int64, error) {
	f.record(fmt.Sprintf("discard %v", ids))
	return int64(len(ids)), nil
}
