package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// ErrNotWritable matches Open's refusal of a state file, or of the
// directory it lives in, that this user cannot write. OpenReadOnly then
// reads the file as it is.
var ErrNotWritable = errors.New("state not writable by this user")

// checkWritable refuses, saying what is wrong and what to do, a state file
// or directory that this process cannot write: SQLite would otherwise fail
// later with a message that names neither ("unable to open database file",
// "attempt to write a readonly database"). A writer needs the directory
// too: SQLite keeps the -wal and -shm files beside the state file. A
// missing directory is left to prepareFile, which creates it.
func checkWritable(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil // prepareFile says why
	}
	target := abs
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		target = real
	}
	dir := filepath.Dir(target)
	if _, err := os.Stat(dir); err != nil {
		return nil
	}
	if err := canWrite(dir); err != nil {
		return notWritable(path, "directory", dir, err)
	}
	if _, err := os.Stat(target); err == nil {
		if err := canWrite(target); err != nil {
			return notWritable(path, "file", target, err)
		}
	}
	return nil
}

// canRead refuses, saying what to do, a state file this user cannot read.
func canRead(path string) error {
	const rOK = 4
	if err := syscall.Access(path, rOK); err != nil {
		return fmt.Errorf("state: the state file %s is not readable by this user (%s: %w): "+
			"run cxhub as the user that owns it%s, or give this user read access to it", path, currentUser(), err, owner(path))
	}
	return nil
}

// canWrite asks the kernel whether this process may write name (access(2),
// which also answers EROFS for a read-only file system).
func canWrite(name string) error {
	const wOK = 2
	return syscall.Access(name, wOK)
}

// denied reports whether err is a refusal to write (as opposed to a
// missing file).
func denied(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

// notWritable is the refusal of a state file or directory this user
// cannot write.
func notWritable(path, what, name string, cause error) error {
	return &openError{
		msg: fmt.Sprintf("cannot write the state at %s: the %s %s is not writable by this user (%s: %v). "+
			"cxhub writes the state file and, in the same directory, its journal files (-wal, -shm): "+
			"run cxhub as the user that owns the state%s, or give this user write access to the directory and the file. "+
			"Read-only commands (state show, runs, dlq list) need only read access to the file",
			path, what, name, currentUser(), cause, owner(name)),
		kind:  ErrNotWritable,
		cause: cause,
	}
}

// currentUser names this process's user: "name, uid n", or "uid n".
func currentUser() string {
	uid := os.Getuid()
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return fmt.Sprintf("%s, uid %d", u.Username, uid)
	}
	return fmt.Sprintf("uid %d", uid)
}

// owner names the owner of name, as " (name)" or " (uid n)", or "".
func owner(name string) string {
	fi, err := os.Stat(name)
	if err != nil {
		return ""
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	if u, err := user.LookupId(strconv.Itoa(int(st.Uid))); err == nil {
		return fmt.Sprintf(" (%s)", u.Username)
	}
	return fmt.Sprintf(" (uid %d)", st.Uid)
}

// readOnlyParams are the SQLite URI parameters of a connection that only
// reads a file this user cannot write. A file in WAL mode needs its -shm
// file (and SQLite creates it, and the -wal, if they are missing); where
// they are missing and cannot be made, no writer is at work (a writer
// keeps them while it runs, and a clean close removes them after folding
// the WAL into the file), so the file is read as immutable: as it is on
// disk, without the shared-memory index.
func readOnlyParams(path string) string {
	real, err := realPath(path)
	if err != nil {
		return "mode=ro&"
	}
	_, walErr := os.Stat(real + "-wal")
	_, shmErr := os.Stat(real + "-shm")
	if errors.Is(walErr, fs.ErrNotExist) && errors.Is(shmErr, fs.ErrNotExist) && canWrite(filepath.Dir(real)) != nil {
		return "mode=ro&immutable=1&"
	}
	return "mode=ro&"
}
