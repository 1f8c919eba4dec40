package plugins

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/cxhub/cxhub/sdk"
)

// trust is where a Host's lockfile is. The file is read at every start, so
// that a long-running command (cxhub run) sees a re-lock without a restart,
// and a command that starts no plugin never reads it.
type trust struct {
	path   string // the lockfile, as shown in messages; "" = none (no checks, no warning)
	relock string // the command that writes the lockfile anew

	warnOnce sync.Once // the warning that there is no lockfile
}

// UseLockfile makes the host check every binary against the lockfile at
// path before starting it. relock is the command that records the installed
// binaries anew (cxhub -c demo.yaml plugins lock); every refusal tells it.
//
// The file is read at every start. If there is none, binaries start
// unchecked and the host logs one warning, at its first start, saying so and
// how to lock them. A lockfile that cannot be read or is malformed refuses
// every start. Call UseLockfile before the first Start; Fingerprint ignores
// the lockfile.
func (h *Host) UseLockfile(path, relock string) {
	h.trust.path, h.trust.relock = path, relock
}

// load reads the lockfile; nil without one (after a warning, the first
// time).
func (t *trust) load(logger *slog.Logger) (*Lockfile, error) {
	if t.path == "" {
		return nil, nil
	}
	lock, err := ReadLockfile(t.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		t.warnOnce.Do(func() {
			logger.Warn("connector plugins are not locked: their binaries start without an integrity check; to lock them, run: "+t.relock,
				"lockfile", t.path)
		})
		return nil, nil
	case err != nil:
		return nil, sdk.ConfigError(fmt.Errorf("%w; to record the installed binaries anew, run: %s", err, t.relock))
	}
	return lock, nil
}

// Verify checks, without starting it, that the connector is installed and,
// with a lockfile, that its binary is the one the lockfile records. It
// returns the error Start would: a caller about to start several plugins
// can refuse them all before any runs.
func (h *Host) Verify(connector string) error {
	path, err := h.installed(connector)
	if err != nil {
		return err
	}
	_, err = h.trusted(connector, path)
	return err
}

// trusted checks the connector's binary at path against the lockfile and
// returns its SHA-256 for go-plugin to check again at exec (which closes
// the gap between this check and the exec). Without a lockfile it returns
// nil: nothing to check.
func (h *Host) trusted(connector, path string) ([]byte, error) {
	lock, err := h.trust.load(h.logger)
	if err != nil || lock == nil {
		return nil, err
	}
	sum, err := lock.Verify(connector, path, h.trust.path)
	var mismatch *MismatchError
	switch {
	case errors.As(err, &mismatch) && mismatch.Locked == "":
		return nil, sdk.ConfigError(fmt.Errorf("%w; to trust it, run: %s (add --all if no connection uses it)", err, h.trust.relock))
	case errors.As(err, &mismatch):
		return nil, sdk.ConfigError(fmt.Errorf("%w; if you upgraded it on purpose, run: %s", err, h.trust.relock))
	case err != nil:
		return nil, fmt.Errorf("check connector binary: %w", err)
	}
	return sum, nil
}

// Fingerprint measures the connector's installed binary for a lockfile: its
// SHA-256, and the version it reports, read by starting it (with go-plugin
// checking the same SHA-256 at exec, so the version is that binary's). It
// does not consult the lockfile: recording a binary is how it becomes
// trusted.
func (h *Host) Fingerprint(ctx context.Context, connector string) (Locked, error) {
	path, err := h.installed(connector)
	if err != nil {
		return Locked{}, err
	}
	sum, err := FileSHA256(path)
	if err != nil {
		return Locked{}, fmt.Errorf("fingerprint connector %q: %w", connector, err)
	}
	p, err := h.launch(ctx, connector, path, sum)
	if err != nil {
		return Locked{}, fmt.Errorf("fingerprint connector %q: %w", connector, err)
	}
	version := p.Spec().Version
	h.Stop(p)
	return Locked{File: BinaryPrefix + connector, SHA256: hex.EncodeToString(sum), Version: version}, nil
}
