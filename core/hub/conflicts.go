package hub

import (
	"context"
	"fmt"

	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/state"
)

// Conflicts lists the conflicts of the config's two-way syncs (of one sync
// if sync is not ""), newest first: fields both sides changed since they
// were last synced, with both values and the side whose value was kept.
func (h *Hub) Conflicts(ctx context.Context, sync string, limit int) ([]state.Conflict, error) {
	cfg, err := h.Config()
	if err != nil {
		return nil, err
	}
	if _, known := cfg.SyncOf(sync); sync != "" && !known {
		return nil, fmt.Errorf("no sync named %q in %s", sync, cfg.File)
	}
	st, err := h.ReadStore()
	if err != nil {
		return nil, err
	}
	out, err := st.Conflicts(ctx, state.ConflictFilter{Sync: sync, Limit: limit})
	if err != nil {
		return nil, fmt.Errorf("list conflicts: %w", err)
	}
	return out, nil
}

// ResolveConflict settles a parked conflict (rule manual) with a person's
// choice, take "a" or "b": the chosen value is written to the other side
// as a replay run of the sync's pipeline that writes there.
func (h *Hub) ResolveConflict(ctx context.Context, id int64, take string) engine.Result {
	r, err := h.Runner(ctx)
	if err != nil {
		return engine.Result{Status: state.RunFailed, Err: err}
	}
	return r.ResolveConflict(ctx, id, take)
}
