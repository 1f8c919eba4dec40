package identity

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/sdk"
)

// indexer indexes the queue in the background: one transaction per few
// queued batches, which also marks them done (Tx.Dequeue), so a batch is
// indexed exactly once whenever the process stops.
type indexer struct {
	ix    *Index
	links LinkLookup

	mu       sync.Mutex
	changed  *sync.Cond
	enqueued int64 // the last seq this process queued
	done     int64 // the last seq indexed
	emptied  bool  // the queue was found empty once: what an earlier process left is indexed
	err      error // the last indexing failure, until one succeeds
	stopping bool
	last     time.Time // when this process last queued a batch
	backlog  int       // batches queued and not yet indexed, as far as this process knows
	waiters  int       // flushes waiting

	wake    chan struct{}
	stopped chan struct{}

	ahead *chunk // the next chunk, read while the last was written (run's goroutine only)
}

// queueChunk is how many queued batches one transaction indexes at most.
const queueChunk = 8

// The indexer gives way to the syncs that queue batches: it starts once
// no batch was queued for settle, or when maxBacklog batches wait, or when
// someone waits for it (a query, a $customer. field, Close). Resolving a
// record costs far more CPU than syncing it, and on a small machine the
// two would share the cores: the sync finishes first, the index catches
// up after (the bench reports both).
const (
	settle     = time.Second
	maxBacklog = 2000 // about a million records in batches of 500, on disk
)

// retryAfter is how long the indexer waits after a failure.
const retryAfter = time.Second

