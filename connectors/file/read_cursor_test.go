package file

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
	// A tie at 10, an edit to 11, a new record without cursor (emitted
	// first), an edit that goes back in time (lost: cursors must grow); e is
	// unchanged, and the problem line is gone.
	writeFile(t, path, `{"id":"a","n":11}
{"id":"b","n":10}
{"id":"c","n":10}
{"id":"d","n":3}
{"id":"e"}
{"id":"f","n":10}
{"id":"g"}
`)
	second := readAfter(t, cfg, "s", first)
	if want := []string{"g", "f", "a"}; !slices.Equal(second.keys(), want) {
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
// the latest change so that ties abound, deletes, the lines shuffled; and
// records without a cursor and problem lines, added, edited and deleted)
// and reads it from checkpoint to checkpoint with random batch sizes, some
// reads crashing after a few checkpoints. Every record version must be
// emitted before a persisted checkpoint exactly once (a line without a
// cursor may come again only after a crash, or after it left the file),
// and after a complete read, every record in the file must have been.
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
				f := randomFile{versions: map[string]int{}}
				clock, next := 1, 0
				committed := map[string]bool{} // "key@clock" emitted before a persisted checkpoint
				// Versions of lines without a cursor (see noCursorVersion):
				// delivered ones were emitted before a persisted checkpoint
				// and have been in the file since; settled ones, with no
				// crash since either, must not come again.
				delivered, settled := map[string]bool{}, map[string]bool{}
				var state []byte
				total, plain, problems := 0, 0, 0
				for round := range 80 {
					for range rng.IntN(12) {
						switch op := rng.IntN(14); {
						case op < 5 || len(f.keys) == 0:
							k := fmt.Sprintf("k%04d", next)
							next++
							f.keys = append(f.keys, k)
							f.versions[k] = clock
							total++
						case op < 9:
							k := f.keys[rng.IntN(len(f.keys))]
							if f.versions[k] != clock {
								f.versions[k] = clock
								total++
							}
						case op < 10:
							i := rng.IntN(len(f.keys))
							delete(f.versions, f.keys[i])
							f.keys = slices.Delete(f.keys, i, i+1)
						case op < 12: // a record without a cursor, new or edited
							k := fmt.Sprintf("p%04d", rng.IntN(next/4+1))
							if _, ok := f.versions[k]; !ok {
								f.plain = append(f.plain, k)
							}
							f.versions[k] = clock
							plain++
						case op < 13: // a problem line, maybe the same text as another
							f.bad = append(f.bad, fmt.Sprintf("broken %d", rng.IntN(8)))
							problems++
						default:
							if len(f.bad) > 0 {
								i := rng.IntN(len(f.bad))
								f.bad = slices.Delete(f.bad, i, i+1)
							}
						}
						if rng.IntN(3) == 0 {
							clock++
						}
					}
					present := f.write(t, path, ext, render[kind], rng)
					for v := range delivered {
						if !present[v] {
							delete(delivered, v)
							delete(settled, v)
						}
					}

					out := &collector{failAfter: rng.IntN(4)} // 0: no crash
					err := readInto(conn, cfg, "s", state, 1+rng.IntN(7), out)
					complete := err == nil
					if err != nil && !errors.Is(err, errCrash) {
						t.Fatalf("round %d: read: %v", round, err)
					}
					checkSorted(t, out, kind)
					if cp := out.last("s"); cp != nil {
						for _, r := range out.records[:cp.after] {
							if v, ok := noCursorVersion(r); ok {
								if settled[v] {
									t.Fatalf("round %d: line without a cursor %s emitted again after a checkpoint covered it", round, v)
								}
								delivered[v], settled[v] = true, true
								continue
							}
							v := r.Key + "@" + gjson.GetBytes(r.Data, "v").String()
							if committed[v] {
								t.Fatalf("round %d: %s emitted again after a checkpoint covered it", round, v)
							}
							committed[v] = true
						}
						state = cp.state
					}
					if !complete {
						clear(settled) // a crash may repeat them
						continue
					}
					for _, k := range f.keys {
						if c := f.versions[k]; !committed[fmt.Sprintf("%s@%d", k, c)] {
							t.Fatalf("round %d: gap: %s@%d never emitted", round, k, c)
						}
					}
					for v := range present {
						if !delivered[v] {
							t.Fatalf("round %d: gap: line without a cursor %s never emitted", round, v)
						}
					}
				}
				if total < 200 || plain < 40 || problems < 15 {
					t.Fatalf("only %d record versions, %d without a cursor, %d problem lines: the test is too small", total, plain, problems)
				}
			})
		}
	}
}

