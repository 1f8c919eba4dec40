package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// inboxLock is the key of the advisory lock that serialises appends to the
// inbox: "cxhbinbx".
const inboxLock int64 = 0x63786862696e6278

const sqlAppendInbox = `INSERT INTO cxhub.inbox
	(connection, stream, key, op, data, record_updated_at, delivery_id, problem, received_at)
SELECT u.connection, u.stream, u.key, u.op, u.data, u.updated, u.delivery, u.problem, u.received
FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[], $5::bytea[], $6::timestamptz[], $7::bytea[], $8::text[], $9::timestamptz[])
	WITH ORDINALITY AS u(connection, stream, key, op, data, updated, delivery, problem, received, ord)
ORDER BY u.ord
ON CONFLICT DO NOTHING`

// AppendInbox stores pushed records in one transaction; see state.Store.
//
// Appends are serialised by an advisory lock held until COMMIT, so that
// inbox ids become visible in increasing order: with concurrent appenders
// (webhooks arriving at several workers), a transaction could otherwise
// commit id 9 after another committed id 10, and a pipeline that had moved
// its cursor to 10 would never take 9.
func (s *Store) AppendInbox(ctx context.Context, entries []state.InboxEntry) (int, error) {
	for _, e := range entries {
		if err := e.Validate(); err != nil {
			return 0, fmt.Errorf("state: append to inbox: %w", err)
		}
	}
	if len(entries) == 0 {
		return 0, nil
	}
	t := now()
	n := len(entries)
	var (
		conns, streams, ops, problems = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		keys, data, deliveries        = make([][]byte, n), make([][]byte, n), make([][]byte, n)
		updated                       = make([]*time.Time, n)
		received                      = make([]time.Time, n)
	)
	for i, e := range entries {
		conns[i], streams[i], ops[i], problems[i] = e.Connection, e.Stream, e.Op, message(e.Problem)
		keys[i], data[i], deliveries[i] = []byte(e.Key), e.Data, []byte(e.DeliveryID)
		updated[i] = optTime(e.UpdatedAt)
		received[i] = t
		if !e.ReceivedAt.IsZero() {
			received[i] = e.ReceivedAt
		}
	}
	added := 0
	err := s.write(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`SELECT pg_advisory_xact_lock($1)`, inboxLock)
		b.Queue(sqlAppendInbox, conns, streams, keys, ops, data, updated, deliveries, problems, received).
			Exec(func(ct pgconn.CommandTag) error {
				added = int(ct.RowsAffected())
				return nil
			})
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return 0, fmt.Errorf("state: append to inbox: %w", err)
	}
	return added, nil
}

// ReadInbox returns a stream's entries after an id; see state.Store.
func (s *Store) ReadInbox(ctx context.Context, connection, stream string, after int64, limit int) ([]state.InboxEntry, error) {
	if limit <= 0 {
		limit = 500
	}
	rows, err := s.pool.Query(ctx, `SELECT id, connection, stream, key, op, data, record_updated_at, delivery_id, problem, received_at
		FROM cxhub.inbox WHERE connection = $1 AND stream = $2 AND id > $3 ORDER BY id LIMIT $4`, connection, stream, after, limit)
	if err != nil {
		return nil, fmt.Errorf("state: read inbox of %s/%s: %w", connection, stream, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (state.InboxEntry, error) {
		var (
			e             state.InboxEntry
			key, delivery []byte
			updated       *time.Time
		)
		err := row.Scan(&e.ID, &e.Connection, &e.Stream, &key, &e.Op, &e.Data, &updated, &delivery, &e.Problem, &e.ReceivedAt)
		e.Key, e.DeliveryID = string(key), string(delivery)
		e.UpdatedAt = fromOptTime(updated)
		e.ReceivedAt = utc(e.ReceivedAt)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("state: read inbox of %s/%s: %w", connection, stream, err)
	}
	return out, nil
}

// InboxCursor returns the last entry the pipeline committed; see state.Store.
func (s *Store) InboxCursor(ctx context.Context, pipeline string) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(last_id), 0) FROM cxhub.inbox_cursors WHERE pipeline = $1`, pipeline).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("state: inbox cursor of %s: %w", pipeline, err)
	}
	return id, nil
}

// PruneInbox removes entries received before a time; see state.Store.
func (s *Store) PruneInbox(ctx context.Context, before time.Time) (int64, error) {
	if s.readOnly {
		return 0, fmt.Errorf("state: prune inbox: %w", errReadOnly)
	}
	ct, err := s.pool.Exec(ctx, `DELETE FROM cxhub.inbox WHERE received_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("state: prune inbox: %w", err)
	}
	return ct.RowsAffected(), nil
}
