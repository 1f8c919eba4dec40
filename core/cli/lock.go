package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/cxhub/cxhub/core/state"
)

// lockStateFile takes an exclusive lock beside the state file until the
// returned file is closed, so two cxhub processes never sync the same state
// at once. The kernel releases it when the process ends, however it ends.
func lockStateFile(statePath string) (*os.File, error) {
	path := statePath + ".lock"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock state file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another cxhub process is using the state file %s (lock %s held): wait for it to finish", statePath, path)
		}
		return nil, fmt.Errorf("lock state file %s: %w", path, err)
	}
	// The caller keeps f open (and locked) until it is done.
	return f, nil
}

// lockedStateStore opens the state file and takes its lock for the rest of
// the command. Holding the lock proves no other cxhub is running, so runs
// still marked running were left by a killed process: they are marked
// interrupted.
func (a *app) lockedStateStore(ctx context.Context) (*state.Store, error) {
	st, err := a.stateStore()
	if err != nil {
		return nil, err
	}
	if a.lock == nil {
		if a.lock, err = lockStateFile(st.Path()); err != nil {
			return nil, err
		}
		if _, err := st.InterruptRunning(ctx); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// settleLeftOverRuns marks runs left "running" by a killed process as
// interrupted, if no cxhub holds the state file now; a read-only command
// calls it so that what it shows is true.
func (a *app) settleLeftOverRuns(ctx context.Context, st *state.Store) {
	if a.lock != nil {
		return
	}
	f, err := lockStateFile(st.Path())
	if err != nil {
		return // someone is running: their runs are running
	}
	defer f.Close()
	if _, err := st.InterruptRunning(ctx); err != nil {
		a.logger().Warn("could not mark left-over runs interrupted", "error", err)
	}
}
