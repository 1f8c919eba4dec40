package postgres

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Commit records a batch's final outcome — links, dead letters, replayed
// and discarded dead letters, checkpoints, the inbox cursor and counts — in
// one transaction: all of it or none of it. See state.Store.
//
// The whole batch is one round trip: its statements (one per kind of row,
// each taking its rows as arrays, prepared once per connection) are sent
// together as a pgx.Batch between BEGIN and COMMIT. The context is looked
// at before the statements are sent, after their results and before
// COMMIT; COMMIT itself runs without the context's cancellation, so that
// Commit's answer is true: a failed Commit left nothing.
//
// Fencing: with a state.Fence in ctx (a worker under a lease), the batch's
// first statement checks the lease's token in the same transaction and
// locks its row until COMMIT; a stale token fails the batch with
// state.ErrFenced and nothing of it is written. See docs/scale-out.md.
func (s *Store) Commit(ctx context.Context, c state.Commit) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("state: commit batch: %w", err)
	}
	if s.readOnly {
		return fmt.Errorf("state: commit batch: %w", errReadOnly)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("state: commit batch: %w", err)
	}
	t := now()
	b := &pgx.Batch{}
	queueFence(ctx, b) // first: a fenced batch writes nothing
	queueLinks(b, c.Links, t)
	queueDeadLetters(b, &c, t)
	queueResolved(b, sqlReplayDeadLetters, "replayed", c.Replayed, t)
	queueResolved(b, sqlDiscardDeadLetters, "discarded", c.Discarded, t)
	queueCheckpoints(b, &c, t)
	queueConflicts(b, &c, t)
	if c.InboxCursor > 0 {
		b.Queue(sqlMoveInboxCursor, c.Pipeline, c.InboxCursor)
	}
	if c.RunID != 0 {
		n := c.Counts
		b.Queue(sqlAddCounts, n.Read, n.Filtered, n.Written, n.Created, n.Updated, n.DeadLettered, n.Retries, n.Restarts,
			c.RunID, c.Pipeline, n.Unchanged, n.Echo).Exec(func(ct pgconn.CommandTag) error {
			if ct.RowsAffected() == 0 {
				if c.Pipeline != "" {
					return fmt.Errorf("run %d of pipeline %s: %w", c.RunID, c.Pipeline, state.ErrNotFound)
				}
				return fmt.Errorf("run %d: %w", c.RunID, state.ErrNotFound)
			}
			return nil
		})
	}
	if b.Len() == 0 {
		return nil
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		// A batch whose context ended while it ran is not committed.
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("state: commit batch: %w", err)
	}
	return nil
}

// linkChunk is the most links one statement upserts.
const linkChunk = 5000

// sqlUpsertLinks upserts the links of one pair of streams: $5 to $8 are
// the source keys, destination ids, and fingerprints' scopes (” without
// one) and data. It writes only when the destination id or the
// fingerprint changes: relinking a record to the same object without a
// new fingerprint rewrites no row. A link without a fingerprint keeps the
// stored one, unless it points at a new object.
const sqlUpsertLinks = `INSERT INTO cxhub.links AS l
	(src_connection, src_stream, dst_connection, dst_stream, src_key, dst_id, fp_scope, fingerprint, created_at, updated_at)
SELECT $1, $2, $3, $4, u.k, u.d, nullif(u.s, ''), CASE WHEN u.s = '' THEN NULL ELSE u.f END, $9, $9
FROM unnest($5::bytea[], $6::bytea[], $7::text[], $8::bytea[]) AS u(k, d, s, f)
ON CONFLICT (src_connection, src_stream, dst_connection, dst_stream, src_key) DO UPDATE SET
	dst_id = excluded.dst_id,
	updated_at = CASE WHEN l.dst_id <> excluded.dst_id THEN excluded.updated_at ELSE l.updated_at END,
	fp_scope = CASE WHEN excluded.fp_scope IS NULL AND l.dst_id = excluded.dst_id THEN l.fp_scope ELSE excluded.fp_scope END,
	fingerprint = CASE WHEN excluded.fp_scope IS NULL AND l.dst_id = excluded.dst_id THEN l.fingerprint ELSE excluded.fingerprint END
WHERE l.dst_id <> excluded.dst_id
	OR (excluded.fp_scope IS NOT NULL AND (l.fingerprint IS DISTINCT FROM excluded.fingerprint OR l.fp_scope IS DISTINCT FROM excluded.fp_scope))`

// streams is the pair of streams a link joins.
type streams struct{ srcConn, srcStream, dstConn, dstStream string }

