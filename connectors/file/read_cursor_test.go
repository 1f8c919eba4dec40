package file

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

func TestCompareCursors(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"9", "10", -1},
		{"10", "10.0", 0},
		{"-1.5", "2", -1},
		{"9223372036854775806", "9223372036854775807", -1}, // beyond float64's precision
		{"2024-01-02T00:00:00Z", "2024-01-02T01:00:00+01:00", 0},
		{"2024-01-02T00:00:00.5Z", "2024-01-02T00:00:00Z", 1},
		{"2024-01-10T00:00:00Z", "2024-01-09T23:59:59-05:00", -1},
		{"b", "a", 1},
		{"10", "2024-01-01T00:00:00Z", -1}, // numbers before times
		{"2024-01-01T00:00:00Z", "a", -1},  // times before strings
		{"9", "5x", -1},                    // numbers before strings, even where "9" > "5x"
		{"NaN", "1", 1},                    // NaN is a string here
	}
	for _, tt := range tests {
		if got := compareCursors(parseCursor(tt.a), parseCursor(tt.b)); got != tt.want {
			t.Errorf("compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := compareCursors(parseCursor(tt.b), parseCursor(tt.a)); got != -tt.want {
			t.Errorf("compare(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestReadCursorIncremental(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	cfg := testConfig(t, dir, streamsConfig("s", map[string]string{"cursor": "n"}))
	writeFile(t, path, `{"id":"a","n":9}
{"id":"b","n":10}
{"id":"c","n":10}
{"id":"d","n":2}
{"id":"e"}
not json
`)
	first := read(t, cfg, "s", nil, 0)
	if want := []string{"e", "s:6", "d", "a", "b", "c"}; !slices.Equal(first.keys(), want) {
		t.Fatalf("full read = %v, want %v (no cursor first, in file order, then by cursor)", first.keys(), want)
	}
	var st cursorState
	if err := json.Unmarshal(first.last("s").state, &st); err != nil || st.Cursor != "10" || !slices.Equal(st.Keys, []string{"b", "c"}) {
		t.Fatalf("state = %s, want cursor 10 with keys b, c", first.last("s").state)
	}
	// A tie at 10, an edit to 11, a record without cursor (full reads only),
	// an edit that goes back in time (lost: cursors must grow).
	writeFile(t, path, `{"id":"a","n":11}
{"id":"b","n":10}
{"id":"c","n":10}
{"id":"d","n":3}
{"id":"e"}
{"id":"f","n":10}
{"id":"g"}
`)
	second := readAfter(t, cfg, "s", first)
	if want := []string{"f", "a"}; !slices.Equal(second.keys(), want) {
		t.Fatalf("incremental read = %v, want %v", second.keys(), want)
	}
	if third := readAfter(t, cfg, "s", second); len(third.records) != 0 {
		t.Fatalf("read of an unchanged file = %v, want nothing", third.keys())
	}
}

func TestReadCursorUpdatedAt(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "s.csv"), "id,updated_at\n1,2024-05-01T10:00:00+02:00\n2,yesterday\n")
	out := read(t, testConfig(t, dir, streamsConfig("s", map[string]string{"cursor": "updated_at"})), "s", nil, 0)
	if len(out.records) != 2 {
		t.Fatalf("records = %v", out.keys())
	}
	// Order: the time sorts before the string "yesterday".
	if got := out.records[0].UpdatedAt; !got.Equal(time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("UpdatedAt = %v", got)
	}
	if !out.records[1].UpdatedAt.IsZero() {
		t.Errorf("UpdatedAt of a value that is not a time = %v, want zero", out.records[1].UpdatedAt)
	}
}

// TestReadCursorNoGapNoDuplicate edits a file at random between reads
// (new records, edits that move the cursor forward, often to the value of
// the latest change so that ties abound, deletes, the lines shuffled) and
// reads it from checkpoint to checkpoint with random batch sizes, some
// reads crashing after a few checkpoints. Every record version must be
// emitted before a persisted checkpoint exactly once, and after a
// complete read, every record in the file must have been.
func TestReadCursorNoGapNoDuplicate(t *testing.T) {
	render := map[string]func(clock int) string{
		"number": func(c int) string { return fmt.Sprint(c) },
		"time": func(c int) string {
			at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(c) * time.Second)
			if c%2 == 0 { // the same instants in another zone
				return at.In(time.FixedZone("", 3600)).Format(time.RFC3339)
			}
			return at.Format(time.RFC3339)
		},
		"string": func(c int) string { return fmt.Sprintf("v%06d", c) },
	}
	for _, kind := range []string{"number", "time", "string"} {
		for _, ext := range []string{"jsonl", "csv"} {
			t.Run(kind+"/"+ext, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(7, uint64(len(kind)*10+len(ext))))
				conn := New()
				if ext == "csv" {
					conn.cursorHold = 0 // read every changed record again from the file
				}
				dir := t.TempDir()
				path := filepath.Join(dir, "s."+ext)
				cfg := testConfig(t, dir, streamsConfig("s", map[string]string{"cursor": "updated_at"}))
				versions := map[string]int{} // key → clock of its current version
				var keys []string
				clock, next := 1, 0
				committed := map[string]bool{} // "key@clock" emitted before a persisted checkpoint
				var state []byte
				total := 0
				for round := range 60 {
					for range rng.IntN(12) {
						switch op := rng.IntN(10); {
						case op < 5 || len(keys) == 0:
							k := fmt.Sprintf("k%04d", next)
							next++
							keys = append(keys, k)
							versions[k] = clock
							total++
						case op < 9:
							k := keys[rng.IntN(len(keys))]
							if versions[k] != clock {
								versions[k] = clock
								total++
							}
						default:
							i := rng.IntN(len(keys))
							delete(versions, keys[i])
							keys = slices.Delete(keys, i, i+1)
						}
						if rng.IntN(3) == 0 {
							clock++
						}
					}
					writeVersions(t, path, ext, keys, versions, render[kind], rng)

					out := &collector{failAfter: rng.IntN(4)} // 0: no crash
					err := readInto(conn, cfg, "s", state, 1+rng.IntN(7), out)
					complete := err == nil
					if err != nil && !errors.Is(err, errCrash) {
						t.Fatalf("round %d: read: %v", round, err)
					}
					checkSorted(t, out, kind)
					if cp := out.last("s"); cp != nil {
						for _, r := range out.records[:cp.after] {
							v := r.Key + "@" + gjson.GetBytes(r.Data, "v").String()
							if committed[v] {
								t.Fatalf("round %d: %s emitted again after a checkpoint covered it", round, v)
							}
							committed[v] = true
						}
						state = cp.state
					}
					if complete {
						for k, c := range versions {
							if !committed[fmt.Sprintf("%s@%d", k, c)] {
								t.Fatalf("round %d: gap: %s@%d never emitted", round, k, c)
							}
						}
					}
				}
				if total < 200 {
					t.Fatalf("only %d record versions: the test is too small", total)
				}
			})
		}
	}
}

