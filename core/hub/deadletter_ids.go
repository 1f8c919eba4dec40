package hub

import (
	"context"
	"fmt"
	"strings"

	"github.com/cxhub/cxhub/core/state"
)

// RefusedDeadLetter is a dead letter id that an action (replay, discard)
// cannot take, and why.
type RefusedDeadLetter struct {
	ID int64 `json:"id"`
	// Reason is "unknown" (no dead letter has the id), "replayed" or
	// "discarded" (it is no longer pending), or "other_pipeline".
	Reason string `json:"reason"`
	// Pipeline is the dead letter's pipeline, for other_pipeline.
	Pipeline string `json:"pipeline,omitempty"`
}

// Reasons a dead letter id is refused.
const (
	RefusedUnknown       = "unknown"
	RefusedOtherPipeline = "other_pipeline"
)

// String says why the id is refused, for a person.
func (r RefusedDeadLetter) String() string {
	switch r.Reason {
	case RefusedUnknown:
		return fmt.Sprintf("%d: no dead letter has this id", r.ID)
	case RefusedOtherPipeline:
		return fmt.Sprintf("%d: a dead letter of pipeline %s", r.ID, r.Pipeline)
	}
	return fmt.Sprintf("%d: already %s, no longer pending", r.ID, r.Reason)
}

// RefusedDeadLetters is the error of an action given ids it cannot take.
type RefusedDeadLetters []RefusedDeadLetter

func (rs RefusedDeadLetters) Error() string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return "dead letter ids refused: " + strings.Join(parts, "; ")
}

// Unknown reports whether some id is no dead letter at all.
func (rs RefusedDeadLetters) Unknown() bool {
	for _, r := range rs {
		if r.Reason == RefusedUnknown {
			return true
		}
	}
	return false
}

// CheckDeadLetterIDs returns the ids, of those given, that a replay
// through pipeline (or, with pipeline "", a discard) cannot take: ids of
// no dead letter, of one no longer pending, or of another pipeline's. Nil
// if every id can be taken. A replay or discard should take none of them
// when some are refused: the caller asked for something else.
func (h *Hub) CheckDeadLetterIDs(ctx context.Context, pipeline string, ids []int64) (RefusedDeadLetters, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	st, err := h.Store()
	if err != nil {
		return nil, err
	}
	dls, err := st.DeadLetters(ctx, state.DeadLetterFilter{IDs: ids})
	if err != nil {
		return nil, fmt.Errorf("look up dead letters %v: %w", ids, err)
	}
	byID := make(map[int64]state.DeadLetter, len(dls))
	for _, d := range dls {
		byID[d.ID] = d
	}
	var refused RefusedDeadLetters
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		d, ok := byID[id]
		switch {
		case !ok:
			refused = append(refused, RefusedDeadLetter{ID: id, Reason: RefusedUnknown})
		case pipeline != "" && d.Pipeline != pipeline:
			refused = append(refused, RefusedDeadLetter{ID: id, Reason: RefusedOtherPipeline, Pipeline: d.Pipeline})
		case d.Status != state.DeadLetterPending:
			refused = append(refused, RefusedDeadLetter{ID: id, Reason: string(d.Status)})
		}
	}
	return refused, nil
}
