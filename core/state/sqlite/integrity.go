package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// A damaged file must be refused before anything is written to it: a
// page-level corruption can read as extra or missing links, which a sync
// would then act on. PRAGMA quick_check finds it, but costs about a second
// per million links, too much for every command. So a writer that closes
// cleanly leaves a mark beside the file (<file>.clean) with the file's size
// and modification time as it left them; the next Open that finds the mark
// matching skips the check, and removes the mark. Any other case — the
// previous writer died, or something changed the file since (a restore, a
// bad disk, a stray write) — runs quick_check, and a file that fails it is
// refused, untouched.

// quickChecks counts the integrity checks Open ran (for tests).
var quickChecks atomic.Int64

// cleanMark is what a clean close leaves beside the file.
type cleanMark struct {
	Size    int64 `json:"size"`
	ModTime int64 `json:"mtime_ns"`
}

func cleanMarkPath(real string) string { return real + ".clean" }

// takeCleanMark reports whether the file is as a clean close left it, and
// removes the mark: from now on the file is being written.
func takeCleanMark(real string) bool {
	b, err := os.ReadFile(cleanMarkPath(real))
	if err != nil {
		return false
	}
	_ = os.Remove(cleanMarkPath(real))
	var m cleanMark
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	fi, err := os.Stat(real)
	if err != nil {
		return false
	}
	if _, err := os.Stat(real + "-wal"); err == nil {
		return false // a clean close leaves no WAL behind
	}
	return fi.Size() == m.Size && fi.ModTime().UnixNano() == m.ModTime
}

// leaveCleanMark records the file as a clean close leaves it.
func leaveCleanMark(real string) {
	fi, err := os.Stat(real)
	if err != nil {
		return
	}
	if _, err := os.Stat(real + "-wal"); err == nil {
		return
	}
	b, _ := json.Marshal(cleanMark{Size: fi.Size(), ModTime: fi.ModTime().UnixNano()})
	_ = os.WriteFile(cleanMarkPath(real), b, 0o600)
}

// quickCheck runs PRAGMA quick_check through a read-only connection and
// refuses a file that fails it.
func quickCheck(path string) error {
	quickChecks.Add(1)
	db, err := sql.Open("sqlite3", dsn(path, "mode=ro&_busy_timeout=5000"))
	if err != nil {
		return fmt.Errorf("state: open %s: %w", path, err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check(20)")
	if err != nil {
		return damaged(path, err.Error())
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return damaged(path, err.Error())
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return damaged(path, err.Error())
	}
	if len(problems) > 0 {
		return damaged(path, strings.Join(problems, "; "))
	}
	return nil
}

// ErrDamaged is matched (errors.Is) by the error Open returns for a state
// file that fails SQLite's integrity check. Such a file is never written to.
var ErrDamaged = errors.New("state file damaged")

func damaged(path, detail string) error {
	if len(detail) > 500 {
		detail = detail[:500] + "…"
	}
	return &openError{
		msg: fmt.Sprintf("state file %s is damaged (SQLite's integrity check: %s): nothing was written to it; "+
			"restore it from a backup, or move it aside to start afresh (every pipeline then reads everything again)", path, detail),
		kind: ErrDamaged,
	}
}
