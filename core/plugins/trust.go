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
// can refuse them all before any runs. Start checks again as it starts the
// binary (and runs only the bytes it checked), so a binary changed after
// Verify is still refused.
func (h *Host) Verify(connector string) error {
	path, err := h.installed(connector)
	if err != nil {
		return err
	}
	lock, err := h.trust.load(h.logger)
	if err != nil || lock == nil {
		return err
	}
	_, err = lock.Verify(connector, path, h.trust.path)
	return h.refusal(err)
}

// locked returns the SHA-256 the lockfile records for the connector, for
// host.Launch to check as it starts the binary at path; nil without a
// lockfile (nothing to check). A connector the lockfile does not list is
// refused here.
func (h *Host) locked(connector, path string) ([]byte, error) {
	lock, err := h.trust.load(h.logger)
	if err != nil || lock == nil {
		return nil, err
	}
	entry, ok := lock.Connectors[connector]
	if !ok {
		return nil, h.refusal(&MismatchError{Connector: connector, Binary: path, Lockfile: h.trust.path})
	}
	sum, err := hex.DecodeString(entry.SHA256) // ReadLockfile checked the format
	if err != nil {
		return nil, fmt.Errorf("connector %q: lockfile checksum: %w", connector, err)
	}
	return sum, nil
}

// refusal is the error Start and Verify return for a binary the lockfile
// does not trust: a config error (a restart cannot mend it) that says how
// to trust the binary.
func (h *Host) refusal(err error) error {
	var mismatch *MismatchError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mismatch) && mismatch.Locked == "":
		return sdk.ConfigError(fmt.Errorf("%w; to trust it, run: %s (add --all if no connection uses it)", err, h.trust.relock))
	case errors.As(err, &mismatch):
		return sdk.ConfigError(fmt.Errorf("%w; if you upgraded it on purpose, run: %s", err, h.trust.relock))
	}
	return fmt.Errorf("check connector binary: %w", err)
}

// Fingerprint measures the connector's installed binary for a lockfile: its
// SHA-256, and the version it reports, read by starting it (from a verified
// copy with that SHA-256, so the version is that binary's). It
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
