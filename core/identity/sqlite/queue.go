package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/cxhub/cxhub/core/identity"
)

// openQueue opens the queue file (s.w must be open): it creates its table,
// deletes the items the index already took, and — should the queue file
// be new beside an index that took items from an older one — starts its
// seqs after those.
func (s *Store) openQueue(uri string) error {
	q, err := sql.Open("sqlite3", uri)
	if err != nil {
		return err
	}
	q.SetMaxOpenConns(1)
	s.q = q
	if _, err := q.Exec(queueSchema); err != nil {
		_ = q.Close()
		return fmt.Errorf("create tables: %w", err)
	}
	done, err := s.dequeued(context.Background(), s.w)
	if err != nil {
		_ = q.Close()
		return err
	}
	if _, err := q.Exec(`DELETE FROM queue WHERE seq <= ?`, done); err != nil {
		_ = q.Close()
		return err
	}
	var last int64
	err = q.QueryRow(`SELECT seq FROM sqlite_sequence WHERE name = 'queue'`).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = q.Exec(`INSERT INTO sqlite_sequence (name, seq) VALUES ('queue', ?)`, done)
	} else if err == nil && last < done {
		_, err = q.Exec(`UPDATE sqlite_sequence SET seq = ? WHERE name = 'queue'`, done)
	}
	if err != nil {
		_ = q.Close()
		return err
	}
	return nil
}

// dequeued is the last queue item the index took.
func (s *Store) dequeued(ctx context.Context, db *sql.DB) (int64, error) {
	var v string
	err := db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaDequeued).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("customer index: %w", err)
	}
	return strconv.ParseInt(v, 10, 64)
}

// Enqueue adds an item to the queue file: it waits only for other
// Enqueues, never for an Update.
func (s *Store) Enqueue(ctx context.Context, data []byte) (int64, error) {
	if s.q == nil {
		return 0, fmt.Errorf("customer index is open read-only")
	}
	res, err := s.q.ExecContext(ctx, `INSERT INTO queue (data) VALUES (?)`, data)
	if err != nil {
		return 0, fmt.Errorf("customer index queue: %w", err)
	}
	return res.LastInsertId()
}

// Queued returns up to limit items the index has not taken, oldest first.
func (s *Store) Queued(ctx context.Context, limit int) ([]identity.QueueItem, error) {
	if s.q == nil {
		return nil, fmt.Errorf("customer index is open read-only")
	}
	done, err := s.dequeued(ctx, s.r)
	if err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx, `SELECT seq, data FROM queue WHERE seq > ? ORDER BY seq LIMIT ?`, done, limit)
	if err != nil {
		return nil, fmt.Errorf("customer index queue: %w", err)
	}
	defer rows.Close()
	var out []identity.QueueItem
	for rows.Next() {
		var it identity.QueueItem
		if err := rows.Scan(&it.Seq, &it.Data); err != nil {
			return nil, fmt.Errorf("customer index queue: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Dequeue records, in the index's transaction, that the items up to upTo
// are taken; the queue file deletes them once it commits.
func (t *tx) Dequeue(upTo int64) (bool, error) {
	v, err := t.Meta(metaDequeued)
	if err != nil {
		return false, err
	}
	if done, _ := strconv.ParseInt(v, 10, 64); done >= upTo {
		return false, nil
	}
	if err := t.SetMeta(metaDequeued, strconv.FormatInt(upTo, 10)); err != nil {
		return false, err
	}
	t.dequeued = upTo
	return true, nil
}
