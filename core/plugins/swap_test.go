package plugins

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// A locked binary swapped for another between the host's check and the
// exec must not run: the host runs exactly the bytes it verified. A
// goroutine renames the locked file connector and an unlocked script in
// turn over the plugin's path while the host starts it again and again;
// every start must either run the locked connector or be refused, and the
// script must never run.
func TestStartRunsOnlyTheVerifiedBytesWhileTheBinaryIsSwapped(t *testing.T) {
	dir := buildFileConnector(t)
	path := filepath.Join(dir, BinaryPrefix+"file")
	sum, err := FileSHA256(path)
	if err != nil {
		t.Fatal(err)
	}
	lockPath := filepath.Join(dir, "demo.lock")
	writeLockfile(t, lockPath, map[string]Locked{"file": {File: BinaryPrefix + "file", SHA256: hex.EncodeToString(sum)}})

	// The two versions live outside the plugins directory; the loop links
	// one under a temporary name and renames it over the plugin's path, so
	// the path always names one whole file or the other.
	side := t.TempDir()
	good := filepath.Join(side, "good")
	if err := os.Link(path, good); err != nil {
		t.Fatal(err)
	}
	evil, marker := markerPlugin(t, side)
	swap := func(from, tmp string) error {
		if err := os.Link(from, tmp); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var swapErr error
	wg.Go(func() {
		for {
			select {
			case <-stop:
				swapErr = swap(good, filepath.Join(dir, ".good"))
				return
			default:
			}
			if err := swap(evil, filepath.Join(dir, ".evil")); err != nil {
				swapErr = err
				return
			}
			if err := swap(good, filepath.Join(dir, ".good")); err != nil {
				swapErr = err
				return
			}
		}
	})

	h := NewHost(dir, dir, nil)
	h.UseLockfile(lockPath, relock)
	ctx := testCtx(t)
	ran, refused := 0, 0
	for attempt := 0; attempt < 200 && (ran < 5 || refused < 5); attempt++ {
		p, err := h.Start(ctx, "file")
		switch {
		case err == nil:
			ran++
			if p.Spec().Name != "file" {
				t.Errorf("started %q, want the file connector", p.Spec().Name)
			}
			h.Stop(p)
		case sdk.KindOf(err) == sdk.KindConfig:
			refused++
		default:
			t.Errorf("start %d: %v, want the locked connector or a refusal", attempt, err)
		}
		if n := starts(t, marker); n > 0 {
			t.Errorf("the unlocked script ran %d times in %d starts", n, attempt+1)
			break
		}
	}
	close(stop)
	wg.Wait()
	if swapErr != nil {
		t.Fatalf("swap: %v", swapErr)
	}
	t.Logf("%d starts ran the locked connector, %d were refused", ran, refused)
	if ran == 0 || refused == 0 {
		t.Errorf("the swaps never raced the starts (%d ran, %d refused): the test proves nothing", ran, refused)
	}
	if n := len(h.running); n != 0 {
		t.Errorf("%d processes still tracked", n)
	}
}
