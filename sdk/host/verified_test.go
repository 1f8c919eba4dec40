package host

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// fixtureSum is the SHA-256 of the test connector's binary.
func fixtureSum(t *testing.T) []byte {
	t.Helper()
	bin, err := os.ReadFile(fixtures.connector)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(bin)
	return sum[:]
}

// exe returns the file process pid runs, where the system tells.
func exe(t *testing.T, pid int) (string, bool) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return "", false
	}
	path, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		t.Fatalf("the executable of process %d: %v", pid, err)
	}
	return path, true
}

// A binary with a checksum runs from a private copy named by the checksum,
// made once and used again by the next start; a binary that differs is
// refused, never run, and leaves nothing in the directory.
func TestLaunchChecksum(t *testing.T) {
	t.Parallel()
	sum := fixtureSum(t)
	dir := filepath.Join(t.TempDir(), "verified")
	copyPath := filepath.Join(dir, hex.EncodeToString(sum))

	t.Run("wrong", func(t *testing.T) {
		started := startedFile(t)
		wrong := append([]byte(nil), sum...)
		wrong[0] ^= 0xff
		p, err := Launch(testContext(t, 30*time.Second), Options{
			Path: fixtures.connector, SHA256: wrong, VerifiedDir: dir,
			Env: []string{"FIXTURE_STARTED_FILE=" + started},
		})
		if err == nil {
			p.Kill()
			t.Fatal("Launch with a wrong checksum succeeded")
		}
		checkKind(t, err, sdk.KindConfig, "checksum")
		var ce *ChecksumError
		if !errors.As(err, &ce) || ce.Path != fixtures.connector || string(ce.Got) != string(sum) {
			t.Errorf("error %v: want a *ChecksumError naming %s and its real checksum", err, fixtures.connector)
		}
		if pid := startedPid(t, started); pid != 0 {
			t.Errorf("a binary whose checksum does not match was started (pid %d)", pid)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("a refused binary left %d files in the verified directory: %v", len(entries), entries)
		}
	})
	t.Run("right", func(t *testing.T) {
		var inode uint64
		for i := range 2 {
			started := startedFile(t)
			p := launch(t, Options{SHA256: sum, VerifiedDir: dir, Env: []string{"FIXTURE_STARTED_FILE=" + started}})
			if _, err := p.Check(testContext(t, 30*time.Second), sdk.CheckRequest{}); err != nil {
				t.Errorf("Check: %v", err)
			}
			if pid := startedPid(t, started); pid == 0 || pid != p.Pid() {
				t.Errorf("started pid %d, Pid() %d: want the same running process", pid, p.Pid())
			}
			if p.Path() != fixtures.connector {
				t.Errorf("Path() = %q, want the binary asked for, %q", p.Path(), fixtures.connector)
			}
			if got, ok := exe(t, p.Pid()); ok && got != copyPath {
				t.Errorf("the plugin runs %s, want the verified copy %s", got, copyPath)
			}
			info, err := os.Stat(copyPath)
			if err != nil {
				t.Fatalf("no verified copy: %v", err)
			}
			if info.Mode().Perm() != 0o500 {
				t.Errorf("the verified copy has mode %04o, want 0500", info.Mode().Perm())
			}
			ino := info.Sys().(*syscall.Stat_t).Ino
			if i == 1 && ino != inode {
				t.Error("the second start copied the binary again instead of using the verified copy")
			}
			inode = ino
			p.Kill()
		}
		if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
			t.Errorf("verified directory: %v, mode %v; want 0700", err, info.Mode().Perm())
		}
	})
}

