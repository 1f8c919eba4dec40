package file

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// A writer left open with nothing to write — its host paused, say —
// gives the stream up after idleRelease: a writer in another process
// (another connector instance here) can then write, and when the first
// writes again it takes the other's lines in: one live line per key.
func TestIdleWriterReleasesTheStream(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir, nil)
	w := openWriter(t, cfg, "s")
	write(t, w, upsert(`{"id":"a","n":1}`), upsert(`{"id":"b","n":1}`))

	var other sdk.Writer
	deadline := time.Now().Add(idleRelease + 10*time.Second)
	for {
		var err error
		other, err = New().OpenWriter(context.Background(), sdk.OpenWriterRequest{Config: cfg, Stream: "s"})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a second writer after the first idled %v: %v", idleRelease, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	write(t, other, upsert(`{"id":"a","n":2}`), upsert(`{"id":"c","n":2}`))
	if err := other.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	write(t, w, upsert(`{"id":"b","n":3}`), upsert(`{"id":"c","n":3}`))
	got := liveLines(readFile(t, filepath.Join(dir, "s.jsonl")))
	if want := "{\"id\":\"a\",\"n\":2}\n{\"id\":\"b\",\"n\":3}\n{\"id\":\"c\",\"n\":3}\n"; got != want {
		t.Fatalf("live lines = %q, want %q", got, want)
	}
}