// randomFile is the content of TestReadCursorNoGapNoDuplicate's file.
type randomFile struct {
	keys     []string       // records with a cursor
	plain    []string       // records without
	versions map[string]int // key → clock of its current version
	bad      []string       // problem lines
}

// write writes the file, its lines shuffled, and returns the versions of
// its lines without a cursor, as noCursorVersion names them.
func (f *randomFile) write(t *testing.T, path, ext string, render func(int) string, rng *rand.Rand) map[string]bool {
	t.Helper()
	var lines []string
	for _, k := range f.keys {
		c := f.versions[k]
		if ext == "csv" {
			lines = append(lines, fmt.Sprintf("%s,%s,%d", k, render(c), c))
		} else {
			lines = append(lines, fmt.Sprintf("{\"id\":%q,\"updated_at\":%q,\"v\":%d}", k, render(c), c))
		}
	}
	present := map[string]bool{}
	for _, k := range f.plain {
		c := f.versions[k]
		if ext == "csv" {
			lines = append(lines, fmt.Sprintf("%s,,%d", k, c))
		} else {
			lines = append(lines, fmt.Sprintf("{\"id\":%q,\"v\":%d}", k, c))
		}
		present[fmt.Sprintf("%s@%d", k, c)] = true
	}
	lines = append(lines, f.bad...)
	rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	if ext == "csv" {
		lines = slices.Insert(lines, 0, "id,updated_at,v")
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "broken") {
			present[fmt.Sprintf("s:%d|%s", i+1, l)] = true
		}
	}
	writeFile(t, path, strings.Join(lines, "\n")+"\n")
	return present
}

// noCursorVersion names the version of a record without a cursor: its key
// and v, or for a problem line its key (which has its line number) and
// text.
func noCursorVersion(r sdk.Record) (string, bool) {
	if r.Problem != "" {
		return r.Key + "|" + string(r.Data), true
	}
	if gjson.GetBytes(r.Data, "updated_at").String() != "" {
		return "", false
	}
	return r.Key + "@" + gjson.GetBytes(r.Data, "v").String(), true
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

// checkSorted checks that a read by cursor emitted the records without a
// cursor first, then the others in cursor order.
func checkSorted(t *testing.T, out *collector, _ string) {
	t.Helper()
	for i := 1; i < len(out.records); i++ {
		_, before := noCursorVersion(out.records[i-1])
		if _, plain := noCursorVersion(out.records[i]); plain || before {
			if plain && !before {
				t.Fatalf("record %d, without a cursor, after one with: %s", i, out.records[i].Data)
			}
			continue
		}
		a := parseCursor(gjson.GetBytes(out.records[i-1].Data, "updated_at").String())
		b := parseCursor(gjson.GetBytes(out.records[i].Data, "updated_at").String())
		if c := compareCursors(a, b); c > 0 || c == 0 && out.records[i-1].Key > out.records[i].Key {
			t.Fatalf("records %d and %d out of order: %s then %s", i-1, i, out.records[i-1].Data, out.records[i].Data)
		}
	}
}

func TestReadCursorProblemLineAppended(t *testing.T) {
	tests := []struct {
		name, ext, file, bad, problem string
		line                          int
	}{
		{"jsonl", "jsonl", "{\"id\":\"a\",\"n\":1}\n{\"id\":\"b\",\"n\":2}\n", "not json", "line 3: invalid JSON", 3},
		{"csv", "csv", "id,n\n1,1\n2,2\n", "3", "line 4: 1 cells, header has 2", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "s."+tt.ext)
			cfg := testConfig(t, dir, streamsConfig("s", map[string]string{"cursor": "n"}))
			writeFile(t, path, tt.file)
			first := read(t, cfg, "s", nil, 0)
			if len(first.records) != 2 {
				t.Fatalf("full read = %v", first.keys())
			}
			appendFile(t, path, tt.bad+"\n")
			second := readAfter(t, cfg, "s", first)
			if len(second.records) != 1 {
				t.Fatalf("read after a problem line was appended = %v, want it alone", second.keys())
			}
			r := second.records[0]
			if want := fmt.Sprintf("s:%d", tt.line); r.Key != want || !strings.HasPrefix(r.Problem, tt.problem) || string(r.Data) != tt.bad {
				t.Fatalf("record = key %q, problem %q, data %q; want key %s, problem %q..., the raw line", r.Key, r.Problem, r.Data, want, tt.problem)
			}
			if third := readAfter(t, cfg, "s", second); len(third.records) != 0 {
				t.Fatalf("read again = %v, want nothing", third.keys())
			}
			// The same text again is another line: it is emitted too.
			appendFile(t, path, tt.bad+"\n")
			fourth := readAfter(t, cfg, "s", second)
			if want := []string{fmt.Sprintf("s:%d", tt.line+1)}; !slices.Equal(fourth.keys(), want) {
				t.Fatalf("read after the same line was appended again = %v, want %v", fourth.keys(), want)
			}
		})
	}
}