// A copy that is not what its name says (a crash while copying, a
// tampering by this user) is replaced, not run.
func TestLaunchReplacesADamagedCopy(t *testing.T) {
	t.Parallel()
	sum := fixtureSum(t)
	dir := t.TempDir()
	copyPath := filepath.Join(dir, hex.EncodeToString(sum))
	marker := filepath.Join(t.TempDir(), "ran")
	if err := os.WriteFile(copyPath, []byte("#!/bin/sh\necho ran > '"+marker+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	p := launch(t, Options{SHA256: sum, VerifiedDir: dir})
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the damaged copy ran")
	}
	if _, err := p.Check(testContext(t, 30*time.Second), sdk.CheckRequest{}); err != nil {
		t.Errorf("Check: %v", err)
	}
	if ok, err := hasSHA256(copyPath, sum); !ok || err != nil {
		t.Errorf("the damaged copy was not replaced (%v)", err)
	}
}

// A directory that others can write to, or that is a symbolic link, is
// refused before anything runs.
func TestLaunchRefusesAVerifiedDirThatIsNotPrivate(t *testing.T) {
	t.Parallel()
	sum := fixtureSum(t)
	open := t.TempDir()
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{open: "can be written by others", link: "not a directory"} {
		started := startedFile(t)
		p, err := Launch(testContext(t, 30*time.Second), Options{
			Path: fixtures.connector, SHA256: sum, VerifiedDir: dir,
			Env: []string{"FIXTURE_STARTED_FILE=" + started},
		})
		if err == nil {
			p.Kill()
			t.Errorf("Launch with verified directory %s succeeded", dir)
			continue
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), dir) {
			t.Errorf("Launch with verified directory %s: %v, want an error naming it and saying %q", dir, err, want)
		}
		if pid := startedPid(t, started); pid != 0 {
			t.Errorf("the binary ran (pid %d) from a directory that is not private", pid)
		}
	}
}

// A binary renamed over the checked path again and again while Launch
// starts it: every start runs the checked binary or is refused, and the
// other file never runs. (Hashing the path and then running the path, as
// Launch did through go-plugin's SecureConfig, ran the other file within a
// few starts.)
func TestLaunchRunsOnlyTheVerifiedBytesWhileTheBinaryIsSwapped(t *testing.T) {
	sum := fixtureSum(t)
	dir, side := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "connector")
	good, evil := filepath.Join(side, "good"), filepath.Join(side, "evil")
	marker := filepath.Join(side, "evil-ran")
	bin, err := os.ReadFile(fixtures.connector)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(evil, []byte("#!/bin/sh\necho ran >> '"+marker+"'\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	swap := func(from, tmp string) error {
		if err := os.Link(from, tmp); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
	if err := swap(good, path+".tmp"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var swapErr error
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if swapErr = swap(evil, path+".evil"); swapErr != nil {
				return
			}
			if swapErr = swap(good, path+".good"); swapErr != nil {
				return
			}
		}
	})
	verified := t.TempDir()
	ran, refused := 0, 0
	for attempt := 0; attempt < 200 && (ran < 5 || refused < 5); attempt++ {
		p, err := Launch(testContext(t, 30*time.Second), Options{Path: path, SHA256: sum, VerifiedDir: verified})
		switch {
		case err == nil:
			ran++
			p.Kill()
		case sdk.KindOf(err) == sdk.KindConfig:
			refused++
		default:
			t.Errorf("start %d: %v, want the checked binary or a refusal", attempt, err)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Errorf("the unchecked file ran, at start %d", attempt+1)
			break
		}
	}
	close(stop)
	wg.Wait()
	if swapErr != nil {
		t.Fatalf("swap: %v", swapErr)
	}
	t.Logf("%d starts ran the checked binary, %d were refused", ran, refused)
	if ran == 0 || refused == 0 {
		t.Errorf("the swaps never raced the starts (%d ran, %d refused): the test proves nothing", ran, refused)
	}
}

// TestDefaultVerifiedDirWithoutHomeSaysWhatToSet: a service started with
// neither HOME nor XDG_CACHE_HOME is told which variable to set, not
// only Go's "neither … is defined".
func TestDefaultVerifiedDirWithoutHomeSaysWhatToSet(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	_, err := DefaultVerifiedDir()
	if err == nil || !strings.Contains(err.Error(), "set XDG_CACHE_HOME to a directory") {
		t.Fatalf("DefaultVerifiedDir without HOME: %v, want it to say to set XDG_CACHE_HOME", err)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	if _, err := DefaultVerifiedDir(); err != nil {
		t.Fatalf("DefaultVerifiedDir with XDG_CACHE_HOME: %v", err)
	}
}
