package server

import (
	"context"
	"fmt"
	"time"
)

// Inbox pruning. A webhook's records stay in the inbox (core/state) after
// every pipeline reading their stream has taken them: the inbox is also
// what recognises a vendor's redelivery (state.Store.AppendInbox), and
// vendors redeliver for days. So the server removes an entry once it is
// older than the retention AND every pipeline of the config reading its
// connection's stream has taken it; entries of a stream no pipeline reads
// go once they are older than the retention.
//
// The store prunes by time (PruneInbox: every entry received before a
// time), so the cut is the retention's, moved back to the oldest entry
// some pipeline has still to take, less defaultInboxClockSkew (entries of
// several workers carry their own clocks). A pipeline that lags or is
// paused for longer than the retention therefore holds back the pruning
// of every stream until it catches up: the inbox grows meanwhile, and
// nothing it has to take is lost.
const (
	// DefaultInboxRetention is how long inbox entries are kept at least.
	DefaultInboxRetention = 7 * 24 * time.Hour
	// DefaultInboxPruneEvery is how often the server prunes the inbox.
	DefaultInboxPruneEvery = 10 * time.Minute
	// defaultInboxClockSkew is the margin kept before the oldest entry a
	// pipeline has still to take.
	defaultInboxClockSkew = time.Hour
)

// pruneInboxLoop prunes the inbox at once and then every
// Options.InboxPruneEvery until ctx ends.
func (s *Server) pruneInboxLoop(ctx context.Context) {
	tick := time.NewTicker(s.opts.InboxPruneEvery)
	defer tick.Stop()
	for {
		if n, err := s.pruneInbox(ctx, time.Now()); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("inbox not pruned", "error", err)
		} else if n > 0 {
			s.log.Info("inbox pruned", "removed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pruneInbox removes the inbox entries older than the retention at now
// that no pipeline of the config has still to take, and returns how many
// it removed.
func (s *Server) pruneInbox(ctx context.Context, now time.Time) (int64, error) {
	cfg, err := s.hub.Config()
	if err != nil {
		return 0, fmt.Errorf("prune the inbox: %w", err)
	}
	st, err := s.hub.Store()
	if err != nil {
		return 0, fmt.Errorf("prune the inbox: %w", err)
	}
	cut := now.Add(-s.opts.InboxRetention)
	for _, p := range cfg.Pipelines {
		cursor, err := st.InboxCursor(ctx, p.Name)
		if err != nil {
			return 0, fmt.Errorf("prune the inbox: %w", err)
		}
		next, err := st.ReadInbox(ctx, p.From.Connection, p.From.Stream, cursor, 1)
		if err != nil {
			return 0, fmt.Errorf("prune the inbox: %w", err)
		}
		if len(next) > 0 {
			if keep := next[0].ReceivedAt.Add(-defaultInboxClockSkew); keep.Before(cut) {
				cut = keep // pipeline p has still to take it
			}
		}
	}
	n, err := st.PruneInbox(ctx, cut)
	if err != nil {
		return 0, fmt.Errorf("prune the inbox of entries received before %s: %w", cut.Format(time.RFC3339), err)
	}
	return n, nil
}
