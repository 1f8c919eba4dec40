//go:build unix

package file

import "syscall"

// accessWrite and accessSearch are access(2)'s W_OK and X_OK.
const (
	accessWrite  = 0x2
	accessSearch = 0x1
)

// writable reports, without writing anything (a program watching dir
// would see a probe file), whether this user may create files in dir.
func writable(dir string) error {
	return syscall.Access(dir, accessWrite|accessSearch)
}
