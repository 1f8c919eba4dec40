package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

const sqlAddCounts = `UPDATE runs SET
	n_read = n_read + ?1, n_filtered = n_filtered + ?2, n_written = n_written + ?3,
	n_created = n_created + ?4, n_updated = n_updated + ?5, n_dead_lettered = n_dead_lettered + ?6,
	n_retries = n_retries + ?7, n_restarts = n_restarts + ?8,
	n_unchanged = n_unchanged + ?11, n_echo = n_echo + ?12
	WHERE id = ?9 AND (?10 = '' OR pipeline = ?10)`

// Commit records a batch's final outcome: links, dead letters, replayed
// dead letters, checkpoints and counts, in one transaction. If anything
// fails (a constraint, an unknown run or dead letter, the context), nothing
// of it is written.
//
// This is the delivery guarantee: a checkpoint must only ever be committed
// together with the outcome of every record before it.
func (s *Store) Commit(ctx context.Context, c Commit) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("state: commit batch: %w", err)
	}
	if s.w == nil {
		return fmt.Errorf("state: commit batch: %w", errReadOnly)
	}
	links, err := s.linkStmts(ctx, c.Links)
	if err != nil {
		return fmt.Errorf("state: commit batch: %w", err)
	}
	s.routes.mark(c.Links) // before the transaction: see linkRoutes
	if err := s.write(ctx, func(tx *sql.Tx) error { return s.commit(ctx, tx, &c, links) }); err != nil {
		return fmt.Errorf("state: commit batch: %w", err)
	}
	return nil
}

// cancelCheckEvery is how many rows Commit writes between two looks at its
// context.
const cancelCheckEvery = 64

func (s *Store) commit(ctx context.Context, tx *sql.Tx, c *Commit, linkStmts map[linkStmtKey]*sql.Stmt) error {
	if err := checkFence(ctx, tx); err != nil {
		return err // first: a fenced batch writes nothing
	}
	now := nowMS()
	// The statements run with a context that is never cancelled, and ctx
	// is looked at between them instead (every cancelCheckEvery rows): the
	// driver starts a goroutine per statement to watch a cancellable
	// context, a fifth of the CPU time of a batch. A cancelled ctx also
	// makes database/sql roll the transaction back, after which every
	// statement fails.
	ectx := context.WithoutCancel(ctx)
	check := func(i int) error {
		if i%cancelCheckEvery == 0 {
			return ctx.Err()
		}
		return nil
	}

	if err := writeLinks(ctx, ectx, tx, linkStmts, c.Links, now); err != nil {
		return err
	}

	for i, cf := range c.Conflicts {
		if err := check(i); err != nil {
			return err
		}
		runID := cf.RunID
		if runID == 0 {
			runID = c.RunID
		}
		pipeline := cf.Pipeline
		if pipeline == "" {
			pipeline = c.Pipeline
		}
		if _, err := tx.ExecContext(ectx, sqlInsertConflict, cf.Sync, pipeline, sql.NullInt64{Int64: runID, Valid: runID != 0},
			cf.Connection, cf.Stream, cf.Key, cf.Field, cf.ValueA, cf.ValueB, cf.Rule, cf.Winner, now); err != nil {
			return fmt.Errorf("conflict %s/%q field %s: %w", cf.Stream, cf.Key, cf.Field, err)
		}
	}

	for i, ch := range c.Chosen {
		if err := check(i); err != nil {
			return err
		}
		res, err := tx.ExecContext(ectx, `UPDATE conflicts SET winner = ?1 WHERE id = ?2 AND winner = ''`, ch.Winner, ch.ID)
		if err := oneRow(res, err); err != nil {
			return fmt.Errorf("conflict %d: not parked: %w", ch.ID, err)
		}
	}

	if len(c.DeadLetters) > 0 {
		ins := tx.StmtContext(ectx, s.insertDeadLetter)
		retry := tx.StmtContext(ectx, s.retryDeadLetter)
		for i, d := range c.DeadLetters {
			if err := check(i); err != nil {
				return err
			}
			tried := now
			if !d.LastTriedAt.IsZero() {
				tried = ms(d.LastTriedAt)
			}
			if d.ID != 0 {
				res, err := retry.ExecContext(ectx, d.ErrorKind, d.Error, d.Attempts, tried, d.ID)
				if err := oneRow(res, err); err != nil {
					return fmt.Errorf("dead letter %d: %w", d.ID, err)
				}
				continue
			}
			pipeline := d.Pipeline
			if pipeline == "" {
				pipeline = c.Pipeline
			}
			runID := d.RunID
			if runID == 0 {
				runID = c.RunID
			}
			attempts := max(d.Attempts, 1)
			if _, err := ins.ExecContext(ectx, pipeline, sql.NullInt64{Int64: runID, Valid: runID != 0},
				d.Stream, d.Key, d.Op, d.Data, nullMS(d.UpdatedAt), d.ErrorKind, d.Error, d.SourceProblem,
				attempts, now, tried); err != nil {
				return fmt.Errorf("dead letter %s/%q: %w", d.Stream, d.Key, err)
			}
		}
	}

	for _, resolved := range []struct {
		ids  []int64
		stmt *sql.Stmt
		what string
	}{{c.Replayed, s.replayDeadLetter, "replayed"}, {c.Discarded, s.discardDeadLetter, "discarded"}} {
		if len(resolved.ids) == 0 {
			continue
		}
		st := tx.StmtContext(ectx, resolved.stmt)
		for i, id := range resolved.ids {
			if err := check(i); err != nil {
				return err
			}
			res, err := st.ExecContext(ectx, now, id)
			if err := oneRow(res, err); err != nil {
				return fmt.Errorf("%s dead letter %d: %w", resolved.what, id, err)
			}
		}
	}

	if len(c.Checkpoints) > 0 {
		st := tx.StmtContext(ectx, s.upsertCheckpoint)
		for i, cp := range c.Checkpoints {
			if err := check(i); err != nil {
				return err
			}
			pipeline := cp.Pipeline
			if pipeline == "" {
				pipeline = c.Pipeline
			}
			state := cp.State
			if state == nil {
				state = []byte{}
			}
			if _, err := st.ExecContext(ectx, pipeline, cp.Stream, state, now); err != nil {
				return fmt.Errorf("checkpoint %s/%s: %w", pipeline, cp.Stream, err)
			}
		}
	}

	if c.InboxCursor > 0 {
		if _, err := tx.ExecContext(ectx, sqlMoveInboxCursor, c.Pipeline, c.InboxCursor); err != nil {
			return fmt.Errorf("inbox cursor of %s: %w", c.Pipeline, err)
		}
	}

	if c.RunID != 0 {
		n := c.Counts
		res, err := tx.StmtContext(ectx, s.addCounts).ExecContext(ectx,
			n.Read, n.Filtered, n.Written, n.Created, n.Updated, n.DeadLettered, n.Retries, n.Restarts,
			c.RunID, c.Pipeline, n.Unchanged, n.Echo)
		if err := oneRow(res, err); err != nil {
			if errors.Is(err, ErrNotFound) && c.Pipeline != "" {
				return fmt.Errorf("run %d of pipeline %s: %w", c.RunID, c.Pipeline, err)
			}
			return fmt.Errorf("run %d: %w", c.RunID, err)
		}
	}
	// A last look before COMMIT: a batch whose context has ended is not
	// committed.
	return ctx.Err()
}

// oneRow checks that a statement changed exactly one row; none is
// ErrNotFound.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
