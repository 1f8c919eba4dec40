package file

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// TestCheckOfADirThatCannotBeCreated: a dir that does not exist, under a
// directory this user cannot create one in, fails the check with a
// ConfigError naming it and saying it cannot be created (it passed as
// "created on the first write": its nearest existing ancestor was a
// directory, so `cxhub check` said OK and the server's
// connection_failing alert never fired, while every write failed). A
// missing dir that can be created passes, saying it does not exist yet;
// nothing is left behind by the check.
func TestCheckOfADirThatCannotBeCreated(t *testing.T) {
	var cases []struct{ name, dir, parent string }
	if runtime.GOOS == "linux" {
		if info, err := os.Stat("/sys"); err == nil && info.IsDir() {
			// sysfs: no one, root included, may create a directory there.
			cases = append(cases, struct{ name, dir, parent string }{"under /sys", "/sys/cxhub-check-test/in", "/sys"})
		}
	}
	if os.Geteuid() != 0 && runtime.GOOS != "windows" {
		ro := filepath.Join(t.TempDir(), "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(ro, 0o755) })
		cases = append(cases, struct{ name, dir, parent string }{"under a read-only directory", filepath.Join(ro, "missing", "in"), ro})
	}
	if len(cases) == 0 {
		t.Skip("no directory here in which this user cannot create one")
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New().Check(context.Background(), sdk.CheckRequest{Config: sdk.Config(`{"dir":"` + tc.dir + `"}`)})
			if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "dir "+tc.dir+" does not exist and cannot be created") ||
				!strings.Contains(err.Error(), tc.parent) {
				t.Fatalf("check of %s = %v (%s), want a ConfigError saying it does not exist and cannot be created in %s", tc.dir, err, sdk.KindOf(err), tc.parent)
			}
		})
	}

	t.Run("creatable", func(t *testing.T) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "out", "deeper")
		resp, err := New().Check(context.Background(), sdk.CheckRequest{Config: sdk.Config(`{"dir":"` + dir + `"}`)})
		if err != nil || !strings.Contains(resp.Message, "does not exist yet: the writer creates it on the first write") {
			t.Fatalf("check of a creatable dir = %q, %v; want it passed, saying the dir does not exist yet", resp.Message, err)
		}
		entries, err := os.ReadDir(parent)
		if err != nil || len(entries) != 0 {
			t.Errorf("the check left %v in %s (%v), want nothing", entries, parent, err)
		}
	})
}

// TestCheckOfADirNotWritable: an existing dir this user may not write
// passes (a source only reads it), and the check says writing fails.
func TestCheckOfADirNotWritable(t *testing.T) {
	if os.Geteuid() == 0 || runtime.GOOS == "windows" {
		t.Skip("root may write any directory; no mode bits on Windows")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	resp, err := New().Check(context.Background(), sdk.CheckRequest{Config: sdk.Config(`{"dir":"` + dir + `"}`)})
	if err != nil || !strings.Contains(resp.Message, "not writable by this user") {
		t.Fatalf("check of a read-only dir = %q, %v; want it passed, saying it is not writable", resp.Message, err)
	}
}
