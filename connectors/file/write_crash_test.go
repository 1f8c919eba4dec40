package file

import (
	"context"
	"fmt"
	"github.com/cxhub/cxhub/sdk/host"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// crashWorkload is a deterministic list of batches over a few thousand
// keys: new keys, updates and deletes, and what the file must hold once
// they are all written, in order, at least once each.
type crashWorkload struct {
	batches [][]sdk.Record
	want    map[string]string // key → its data after the last batch
}

func newCrashWorkload(seed uint64, keys, batches, size int) crashWorkload {
	rng := rand.New(rand.NewPCG(seed, 1))
	w := crashWorkload{want: map[string]string{}}
	pad := strings.Repeat("x", 120)
	for b := range batches {
		batch := make([]sdk.Record, 0, size)
		for i := range size {
			key := fmt.Sprintf("k%05d", rng.IntN(keys))
			if rng.IntN(8) == 0 {
				batch = append(batch, sdk.Record{Stream: "s", Key: key, Op: sdk.Delete, Data: []byte(`{"id":"` + key + `"}`)})
				delete(w.want, key)
				continue
			}
			// Every value a string, so that a CSV row reads back as the same object.
			data := fmt.Sprintf(`{"id":%q,"rev":"%d-%d","pad":%q}`, key, b, i, pad[:rng.IntN(len(pad))])
			batch = append(batch, sdk.Record{Stream: "s", Key: key, Data: []byte(data)})
			w.want[key] = data
		}
		w.batches = append(w.batches, batch)
	}
	return w
}

// TestWriteSurvivesSIGKILL builds the plugin and drives its writer over the
// real protocol, as the core does, with a workload of new keys, updates
// and deletes, while the plugin process is SIGKILLed again and again: at
// random moments (mid-append, mid-blank, between the file's fsync and the
// index commit) and as soon as a compaction has begun. After each kill
// the plugin is started again and the batches are sent again from the
// first one not acknowledged or a little before, as the core replays from
// its checkpoint, the first of them in two halves.
// At the end the file must hold exactly the last content of every live
// key, on one line each, and nothing else; and a replay of the last batch
// must change nothing.
func TestWriteSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary and kills it many times")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build the plugin")
	}
	bin := filepath.Join(t.TempDir(), "cxhub-connector-file")
	build := exec.Command(goTool, "build", "-o", bin, "./cmd/cxhub-connector-file")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build plugin: %v\n%s", err, out)
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CXHUB_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (CXHUB_CRASH_SEED replays it)", seed)
	for _, format := range []string{"jsonl", "csv"} {
		t.Run(format, func(t *testing.T) {
			crashRun(t, bin, format, seed)
		})
	}
}

