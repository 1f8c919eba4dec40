//go:build unix

package file

import (
	"os"
	"syscall"
)

// fileID identifies a file across renames in its directory: its inode
// number. A compaction renames a new file over the stream's file, so the
// index sees that it no longer describes the file there.
func fileID(fi os.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Ino)
	}
	return 0
}
