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
// nothing it has to take is lost. Webhooks are never dropped unseen, so
// the server keeps them, and says so: each prune warns in the log of
// every pipeline holding the pruning back (once an hour while it lasts),
// sets cxhub_inbox_prune_held_back{pipeline} to 1 and fires the monitor's
// inbox_retention_held alert, which resolves once the pipeline has taken
// them or leaves the config. (Pruning the other streams meanwhile needs a
// prune by stream in the store, which state.Store does not have.)
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
	warned := map[string]time.Time{} // pipeline → when its hold was last logged
	for {
		if err := s.pruneInboxOnce(ctx, time.Now(), warned); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("inbox not pruned", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// inboxHoldWarnEvery is how often a hold on the inbox pruning is logged
// again while it lasts.
const inboxHoldWarnEvery = time.Hour

// pruneInboxOnce prunes the inbox, then tells the admin of every pipeline
// that holds the pruning back (see inboxHold), and of every one that no
// longer does: a warning in the log (again every inboxHoldWarnEvery while
// it lasts; warned records when), the gauge cxhub_inbox_prune_held_back
// and the monitor's inbox_retention_held alert.
func (s *Server) pruneInboxOnce(ctx context.Context, now time.Time, warned map[string]time.Time) error {
	n, holds, err := s.pruneInbox(ctx, now)
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Info("inbox pruned", "removed", n)
	}
	cfg, err := s.hub.Config()
	if err != nil {
		return fmt.Errorf("report the inbox pruning: %w", err)
	}
	for _, p := range cfg.Pipelines {
		since, held := holds[p.Name]
		if s.opts.Metrics != nil {
			s.opts.Metrics.InboxHeldBack(p.Name, held)
		}
		if s.opts.Monitor != nil {
			s.opts.Monitor.InboxHeld(ctx, p.Name, since, s.opts.InboxRetention)
		}
		switch {
		case held && now.Sub(warned[p.Name]) >= inboxHoldWarnEvery:
			warned[p.Name] = now
			s.log.Warn("inbox pruning held back: a pipeline has webhook records older than the retention still to take",
				"pipeline", p.Name, "oldest", since.UTC().Format(time.RFC3339), "retention", s.opts.InboxRetention,
				"fix", "resume the pipeline or fix what fails its runs, so that it takes them; remove it from the config if it is gone for good")
		case !held && !warned[p.Name].IsZero():
			delete(warned, p.Name)
			s.log.Info("inbox pruning no longer held back", "pipeline", p.Name)
		}
	}
	for name := range warned {
		if _, ok := cfg.Pipeline(name); !ok {
			delete(warned, name)
		}
	}
	return nil
}

// pruneInbox removes the inbox entries older than the retention at now
// that no pipeline of the config has still to take, and returns how many
// it removed and the holds: for each pipeline with an entry older than
// the retention still to take, when the oldest it has still to take was
// received. Such a pipeline holds back the pruning of the whole inbox.
func (s *Server) pruneInbox(ctx context.Context, now time.Time) (int64, map[string]time.Time, error) {
	cfg, err := s.hub.Config()
	if err != nil {
		return 0, nil, fmt.Errorf("prune the inbox: %w", err)
	}
	st, err := s.hub.Store()
	if err != nil {
		return 0, nil, fmt.Errorf("prune the inbox: %w", err)
	}
	retained := now.Add(-s.opts.InboxRetention)
	cut := retained
	holds := map[string]time.Time{}
	for _, p := range cfg.Pipelines {
		cursor, err := st.InboxCursor(ctx, p.Name)
		if err != nil {
			return 0, nil, fmt.Errorf("prune the inbox: %w", err)
		}
		next, err := st.ReadInbox(ctx, p.From.Connection, p.From.Stream, cursor, 1)
		if err != nil {
			return 0, nil, fmt.Errorf("prune the inbox: %w", err)
		}
		if len(next) == 0 {
			continue
		}
		if keep := next[0].ReceivedAt.Add(-defaultInboxClockSkew); keep.Before(cut) {
			cut = keep // pipeline p has still to take it
		}
		if next[0].ReceivedAt.Before(retained) {
			holds[p.Name] = next[0].ReceivedAt
		}
	}
	n, err := st.PruneInbox(ctx, cut)
	if err != nil {
		return 0, nil, fmt.Errorf("prune the inbox of entries received before %s: %w", cut.Format(time.RFC3339), err)
	}
	return n, holds, nil
}