func TestReadCursorNoticesFileChangedInPlace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	writeFile(t, path, "{\"id\":\"a\",\"n\":1}\n{\"id\":\"b\",\"n\":2}\n")
	conn := New()
	conn.cursorHold = 0
	out := &collector{onEmit: func(*collector) {
		writeFile(t, path, "{\"id\":\"a\",\"n\":1}\n{\"id\":\"c\",\"n\":2}\n") // same size, in place
	}}
	err := readInto(conn, testConfig(t, dir, streamsConfig("s", map[string]string{"cursor": "n"})), "s", nil, 1, out)
	if sdk.KindOf(err) != sdk.KindTransient || len(out.records) != 1 {
		t.Fatalf("read = %v after %d records, want a transient error after 1", err, len(out.records))
	}
}

func writeVersions(t *testing.T, path, ext string, keys []string, versions map[string]int, render func(int) string, rng *rand.Rand) {
	t.Helper()
	order := slices.Clone(keys)
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	var b strings.Builder
	if ext == "csv" {
		b.WriteString("id,updated_at,v\n")
	}
	for _, k := range order {
		c := versions[k]
		if ext == "csv" {
			fmt.Fprintf(&b, "%s,%s,%d\n", k, render(c), c)
		} else {
			fmt.Fprintf(&b, "{\"id\":%q,\"updated_at\":%q,\"v\":%d}\n", k, render(c), c)
		}
	}
	writeFile(t, path, b.String())
}

// checkSorted checks that a read by cursor emitted in cursor order.
func checkSorted(t *testing.T, out *collector, _ string) {
	t.Helper()
	for i := 1; i < len(out.records); i++ {
		a := parseCursor(gjson.GetBytes(out.records[i-1].Data, "updated_at").String())
		b := parseCursor(gjson.GetBytes(out.records[i].Data, "updated_at").String())
		if c := compareCursors(a, b); c > 0 || c == 0 && out.records[i-1].Key > out.records[i].Key {
			t.Fatalf("records %d and %d out of order: %s then %s", i-1, i, out.records[i-1].Data, out.records[i].Data)
		}
	}
}
