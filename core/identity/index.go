package identity

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cxhub/cxhub/sdk"
)

// Index resolves source records into customers over a Store. It is safe
// for concurrent use (the Store serialises writes).
type Index struct {
	store   Store
	rules   Rules
	catalog Catalog
	queue   *indexer // set by NewStage: indexes what the stage queues
}

// metaFingerprint is the Meta key of the rules the clusters were derived by.
const metaFingerprint = "rules_fingerprint"

// Open returns an index over store. If the store's clusters were derived
// under other rules, they are derived again first (Rebuild): no source
// record is lost, each ends in exactly one customer.
func Open(ctx context.Context, store Store, rules Rules, catalog Catalog) (*Index, error) {
	ix := &Index{store: store, rules: rules, catalog: catalog}
	var fp string
	if err := store.View(ctx, func(tx Tx) (err error) {
		fp, err = tx.Meta(metaFingerprint)
		return err
	}); err != nil {
		return nil, fmt.Errorf("open customer index: %w", err)
	}
	if fp == rules.Fingerprint() {
		return ix, nil
	}
	if err := ix.Rebuild(ctx); err != nil {
		return nil, err
	}
	return ix, nil
}

// Rules returns the index's rules.
func (ix *Index) Rules() Rules { return ix.rules }

// Catalog returns the streams the index knows.
func (ix *Index) Catalog() Catalog { return ix.catalog }

// FormatID is how a customer id is shown: "cx-42".
func FormatID(id int64) string { return "cx-" + strconv.FormatInt(id, 10) }

// ParseID reads a shown customer id ("cx-42"); false if s is not one.
func ParseID(s string) (int64, bool) {
	rest, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(s)), "cx-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil && n > 0
}

// Ingest indexes source records of a connection's stream, if the stream
// is canonical customer or interaction data (else it does nothing):
// upserts are kept (the latest version per key), deletes remove the
// record. links holds, by record key, refs the record is known to be (the
// core's links). It returns how many records it indexed.
func (ix *Index) Ingest(ctx context.Context, connection, stream string, recs []sdk.Record, links map[string][]Link) (int, error) {
	return ix.IngestBatches(ctx, ix.Prepare(connection, stream, recs, links))
}

// Batch is source records of one canonical stream made ready to index
// (Prepare): their fields extracted and their identifiers normalised.
// That needs no transaction, so a caller with records to spare prepares
// the next batch while the store writes the one before (the indexer
// does): on two cores the two overlap.
type Batch struct {
	ix     *Index // whose rules and catalog prepared it
	conn   string
	stream sdk.StreamSpec
	src    []sdk.Record
	links  map[string][]Link
	ops    []batchOp // records without a key or with a problem are left out: the engine dead-letters them
}

// batchOp is a delete of ref, or an upsert of rec with its identifiers.
type batchOp struct {
	del bool
	ref Ref
	rec Record
	ids []Identifier
}

// Prepare makes records of a connection's stream ready to index; nil if
// the stream is not canonical data or there are no records.
func (ix *Index) Prepare(connection, stream string, recs []sdk.Record, links map[string][]Link) *Batch {
	st, ok := ix.catalog.stream(connection, stream)
	if !ok || len(recs) == 0 {
		return nil
	}
	b := &Batch{ix: ix, conn: connection, stream: st, src: recs, links: links, ops: make([]batchOp, 0, len(recs))}
	for i := range recs {
		r := &recs[i]
		if r.Key == "" || r.Problem != "" {
			continue
		}
		if r.Op == sdk.Delete {
			b.ops = append(b.ops, batchOp{del: true, ref: Ref{connection, st.Name, r.Key}})
			continue
		}
		rec := ix.catalog.recordOf(ix.rules, connection, st, *r)
		rec.Links = append(rec.Links, links[r.Key]...)
		b.ops = append(b.ops, batchOp{rec: rec, ids: ix.identifiers(rec)})
	}
	return b
}

// IngestBatches indexes prepared batches in one transaction and returns
// how many records they held (nil batches are skipped). A batch prepared
// under other rules or streams (an index reopened since) is prepared again.
func (ix *Index) IngestBatches(ctx context.Context, batches ...*Batch) (int, error) {
	var n int
	err := ix.store.Update(ctx, func(tx Tx) (err error) {
		n, err = ix.applyBatches(tx, batches)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// applyBatches indexes prepared batches in tx; see IngestBatches.
func (ix *Index) applyBatches(tx Tx, batches []*Batch) (int, error) {
	n := 0
	for _, b := range batches {
		if b != nil && b.ix != ix {
			b = ix.Prepare(b.conn, b.stream.Name, b.src, b.links)
		}
		if b == nil {
			continue
		}
		if err := ix.ingest(tx, b); err != nil {
			return 0, fmt.Errorf("index %s.%s: %w", b.conn, b.stream.Name, err)
		}
		n += len(b.ops)
	}
	return n, nil
}

// ingest indexes a prepared batch in tx: runs of upserts are resolved
// together (putBatch), deletes in their place.
func (ix *Index) ingest(tx Tx, b *Batch) error {
	run := make([]Record, 0, len(b.ops))
	runIDs := make([][]Identifier, 0, len(b.ops))
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		err := ix.putBatch(tx, run, runIDs)
		run, runIDs = run[:0], runIDs[:0]
		return err
	}
	for _, op := range b.ops {
		if op.del {
			if err := flush(); err != nil {
				return err
			}
			if err := ix.remove(tx, op.ref); err != nil {
				return err
			}
			continue
		}
		run = append(run, op.rec)
		runIDs = append(runIDs, op.ids)
	}
	return flush()
}

// Put indexes records already made (tests use it), resolved together.
func (ix *Index) Put(ctx context.Context, recs ...Record) error {
	return ix.store.Update(ctx, func(tx Tx) error { return ix.putBatch(tx, recs, nil) })
}

// Remove deletes records from the index.
func (ix *Index) Remove(ctx context.Context, refs ...Ref) error {
	return ix.store.Update(ctx, func(tx Tx) error {
		for _, r := range refs {
			if err := ix.remove(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// OpenView returns an index over a store opened read-only: queries only,
// and no re-derivation when the rules changed (the writer does that on
// its next open).
func OpenView(store Store, rules Rules, catalog Catalog) *Index {
	return &Index{store: store, rules: rules, catalog: catalog}
}

// Flush waits until every batch queued so far (see Stage) is indexed, and
// returns the indexing's failure if there is one. Without a stage it
// returns at once.
func (ix *Index) Flush(ctx context.Context) error {
	if ix.queue == nil {
		return nil
	}
	return ix.queue.flush(ctx)
}

// Close indexes what is queued, until ctx ends, and stops the indexing;
// what is left is indexed by the next writer that opens the store with a
// stage. It does not close the store.
func (ix *Index) Close(ctx context.Context) error {
	if ix.queue == nil {
		return nil
	}
	return ix.queue.close(ctx)
}

// Reopen returns an index over the same store under new rules and
// catalog (a reloaded config), and makes the index's queue — stages made
// from this index or the new one — be indexed under them from now on. If
// the rules changed, the customers are derived again first (Rebuild).
func (ix *Index) Reopen(ctx context.Context, rules Rules, catalog Catalog) (*Index, error) {
	nx := &Index{store: ix.store, rules: rules, catalog: catalog, queue: ix.queue}
	if ix.queue != nil {
		ix.queue.use(nx)
	}
	if rules.Fingerprint() == ix.rules.Fingerprint() {
		return nx, nil
	}
	if err := nx.Rebuild(ctx); err != nil {
		return nil, err
	}
	return nx, nil
}
