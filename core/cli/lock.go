package cli

import (
	"errors"
	"fmt"
	"os"
	"syscall"
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
