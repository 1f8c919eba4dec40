//go:build unix

package host

import (
	"fmt"
	"os"
	"syscall"
)

// checkPrivate refuses a directory that another user owns or that others
// may write to: they could swap a verified copy before it runs.
func checkPrivate(dir string, info os.FileInfo) error {
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("directory for verified binaries %s belongs to uid %d, not to this user (%d)", dir, st.Uid, os.Geteuid())
	}
	if perm := info.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("directory for verified binaries %s can be written by others (mode %04o): make it 0700", dir, perm)
	}
	return nil
}
