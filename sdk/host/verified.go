package host

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// A binary with a known checksum is never run from the path it was found
// at. Hashing a path and then running the same path leaves a gap: whoever
// can write the binary's directory can rename another file over it between
// the two, and that file runs unchecked (go-plugin's SecureConfig has the
// same gap). So Launch copies the binary into a directory only this user can
// write, hashing the bytes as it copies them, and runs the copy if they
// match: the bytes that were checked are the bytes that run, whatever
// happens to the original meanwhile. The copy is named by its checksum and
// kept; the next start hashes the original again (a change must still be
// refused) and the copy (nothing but this user can have changed it, but a
// crash may have left it short), and runs it without copying anew.
//
// The alternative, hashing an open descriptor and running /proc/self/fd/N,
// copies nothing but only exists on Linux, still runs a file that was
// rewritten in place after the check, and cannot run a script (its
// interpreter reopens the path).

// ChecksumError says a binary is not the one its checksum names. Launch
// returns it wrapped in an sdk.ConfigError (errors.As finds it).
type ChecksumError struct {
	Path      string // the binary
	Want, Got []byte // the SHA-256 it must have and the one it has
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("connector %s does not match its recorded checksum (sha256 %x… recorded, %x… found): the binary changed since it was locked",
		e.Path, e.Want[:min(6, len(e.Want))], e.Got[:min(6, len(e.Got))])
}

// DefaultVerifiedDir returns where Launch keeps the verified copies of
// binaries when Options.VerifiedDir is empty: cxhub/plugins in the user's
// cache directory (os.UserCacheDir: $XDG_CACHE_HOME, or ~/.cache, on Linux).
func DefaultVerifiedDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find a directory for verified plugin binaries (locked plugins run from private copies there): %w; set XDG_CACHE_HOME to a directory this user can write (a service: its state directory, such as /var/lib/cxhub/.cache)", err)
	}
	return filepath.Join(cache, "cxhub", "plugins"), nil
}

// keepUnused is how long a verified copy that no start has used is kept.
const keepUnused = 30 * 24 * time.Hour

// verifiedCopy returns the path of a private copy of the binary at path,
// whose SHA-256 is want, copying it if there is no intact copy yet. A
// binary with another checksum gives a *ChecksumError (as a config error)
// and is neither copied nor run.
func verifiedCopy(path string, want []byte, dir string) (string, error) {
	if len(want) != sha256.Size {
		return "", sdk.ConfigError(fmt.Errorf("start connector %s: the checksum is %d bytes, want a SHA-256 (%d)", path, len(want), sha256.Size))
	}
	dir, err := privateDir(dir)
	if err != nil {
		return "", fmt.Errorf("start connector %s: %w", path, err)
	}
	src, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("start connector %s: %w", path, err)
	}
	defer src.Close()
	copyPath := filepath.Join(dir, hex.EncodeToString(want))
	now := time.Now()
	// Mark the copy used first, so that a prune by another start keeps it.
	_ = os.Chtimes(copyPath, now, now)
	intact, err := hasSHA256(copyPath, want)
	if err != nil {
		return "", fmt.Errorf("start connector %s: %w", path, err)
	}
	if intact {
		got, err := sha256Of(src)
		if err != nil {
			return "", fmt.Errorf("start connector %s: checksum: %w", path, err)
		}
		if !bytes.Equal(got, want) {
			return "", sdk.ConfigError(&ChecksumError{Path: path, Want: want, Got: got})
		}
		return copyPath, nil
	}
	got, tmp, err := copyHashing(src, dir)
	if err != nil {
		return "", fmt.Errorf("start connector %s: copy to %s: %w", path, dir, err)
	}
	if !bytes.Equal(got, want) {
		_ = os.Remove(tmp)
		return "", sdk.ConfigError(&ChecksumError{Path: path, Want: want, Got: got})
	}
	if err := os.Rename(tmp, copyPath); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("start connector %s: %w", path, err)
	}
	prune(dir, now)
	return copyPath, nil
}

// copyHashing copies src into a new file in dir (mode 0500) and returns
// the SHA-256 of what it wrote, and the file's path.
//
// The file is open for writing only while syscall.ForkLock is held for
// reading, so no process another goroutine forks meanwhile inherits the
// descriptor: a child still holding it would make running the copy fail
// with "text file busy" (ETXTBSY) until it execs.
func copyHashing(src io.Reader, dir string) (sum []byte, path string, err error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	f, err := os.CreateTemp(dir, ".copy-*")
	if err != nil {
		return nil, "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), src); err != nil {
		return nil, "", err
	}
	if err := f.Chmod(0o500); err != nil {
		return nil, "", err
	}
	if err := f.Close(); err != nil {
		return nil, "", err
	}
	return h.Sum(nil), f.Name(), nil
}

// hasSHA256 reports whether the file at path exists with checksum want.
func hasSHA256(path string, want []byte) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	got, err := sha256Of(f)
	if err != nil {
		return false, fmt.Errorf("checksum %s: %w", path, err)
	}
	return bytes.Equal(got, want), nil
}

func sha256Of(r io.Reader) ([]byte, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// privateDir creates dir (mode 0700) if need be and checks that no other
// user can change what is in it; "" is DefaultVerifiedDir().
func privateDir(dir string) (string, error) {
	if dir == "" {
		var err error
		if dir, err = DefaultVerifiedDir(); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create the directory for verified binaries: %w", err)
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("directory for verified binaries: %w", err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("directory for verified binaries %s is not a directory (a symbolic link is refused)", dir)
	}
	if err := checkPrivate(dir, info); err != nil {
		return "", err
	}
	return dir, nil
}

// prune removes the files in dir that no start has used for keepUnused.
func prune(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > keepUnused {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
