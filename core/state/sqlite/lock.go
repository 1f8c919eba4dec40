package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// The writer lock is an exclusive flock(2) on the database file itself, not
// on a file beside it: a lock belongs to the file (its inode), so a second
// path to the same file — a symlink, "..", a hard link, a bind mount —
// meets the same lock. The kernel releases it when the process ends,
// however it ends. SQLite's own locks are POSIX record locks, which are
// independent of flock on Linux, so the two do not interfere.
//
// The holder writes who it is (pid, host, command, since) into the file's
// writer table, so that a refused writer can say which process to wait for.

// lockFile opens the real file behind path and takes its writer lock
// without waiting. The returned file holds the lock until it is closed.
func lockFile(path string) (*os.File, string, error) {
	real, err := realPath(path)
	if err != nil {
		return nil, "", err
	}
	f, err := os.OpenFile(real, os.O_RDWR, 0)
	if err != nil {
		return nil, "", fmt.Errorf("state: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, real, errLocked
		}
		return nil, "", fmt.Errorf("state: lock %s: %w", path, err)
	}
	return f, real, nil
}

// errLocked is lockFile's refusal before Open words it.
var errLocked = errors.New("locked")

// realPath resolves symlinks and "..": the file a path really names.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("state: resolve %s: %w", path, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("state: resolve %s: %w", path, err)
	}
	return real, nil
}

// holder is who holds a file's writer lock, as it wrote in the file.
type holder struct {
	pid     int
	host    string
	command string
	since   time.Time
}

func (h holder) String() string {
	if h.pid == 0 {
		return "another process (it has not said who it is yet)"
	}
	s := fmt.Sprintf("pid %d", h.pid)
	if host, _ := os.Hostname(); h.host != "" && h.host != host {
		s += " on " + h.host
	}
	if h.command != "" {
		s += fmt.Sprintf(" (%s)", h.command)
	}
	if !h.since.IsZero() {
		s += ", since " + h.since.Local().Format("2006-01-02 15:04:05")
	}
	return s
}

// writeHolder records this process as the holder of the writer lock.
func (s *Store) writeHolder(ctx context.Context) error {
	host, _ := os.Hostname()
	cmd := strings.Join(os.Args, " ")
	if len(cmd) > 200 {
		cmd = cmd[:200] + "…"
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO writer (id, pid, host, command, since) VALUES (1, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, command = excluded.command, since = excluded.since`,
			os.Getpid(), host, cmd, nowMS())
		return err
	})
	if err != nil {
		return err
	}
	// Into the main file at once: a process that reaches the file through
	// a hard link does not see this path's -wal file.
	_, err = s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	return err
}

// readHolder reads who holds the writer lock, through a read-only
// connection; a file without the table (an older cxhub holds it) gives a
// zero holder.
func readHolder(path string) holder {
	db, err := sql.Open("sqlite3", dsn(path, "mode=ro&_busy_timeout=2000"))
	if err != nil {
		return holder{}
	}
	defer db.Close()
	var (
		h     holder
		since int64
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.QueryRowContext(ctx, `SELECT pid, host, command, since FROM writer WHERE id = 1`).
		Scan(&h.pid, &h.host, &h.command, &since); err != nil {
		return holder{}
	}
	h.since = fromMS(since)
	return h
}

// lockedError is Open's refusal of a second writer.
func lockedError(path, real string) error {
	where := path
	if real != "" && real != path {
		if abs, _ := filepath.Abs(path); abs != real {
			where = fmt.Sprintf("%s (the file %s)", path, real)
		}
	}
	return fmt.Errorf("%w: state file %s is being written by %s: wait for it to finish, or stop it; "+
		"read-only commands (runs, dlq list, dlq show, state show) work meanwhile", state.ErrLocked, where, readHolder(real))
}