func TestReadCursorRecordWithoutCursor(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	cfg := testConfig(t, dir, streamsConfig("s", map[string]string{"cursor": "n"}))
	writeFile(t, path, `{"id":"a","n":1}
`)
	first := read(t, cfg, "s", nil, 0)
	appendFile(t, path, `{"id":"x","name":"first"}
{"id":"y","n":null}
{"id":"b","n":2}
`)
	second := readAfter(t, cfg, "s", first)
	if want := []string{"x", "y", "b"}; !slices.Equal(second.keys(), want) {
		t.Fatalf("read after records were appended = %v, want %v", second.keys(), want)
	}
	if third := readAfter(t, cfg, "s", second); len(third.records) != 0 {
		t.Fatalf("read again = %v, want nothing", third.keys())
	}
	// Edited in place, without a cursor still.
	writeFile(t, path, `{"id":"a","n":1}
{"id":"x","name":"second"}
{"id":"y","n":null}
{"id":"b","n":2}
`)
	fourth := readAfter(t, cfg, "s", second)
	if len(fourth.records) != 1 || fourth.records[0].Key != "x" || gjson.GetBytes(fourth.records[0].Data, "name").String() != "second" {
		t.Fatalf("read after an edit = %v, want x as edited", fourth.keys())
	}
	fifth := readAfter(t, cfg, "s", fourth)
	if len(fifth.records) != 0 {
		t.Fatalf("read again = %v, want nothing", fifth.keys())
	}
	// Without a key either, a record is its line: the same text on
	// another line is another record.
	appendFile(t, path, "{\"note\":\"same\"}\n")
	sixth := readAfter(t, cfg, "s", fifth)
	appendFile(t, path, "{\"note\":\"same\"}\n")
	seventh := readAfter(t, cfg, "s", sixth)
	if got := append(sixth.keys(), seventh.keys()...); !slices.Equal(got, []string{"s:5", "s:6"}) {
		t.Fatalf("reads after a line without key or cursor was appended twice = %v, want s:5 then s:6", got)
	}
}

func TestReadCursorFullReadAfterReset(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	cfg := testConfig(t, dir, streamsConfig("s", map[string]string{"cursor": "n"}))
	writeFile(t, path, `{"id":"a","n":1}
{"id":"e"}
`)
	first := read(t, cfg, "s", nil, 0)
	appendFile(t, path, `not json
{"id":"b","n":2}
{"id":"f"}
`)
	second := readAfter(t, cfg, "s", first)
	if want := []string{"s:3", "f", "b"}; !slices.Equal(second.keys(), want) {
		t.Fatalf("incremental read = %v, want %v", second.keys(), want)
	}
	// The state reset: every line once, those without a cursor first.
	full := read(t, cfg, "s", nil, 2)
	if want := []string{"e", "s:3", "f", "a", "b"}; !slices.Equal(full.keys(), want) {
		t.Fatalf("full read = %v, want %v", full.keys(), want)
	}
	var st cursorState
	if err := json.Unmarshal(full.last("s").state, &st); err != nil || st.Cursor != "2" || len(st.NoCursor) != 3 {
		t.Fatalf("state = %s, want cursor 2 and 3 lines without a cursor", full.last("s").state)
	}
	if again := readAfter(t, cfg, "s", full); len(again.records) != 0 {
		t.Fatalf("read after the full read = %v, want nothing", again.keys())
	}
}

func TestReadCursorNoCursorCrashMidRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	cfg := testConfig(t, dir, streamsConfig("s", map[string]string{"cursor": "n"}))
	writeFile(t, path, `{"id":"a","n":1}
`)
	first := read(t, cfg, "s", nil, 0)
	appendFile(t, path, `{"id":"p1"}
{"id":"p2"}
{"id":"p3"}
{"id":"b","n":2}
`)
	// Batches of one; the core persists two checkpoints, then crashes.
	crashed := &collector{failAfter: 2}
	if err := readInto(New(), cfg, "s", first.last("s").state, 1, crashed); !errors.Is(err, errCrash) {
		t.Fatalf("read = %v, want the crash", err)
	}
	if got := crashed.keys()[:crashed.last("s").after]; !slices.Equal(got, []string{"p1", "p2"}) {
		t.Fatalf("records before the last persisted checkpoint = %v, want p1, p2", got)
	}
	if resumed := readAfter(t, cfg, "s", crashed); !slices.Equal(resumed.keys(), []string{"p3", "b"}) {
		t.Fatalf("read after the crash = %v, want p3, b", resumed.keys())
	}
}

func TestReadCursorOldState(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	cfg := testConfig(t, dir, streamsConfig("s", map[string]string{"cursor": "n"}))
	writeFile(t, path, `{"id":"a","n":9}
{"id":"b","n":10}
{"id":"e"}
not json
{"id":"c","n":10}
{"id":"d","n":11}
`)
	// A checkpoint written before no_cursor existed: the lines without a
	// cursor may have been emitted by the full read, or skipped since.
	old := read(t, cfg, "s", []byte(`{"cursor":"10","keys":["b"]}`), 0)
	if want := []string{"e", "s:4", "c", "d"}; !slices.Equal(old.keys(), want) {
		t.Fatalf("read from an old state = %v, want %v", old.keys(), want)
	}
	if again := readAfter(t, cfg, "s", old); len(again.records) != 0 {
		t.Fatalf("read again = %v, want nothing", again.keys())
	}
}

func TestReadCursorNoCursorBound(t *testing.T) {
	logs := captureLogs(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	cfg := testConfig(t, dir, streamsConfig("s", map[string]string{"cursor": "n"}))
	writeFile(t, path, `{"id":"a","n":1}
{"id":"p1"}
{"id":"p2"}
not json
{"id":"p3"}
`)
	conn := New()
	conn.noCursorMax = 2
	readWith := func(state []byte) *collector {
		t.Helper()
		out := &collector{}
		if err := readInto(conn, cfg, "s", state, 1, out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := readWith(nil)
	if want := []string{"p1", "p2", "s:4", "p3", "a"}; !slices.Equal(first.keys(), want) {
		t.Fatalf("full read = %v, want %v", first.keys(), want)
	}
	if n := logs.warned("no longer tracked"); n != 2 {
		t.Fatalf("warning counts %d lines no longer tracked, want 2", n)
	}
	// The two first lines are forgotten, emitted again rather than skipped.
	second := readWith(first.last("s").state)
	if want := []string{"p1", "p2"}; !slices.Equal(second.keys(), want) {
		t.Fatalf("read again = %v, want %v", second.keys(), want)
	}
	appendFile(t, path, `{"id":"p4"}
`)
	third := readWith(second.last("s").state)
	if want := []string{"p1", "p2", "p4"}; !slices.Equal(third.keys(), want) {
		t.Fatalf("read after an append = %v, want %v", third.keys(), want)
	}
	if n := logs.warned("no longer tracked"); n != 3 {
		t.Fatalf("warning counts %d lines no longer tracked, want 3", n)
	}
}

// logRecorder keeps the log records sent to it.
type logRecorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

// captureLogs sends the default logger to a logRecorder for the test.
func captureLogs(t *testing.T) *logRecorder {
	h := &logRecorder{}
	prev := slog.Default()
	slog.SetDefault(slog.New(h))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return h
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r.Clone())
	return nil
}

func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecorder) WithGroup(string) slog.Handler      { return h }

// warned returns the count of the last warning whose message holds msg,
// or -1 if there is none.
func (h *logRecorder) warned(msg string) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.recs) - 1; i >= 0; i-- {
		r := h.recs[i]
		if r.Level != slog.LevelWarn || !strings.Contains(r.Message, msg) {
			continue
		}
		n := int64(-1)
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "count" {
				n = a.Value.Int64()
			}
			return true
		})
		return n
	}
	return -1
}
