package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cxhub/cxhub/sdk"
)

// checkCreatable reports whether dir, which does not exist, could be
// created by the writer (create_dir): its nearest existing ancestor must
// be a directory in which this user can create one. That is tried, with
// an empty hidden directory removed at once, since only trying says it
// for sure (a read-only mount, a directory of another user, /sys). Every
// failure is a ConfigError naming dir and what stops it.
func checkCreatable(dir string) error {
	for p := filepath.Dir(filepath.Clean(dir)); ; p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err == nil {
			if !info.IsDir() {
				return sdk.ConfigError(fmt.Errorf("dir %s does not exist and cannot be created: %s is not a directory", dir, p))
			}
			return probeCreate(dir, p)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return sdk.ConfigError(fmt.Errorf("dir %s does not exist and cannot be created: %w", dir, err))
		}
		if filepath.Dir(p) == p {
			return sdk.ConfigError(fmt.Errorf("dir %s does not exist and cannot be created: no parent exists", dir))
		}
	}
}

// probeCreate creates and removes an empty hidden directory in parent,
// the nearest existing ancestor of dir, to learn whether dir can be made.
func probeCreate(dir, parent string) error {
	probe, err := os.MkdirTemp(parent, ".cxhub-check-")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return sdk.ConfigError(fmt.Errorf("dir %s does not exist and cannot be created: this user cannot create a directory in %s (%v); "+
			"create dir yourself, or choose a dir under a directory this user may write", dir, parent, err))
	}
	if err := os.Remove(probe); err != nil {
		return fmt.Errorf("check dir %s: remove the probe directory %s: %w", dir, probe, err)
	}
	return nil
}