// queueLinks queues one upsert per pair of streams (the common batch has
// one). A key linked several times in the batch keeps its last link —
// PostgreSQL refuses to upsert one row twice in a statement — and keys
// are sent sorted, so that concurrent commits lock rows in one order and
// cannot deadlock.
func queueLinks(b *pgx.Batch, links []state.Link, t time.Time) {
	if len(links) == 0 {
		return
	}
	var order []streams
	groups := map[streams]map[string]state.Link{}
	for _, l := range links {
		g := streams{l.SrcConnection, l.SrcStream, l.DstConnection, l.DstStream}
		m := groups[g]
		if m == nil {
			m = make(map[string]state.Link, len(links))
			groups[g] = m
			order = append(order, g)
		}
		m[l.SrcKey] = l
	}
	for _, g := range order {
		m := groups[g]
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for len(keys) > 0 {
			chunk := keys[:min(len(keys), linkChunk)]
			keys = keys[len(chunk):]
			ks := make([][]byte, len(chunk))
			ids := make([][]byte, len(chunk))
			scopes := make([]string, len(chunk))
			fps := make([][]byte, len(chunk))
			for i, k := range chunk {
				l := m[k]
				ks[i], ids[i] = []byte(k), []byte(l.DstID)
				if l.Fingerprint != nil {
					scopes[i], fps[i] = l.Scope, l.Fingerprint
				}
			}
			b.Queue(sqlUpsertLinks, g.srcConn, g.srcStream, g.dstConn, g.dstStream, ks, ids, scopes, fps, t)
		}
	}
}

// sqlInsertDeadLetters inserts new dead letters, pending, with ids in the
// order given.
const sqlInsertDeadLetters = `INSERT INTO cxhub.dead_letters
	(pipeline, run_id, stream, key, op, data, record_updated_at, error_kind, error, source_problem, attempts, status, created_at, last_tried_at)
SELECT u.pipeline, u.run_id, u.stream, u.key, u.op, u.data, u.updated, u.kind, u.err, u.source, u.attempts, 'pending', $12, u.tried
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bytea[], $5::text[], $6::bytea[], $7::timestamptz[],
	$8::text[], $9::text[], $10::boolean[], $11::integer[], $13::timestamptz[])
	WITH ORDINALITY AS u(pipeline, run_id, stream, key, op, data, updated, kind, err, source, attempts, tried, ord)
ORDER BY u.ord`

// sqlRetryDeadLetters records failed replays: the new error, one more
// attempt (or the caller's total, if larger), still pending.
const sqlRetryDeadLetters = `UPDATE cxhub.dead_letters d
SET error_kind = u.kind, error = u.err, attempts = greatest(d.attempts + 1, u.attempts), last_tried_at = u.tried, status = 'pending'
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::integer[], $5::timestamptz[]) AS u(id, kind, err, attempts, tried)
WHERE d.id = u.id
RETURNING d.id`

// A successful replay counts as an attempt too.
const sqlReplayDeadLetters = `UPDATE cxhub.dead_letters SET status = 'replayed', attempts = attempts + 1, last_tried_at = $1
WHERE id = ANY($2::bigint[]) RETURNING id`

// A replay that the pipeline's filter now drops: nothing to write.
const sqlDiscardDeadLetters = `UPDATE cxhub.dead_letters SET status = 'discarded', attempts = attempts + 1, last_tried_at = $1
WHERE id = ANY($2::bigint[]) RETURNING id`

