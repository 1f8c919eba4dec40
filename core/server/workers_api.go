package server

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// WorkerStatus is a worker as GET /api/v1/workers shows it.
type WorkerStatus struct {
	state.Worker
	Live bool `json:"live"` // its heartbeat has not expired
	Self bool `json:"self"` // the worker answering
	// Pipelines are the pipelines whose lease it holds.
	Pipelines []string `json:"pipelines"`
}

// leaseHolders returns who holds each pipeline's unexpired lease: a
// worker's id (state.Lease.HolderID).
func (s *Server) leaseHolders(ctx context.Context, st state.Store) (map[string]string, error) {
	leases, err := st.Leases(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := map[string]string{}
	for _, l := range leases {
		if l.Holder != "" && l.ExpiresAt.After(now) {
			out[l.Pipeline] = l.HolderID()
		}
	}
	return out, nil
}

func (s *Server) listWorkers(w http.ResponseWriter, r *http.Request) {
	st, err := s.hub.Store()
	if err != nil {
		s.fail(w, err)
		return
	}
	ws, err := st.Workers(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	holders, err := s.leaseHolders(r.Context(), st)
	if err != nil {
		s.fail(w, err)
		return
	}
	self := ""
	if k := s.leaseKeeper(); k != nil {
		self = k.id
	}
	now := time.Now()
	out := make([]WorkerStatus, 0, len(ws))
	for _, wk := range ws {
		ps := []string{}
		for p, h := range holders {
			if h == wk.ID {
				ps = append(ps, p)
			}
		}
		slices.Sort(ps)
		out = append(out, WorkerStatus{Worker: wk, Live: wk.ExpiresAt.After(now), Self: wk.ID == self, Pipelines: ps})
	}
	writeJSON(w, http.StatusOK, out)
}

// heldElsewhere answers 409 naming the worker that holds the pipeline's
// lease, if this worker does not hold it: an action on a pipeline (a
// trigger, a replay) goes to the worker that runs it.
func (s *Server) heldElsewhere(w http.ResponseWriter, r *http.Request, wk *worker) bool {
	msg, elsewhere := s.notHeldHere(r.Context(), wk)
	if elsewhere {
		writeError(w, http.StatusConflict, msg)
	}
	return elsewhere
}

// notHeldHere says, if this worker does not hold the pipeline's lease,
// which worker does and where to send an action on the pipeline.
func (s *Server) notHeldHere(ctx context.Context, wk *worker) (string, bool) {
	if _, ok := wk.lease(); ok {
		return "", false
	}
	holder := ""
	if st, err := s.hub.Store(); err == nil {
		if hs, err := s.leaseHolders(ctx, st); err == nil {
			holder = hs[wk.p.Name]
		}
	}
	if holder != "" {
		return "pipeline " + wk.p.Name + " runs on worker " + holder + ": send this there (GET /api/v1/workers gives its address)", true
	}
	return "pipeline " + wk.p.Name + " is not held by this worker", true
}