func crashRun(t *testing.T, bin, format string, seed uint64) {
	work := newCrashWorkload(seed, 3000, 400, 200)
	dir := t.TempDir()
	cfg := testConfig(t, dir, map[string]any{"format": format})
	tmpGlob := filepath.Join(dir, ".s."+format+".*.tmp")
	rng := rand.New(rand.NewPCG(seed, 2))
	// Compactions early and often: the file holds ~400 KB of live lines.
	env := append(host.MinimalEnv(), compactMinEnv+"=65536")

	next, kills, midCompaction := 0, 0, 0
	const wantKills, wantMidCompaction = 16, 3
	for round := 0; next < len(work.batches); round++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		p, err := host.Launch(ctx, host.Options{Path: bin, Env: env})
		if err != nil {
			cancel()
			t.Fatalf("round %d: launch: %v", round, err)
		}
		acked := make(chan int, len(work.batches))
		done := make(chan error, 1)
		go func(from int) {
			w, err := p.OpenWriter(ctx, sdk.OpenWriterRequest{Config: cfg, Stream: "s"})
			if err != nil {
				done <- fmt.Errorf("open writer: %w", err)
				return
			}
			for i := from; i < len(work.batches); i++ {
				// The first batch after a restart goes in two halves: the core
				// forms its batches again from the source, not always alike.
				parts := [][]sdk.Record{work.batches[i]}
				if i == from && round > 0 {
					half := len(work.batches[i]) / 2
					parts = [][]sdk.Record{work.batches[i][:half], work.batches[i][half:]}
				}
				for _, part := range parts {
					resp, err := w.Write(ctx, sdk.WriteRequest{Records: part})
					if err != nil {
						done <- err
						return
					}
					for j, r := range resp.Results {
						if r.Err != nil {
							done <- fmt.Errorf("batch %d record %d: %w", i, j, r.Err)
							return
						}
					}
				}
				acked <- i
			}
			done <- w.Close(ctx)
		}(max(0, next-rng.IntN(3))) // from the checkpoint: at or before the first batch not acknowledged

		killing := kills < wantKills
		var killed, compacting, finished bool
		var werr error
		if killing {
			compactionKill := midCompaction < wantMidCompaction && round%2 == 1
			// A kill comes a random few milliseconds after a random few
			// batches were acknowledged (mid-append, mid-blank, between the
			// file's fsync and the index commit), or as soon as a compaction
			// has begun. Counted in batches, not time, so that however fast
			// the writer the batches never run out before the kills do: a
			// compaction round that saw none after 20 batches kills anyway.
			afterBatches := rng.IntN(4)
			if compactionKill {
				afterBatches = 20
			}
			pause := time.Duration(rng.IntN(5000)) * time.Microsecond
		wait:
			for {
				select {
				case werr = <-done:
					// The writer ended (an error, or all batches written)
					// before the kill was due: nothing to kill.
					finished = true
					break wait
				default:
				}
				if compactionKill {
					if m, _ := filepath.Glob(tmpGlob); len(m) > 0 {
						time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
						break wait
					}
				}
				if len(acked) >= afterBatches {
					time.Sleep(pause)
					break wait
				}
				time.Sleep(100 * time.Microsecond)
			}
			if !finished {
				if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
					t.Fatalf("kill: %v", err)
				}
				killed = true
				werr = <-done
				if m, _ := filepath.Glob(tmpGlob); len(m) > 0 {
					compacting = true // the copy was under way, not yet renamed
				}
			}
		} else {
			werr = <-done
		}
		p.Kill()
		cancel()
		for len(acked) > 0 {
			next = <-acked + 1
		}
		switch {
		case killed:
			kills++
			if compacting {
				midCompaction++
			}
		case werr != nil:
			t.Fatalf("round %d: write failed without a kill: %v", round, werr)
		}
	}
	if kills < wantKills || midCompaction < 1 {
		t.Fatalf("%d kills, %d of them mid-compaction: want %d and at least 1", kills, midCompaction, wantKills)
	}
	t.Logf("%s: %d kills, %d mid-compaction", format, kills, midCompaction)
	checkFileHolds(t, cfg, work.want)

	// A replay of the last batch changes nothing.
	path := filepath.Join(dir, "s."+format)
	before := readFile(t, path)
	w := openWriter(t, cfg, "s")
	write(t, w, work.batches[len(work.batches)-1]...)
	if after := readFile(t, path); after != before {
		t.Fatal("a replay of the last batch changed the file")
	}
}

// checkFileHolds reads the stream back with the connector's reader and
// checks that it holds exactly want: each key once, with its content.
func checkFileHolds(t *testing.T, cfg sdk.Config, want map[string]string) {
	t.Helper()
	out := read(t, cfg, "s", nil, 0)
	seen := map[string]bool{}
	var problems []string
	for _, r := range out.records {
		switch {
		case r.Problem != "":
			problems = append(problems, r.Problem)
		case seen[r.Key]:
			problems = append(problems, "key "+r.Key+" twice")
		case want[r.Key] == "":
			problems = append(problems, "key "+r.Key+" deleted or never written, but in the file")
		case string(r.Data) != want[r.Key]:
			problems = append(problems, fmt.Sprintf("key %s = %s, want %s", r.Key, r.Data, want[r.Key]))
		}
		seen[r.Key] = true
	}
	for k := range want {
		if !seen[k] {
			problems = append(problems, "key "+k+" missing")
		}
	}
	if len(problems) > 0 {
		t.Fatalf("%d problems in the file, first: %v", len(problems), problems[:min(10, len(problems))])
	}
}