// startIndexer starts indexing the store's queue: what a previous process
// left in it first.
func (ix *Index) startIndexer(links LinkLookup) *indexer {
	w := &indexer{ix: ix, links: links, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	w.changed = sync.NewCond(&w.mu)
	go w.run()
	return w
}

func (w *indexer) run() {
	defer close(w.stopped)
	ctx := context.Background()
	for {
		w.waitTurn()
		n, err := w.step(ctx)
		w.mu.Lock()
		w.err = err
		if err == nil && n == 0 {
			w.emptied = true
		}
		stopping := w.stopping
		w.changed.Broadcast()
		w.mu.Unlock()
		switch {
		case err != nil && stopping:
			return // the next start indexes what is left
		case err != nil:
			select {
			case <-time.After(retryAfter):
			case <-w.wake:
			}
		case n == 0 && stopping:
			return
		case n == 0:
			<-w.wake
		}
	}
}

// waitTurn returns when the indexer should work (see settle).
func (w *indexer) waitTurn() {
	for {
		w.mu.Lock()
		quiet := time.Since(w.last)
		urgent := w.waiters > 0 || w.stopping || w.backlog >= maxBacklog || w.last.IsZero()
		w.mu.Unlock()
		if urgent || quiet >= settle {
			return
		}
		t := time.NewTimer(settle - quiet)
		select {
		case <-t.C:
		case <-w.wake:
			t.Stop()
		}
	}
}

// step indexes up to queueChunk queued batches in one transaction and
// returns how many. While the store writes them, the next chunk is read
// from the queue and prepared (fields extracted, identifiers normalised):
// CPU the store's writer does not use, so on two cores the two overlap.
func (w *indexer) step(ctx context.Context) (int, error) {
	w.mu.Lock()
	ix := w.ix
	w.mu.Unlock()
	c := w.ahead
	w.ahead = nil
	if c == nil || c.ix != ix {
		var err error
		if c, err = w.load(ctx, ix, 0); err != nil {
			return 0, err
		}
	}
	if c.items == 0 {
		return 0, nil
	}
	next := make(chan *chunk, 1)
	go func() {
		n, err := w.load(ctx, ix, c.last)
		if err != nil || n.items == 0 {
			n = nil // read again at the next step
		}
		next <- n
	}()
	n, err := w.apply(ctx, c)
	ahead := <-next
	if err != nil {
		return 0, err
	}
	w.ahead = ahead
	return n, nil
}

// chunk is queued batches read and prepared, to be indexed in one
// transaction.
type chunk struct {
	ix      *Index // whose rules prepared it
	items   int    // queue items
	last    int64  // the Seq of the last
	batches []*Batch
}

// load reads up to queueChunk queued batches after Seq after and
// prepares them: consecutive batches of one stream as one Batch, resolved
// together.
func (w *indexer) load(ctx context.Context, ix *Index, after int64) (*chunk, error) {
	items, err := ix.store.Queued(ctx, after, queueChunk)
	if err != nil || len(items) == 0 {
		return &chunk{ix: ix}, err
	}
	type run struct {
		from  Ref
		recs  []sdk.Record
		links map[string][]Link
	}
	var runs []run
	for _, it := range items {
		q, err := decodeQueued(it.Data)
		if err != nil {
			return nil, fmt.Errorf("customer index queue item %d: %w", it.Seq, err)
		}
		links, err := w.linksOf(ctx, ix, q)
		if err != nil {
			return nil, err
		}
		if n := len(runs); n > 0 && runs[n-1].from == q.from {
			r := &runs[n-1]
			r.recs = append(r.recs, q.recs...)
			for k, ls := range links {
				if r.links == nil {
					r.links = map[string][]Link{}
				}
				r.links[k] = append(r.links[k], ls...)
			}
			continue
		}
		runs = append(runs, run{from: q.from, recs: q.recs, links: links})
	}
	c := &chunk{ix: ix, items: len(items), last: items[len(items)-1].Seq}
	for _, r := range runs {
		// nil if the stream is no longer canonical data (a new config)
		c.batches = append(c.batches, ix.Prepare(r.from.Connection, r.from.Stream, r.recs, r.links))
	}
	return c, nil
}

// apply indexes a chunk and takes its items from the queue, in one
// transaction.
func (w *indexer) apply(ctx context.Context, c *chunk) (int, error) {
	err := c.ix.store.Update(ctx, func(tx Tx) error {
		if ok, err := tx.Dequeue(c.last); err != nil || !ok {
			return err // another indexer took them
		}
		_, err := c.ix.applyBatches(tx, c.batches)
		return err
	})
	if err != nil {
		return 0, err
	}
	w.mu.Lock()
	w.done = c.last
	w.backlog = max(0, w.backlog-c.items)
	w.mu.Unlock()
	return c.items, nil
}

// linksOf returns the core's links of a queued batch's records to its
// pipeline's destination, as refs.
func (w *indexer) linksOf(ctx context.Context, ix *Index, q queued) (map[string][]Link, error) {
	if w.links == nil || q.to.Connection == config.ProfilesConnection || !ix.rules.matches(MatchLinks) {
		return nil, nil
	}
	keys := make([]string, 0, len(q.recs))
	for _, r := range q.recs {
		if r.Key != "" {
			keys = append(keys, r.Key)
		}
	}
	from := engine.Endpoint{Connection: q.from.Connection, Stream: q.from.Stream}
	to := engine.Endpoint{Connection: q.to.Connection, Stream: q.to.Stream}
	ids, err := w.links(ctx, from, to, keys)
	if err != nil {
		return nil, fmt.Errorf("look up links: %w", err)
	}
	out := make(map[string][]Link, len(ids))
	for k, id := range ids {
		out[k] = []Link{{Ref{q.to.Connection, q.to.Stream, id}, "link " + q.pipeline}}
	}
	return out, nil
}

// use makes the indexer index under ix's rules and catalog from its next
// transaction on.
func (w *indexer) use(ix *Index) {
	w.mu.Lock()
	w.ix = ix
	w.mu.Unlock()
}

// enqueue queues a batch durably and wakes the indexer.
func (w *indexer) enqueue(ctx context.Context, q queued) error {
	w.mu.Lock()
	store := w.ix.store
	w.mu.Unlock()
	seq, err := store.Enqueue(ctx, q.encode())
	if err != nil {
		return fmt.Errorf("queue %s.%s for the customer index: %w", q.from.Connection, q.from.Stream, err)
	}
	w.mu.Lock()
	w.enqueued = max(w.enqueued, seq)
	w.last = time.Now()
	w.backlog++
	w.mu.Unlock()
	w.poke()
	return nil
}

func (w *indexer) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// flush waits until everything queued so far is indexed — by this
// process, or by an earlier one when this one queued nothing — and
// returns the indexer's failure if it has one. (The queue is first in,
// first out: once this process's last batch is indexed, so is everything
// before it.)
func (w *indexer) flush(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		w.mu.Lock()
		w.changed.Broadcast()
		w.mu.Unlock()
	})
	defer stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waiters++
	defer func() { w.waiters-- }()
	w.poke()
	target := w.enqueued
	indexed := func() bool { return target > 0 && w.done >= target || target == 0 && w.emptied }
	for w.err == nil && !indexed() && !w.stopping {
		if err := ctx.Err(); err != nil {
			return err
		}
		w.changed.Wait()
	}
	if w.err != nil {
		return fmt.Errorf("customer index: %w", w.err)
	}
	if !indexed() {
		return errors.New("customer index: stopped before indexing its queue")
	}
	return nil
}

// close indexes what is queued and stops; if ctx ends first it stops
// after the transaction under way, and the next start indexes the rest.
func (w *indexer) close(ctx context.Context) error {
	err := w.flush(ctx)
	w.mu.Lock()
	w.stopping = true
	w.mu.Unlock()
	w.poke()
	<-w.stopped
	return err
}