// queueDeadLetters queues the insert of new dead letters and the update of
// failed replays.
func queueDeadLetters(b *pgx.Batch, c *state.Commit, t time.Time) {
	var (
		pipelines, streams, ops, kinds, errs []string
		runs                                 []*int64
		keys, data                           [][]byte
		updated, tried                       []*time.Time
		sources                              []bool
		attempts                             []int32
		retries                              []state.DeadLetter
	)
	for _, d := range c.DeadLetters {
		if d.ID != 0 {
			retries = append(retries, d)
			continue
		}
		pipeline := d.Pipeline
		if pipeline == "" {
			pipeline = c.Pipeline
		}
		var run *int64
		if id := d.RunID; id != 0 {
			run = &id
		} else if c.RunID != 0 {
			run = &c.RunID
		}
		triedAt := t
		if !d.LastTriedAt.IsZero() {
			triedAt = d.LastTriedAt
		}
		pipelines = append(pipelines, pipeline)
		runs = append(runs, run)
		streams = append(streams, d.Stream)
		keys = append(keys, []byte(d.Key))
		ops = append(ops, d.Op)
		data = append(data, d.Data)
		updated = append(updated, optTime(d.UpdatedAt))
		kinds = append(kinds, message(d.ErrorKind))
		errs = append(errs, message(d.Error))
		sources = append(sources, d.SourceProblem)
		attempts = append(attempts, int32(max(d.Attempts, 1)))
		tried = append(tried, &triedAt)
	}
	if len(pipelines) > 0 {
		b.Queue(sqlInsertDeadLetters, pipelines, runs, streams, keys, ops, data, updated, kinds, errs, sources, attempts, t, tried)
	}
	// One statement updates a row once: a dead letter retried twice in a
	// batch takes a second round, so that both tries count.
	for len(retries) > 0 {
		seen := map[int64]bool{}
		var ids []int64
		var kinds, errs []string
		var attempts []int32
		var tried []time.Time
		var later []state.DeadLetter
		for _, d := range retries {
			if seen[d.ID] {
				later = append(later, d)
				continue
			}
			seen[d.ID] = true
			triedAt := t
			if !d.LastTriedAt.IsZero() {
				triedAt = d.LastTriedAt
			}
			ids = append(ids, d.ID)
			kinds = append(kinds, message(d.ErrorKind))
			errs = append(errs, message(d.Error))
			attempts = append(attempts, int32(d.Attempts))
			tried = append(tried, triedAt)
		}
		b.Queue(sqlRetryDeadLetters, ids, kinds, errs, attempts, tried).Query(expectIDs("dead letter", ids))
		retries = later
	}
}

// queueResolved queues the update of replayed or discarded dead letters.
func queueResolved(b *pgx.Batch, query, what string, ids []int64, t time.Time) {
	if len(ids) == 0 {
		return
	}
	b.Queue(query, t, ids).Query(expectIDs(what+" dead letter", ids))
}

// expectIDs checks that a statement's RETURNING ids cover every id asked:
// a missing one is ErrNotFound, and fails the batch.
func expectIDs(what string, ids []int64) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		found := make(map[int64]bool, len(got))
		for _, id := range got {
			found[id] = true
		}
		for _, id := range ids {
			if !found[id] {
				return fmt.Errorf("%s %d: %w", what, id, state.ErrNotFound)
			}
		}
		return nil
	}
}

const sqlUpsertCheckpoints = `INSERT INTO cxhub.checkpoints (pipeline, stream, state, updated_at)
SELECT u.p, u.s, u.st, $4 FROM unnest($1::text[], $2::text[], $3::bytea[]) AS u(p, s, st)
ON CONFLICT (pipeline, stream) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`

// queueCheckpoints queues the upsert of the checkpoints, the last one of a
// stream winning.
func queueCheckpoints(b *pgx.Batch, c *state.Commit, t time.Time) {
	if len(c.Checkpoints) == 0 {
		return
	}
	type ps struct{ pipeline, stream string }
	at := map[ps]int{}
	var pipelines, streams []string
	var states [][]byte
	for _, cp := range c.Checkpoints {
		pipeline := cp.Pipeline
		if pipeline == "" {
			pipeline = c.Pipeline
		}
		st := cp.State
		if st == nil {
			st = []byte{}
		}
		if i, ok := at[ps{pipeline, cp.Stream}]; ok {
			states[i] = st
			continue
		}
		at[ps{pipeline, cp.Stream}] = len(pipelines)
		pipelines = append(pipelines, pipeline)
		streams = append(streams, cp.Stream)
		states = append(states, st)
	}
	b.Queue(sqlUpsertCheckpoints, pipelines, streams, states, t)
}

// sqlMoveInboxCursor moves a pipeline's inbox cursor forward, never back.
const sqlMoveInboxCursor = `INSERT INTO cxhub.inbox_cursors AS c (pipeline, last_id) VALUES ($1, $2)
ON CONFLICT (pipeline) DO UPDATE SET last_id = greatest(c.last_id, excluded.last_id)`

const sqlAddCounts = `UPDATE cxhub.runs SET
	n_read = n_read + $1, n_filtered = n_filtered + $2, n_written = n_written + $3,
	n_created = n_created + $4, n_updated = n_updated + $5, n_dead_lettered = n_dead_lettered + $6,
	n_retries = n_retries + $7, n_restarts = n_restarts + $8,
	n_unchanged = n_unchanged + $11, n_echo = n_echo + $12
WHERE id = $9 AND ($10::text = '' OR pipeline = $10::text)`
