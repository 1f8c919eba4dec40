package file

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

func openWriter(t *testing.T, cfg sdk.Config, stream string) sdk.Writer {
	t.Helper()
	w, err := New().OpenWriter(context.Background(), sdk.OpenWriterRequest{Config: cfg, Stream: stream})
	if err != nil {
		t.Fatalf("open writer: %v", err)
	}
	t.Cleanup(func() { w.Close(context.Background()) })
	return w
}

func write(t *testing.T, w sdk.Writer, records ...sdk.Record) []sdk.Result {
	t.Helper()
	resp, err := w.Write(context.Background(), sdk.WriteRequest{Records: records})
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	if len(resp.Results) != len(records) {
		t.Fatalf("%d results for %d records", len(resp.Results), len(records))
	}
	return resp.Results
}

func upsert(data string) sdk.Record { return sdk.Record{Stream: "s", Data: []byte(data)} }

func del(key string) sdk.Record {
	return sdk.Record{Stream: "s", Op: sdk.Delete, Data: []byte(`{"id":"` + key + `"}`)}
}

// checkResults compares results with "id+" (created), "id" (written) and
// "!kind" (failed with that kind).
func checkResults(t *testing.T, got []sdk.Result, want ...string) {
	t.Helper()
	for i, r := range got {
		var s string
		switch {
		case r.Err != nil:
			s = "!" + sdk.KindOf(r.Err).String()
		case r.Created:
			s = r.ID + "+"
		default:
			s = r.ID
		}
		if i >= len(want) || s != want[i] {
			t.Errorf("result %d = %s (%v), want %v", i, s, r.Err, want)
		}
	}
}

func sameFile(t *testing.T, a, b os.FileInfo) bool {
	t.Helper()
	return os.SameFile(a, b)
}

func stat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func TestWriteUpsertDeleteJSONL(t *testing.T) {
	dir := newDir(t) // does not exist yet: created on the first write
	path := filepath.Join(dir, "s.jsonl")
	w := openWriter(t, testConfig(t, dir, nil), "s")

	checkResults(t, write(t, w, upsert(`{"id":"a","n":1}`), upsert(` { "id" : "b", "n" : 2 } `), upsert(`{"id":"c","n":3}`)),
		"a+", "b+", "c+")
	if got, want := readFile(t, path), "{\"id\":\"a\",\"n\":1}\n{\"id\":\"b\",\"n\":2}\n{\"id\":\"c\",\"n\":3}\n"; got != want {
		t.Fatalf("after creates:\n%s\nwant\n%s", got, want)
	}
	before := stat(t, path)

	// Only new keys: appended, same file.
	checkResults(t, write(t, w, upsert(`{"id":"d","n":4}`)), "d+")
	if !sameFile(t, before, stat(t, path)) {
		t.Error("a batch of new keys rewrote the file instead of appending")
	}

	// An update: created false; appended, and the old line blanked in place.
	checkResults(t, write(t, w, upsert(`{"id":"b","n":20}`)), "b")
	if got, want := readFile(t, path), "{\"id\":\"a\",\"n\":1}\n"+strings.Repeat(" ", len(`{"id":"b","n":2}`))+"\n{\"id\":\"c\",\"n\":3}\n{\"id\":\"d\",\"n\":4}\n{\"id\":\"b\",\"n\":20}\n"; got != want {
		t.Fatalf("after update:\n%q\nwant\n%q", got, want)
	}
	if !sameFile(t, before, stat(t, path)) {
		t.Error("an update rewrote the file instead of appending")
	}

	// The same content again: no-op, nothing written.
	before = stat(t, path)
	content := readFile(t, path)
	checkResults(t, write(t, w, upsert(`{"id":"b",  "n":20}`), upsert(`{"id":"a","n":1}`)), "b", "a")
	if after := stat(t, path); !sameFile(t, before, after) || readFile(t, path) != content {
		t.Error("an identical write changed the file")
	}

	// Deletes, one of an absent key; an upsert and a delete of the same new key in one batch.
	checkResults(t, write(t, w, del("c"), del("zz"), upsert(`{"id":"e"}`), del("e")), "c", "zz", "e+", "e")
	if got, want := liveLines(readFile(t, path)), "{\"id\":\"a\",\"n\":1}\n{\"id\":\"d\",\"n\":4}\n{\"id\":\"b\",\"n\":20}\n"; got != want {
		t.Fatalf("after deletes:\n%s\nwant\n%s", got, want)
	}
}

func TestWriteBadRecords(t *testing.T) {
	dir := t.TempDir()
	w := openWriter(t, testConfig(t, dir, streamsConfig("s", map[string]string{"key": "email"})), "s")
	results := write(t, w,
		upsert(`{"email":"a@x","n":1}`),
		upsert(`{"id":"2","n":2}`),
		upsert(`[1,2]`),
		upsert(`"text"`),
		upsert(`{"email":"b@x",`),
		upsert(``),
		sdk.Record{Op: sdk.Delete, Key: "src-1"},
		upsert(`{"email":"c@x"}`),
	)
	// The delete names no object (no email, no target id: the core never
	// linked its source record), so it has nothing to do, and succeeds.
	checkResults(t, results, "a@x+", "!bad_record", "!bad_record", "!bad_record", "!bad_record", "!bad_record", "", "c@x+")
	if msg := results[1].Err.Error(); msg != `record has no value at key path "email"` {
		t.Errorf("missing key message = %q", msg)
	}
	if got := readFile(t, filepath.Join(dir, "s.jsonl")); got != "{\"email\":\"a@x\",\"n\":1}\n{\"email\":\"c@x\"}\n" {
		t.Errorf("file = %q", got)
	}
}

func TestWriteKeyFallback(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	cfg := testConfig(t, dir, nil)
	w := openWriter(t, cfg, "s")
	checkResults(t, write(t, w,
		sdk.Record{Key: "src-1", Data: []byte(`{"n":1}`)},
		sdk.Record{Key: "src-2", TargetID: "t-2", Data: []byte(`{"id":null,"n":2}`)},
		sdk.Record{Key: "src-3", Data: []byte(`{}`)},
	), "src-1+", "t-2+", "src-3+")
	want := "{\"id\":\"src-1\",\"n\":1}\n{\"id\":\"t-2\",\"n\":2}\n{\"id\":\"src-3\"}\n"
	if got := readFile(t, path); got != want {
		t.Fatalf("file:\n%s\nwant\n%s", got, want)
	}
	w.Close(context.Background())

	// A new session finds the keys in the file: the same records change nothing.
	w = openWriter(t, cfg, "s")
	checkResults(t, write(t, w,
		sdk.Record{Key: "src-1", TargetID: "src-1", Data: []byte(`{"n":1}`)},
		sdk.Record{Op: sdk.Delete, Key: "src-3", TargetID: "src-3"},
	), "src-1", "src-3")
	if got := liveLines(readFile(t, path)); got != "{\"id\":\"src-1\",\"n\":1}\n{\"id\":\"t-2\",\"n\":2}\n" {
		t.Fatalf("file after the second session:\n%s", got)
	}
}

func TestWriteSameBatchTwiceIsByteIdentical(t *testing.T) {
	for _, format := range []string{"jsonl", "csv"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "s."+format)
			cfg := testConfig(t, dir, map[string]any{"format": format})
			w := openWriter(t, cfg, "s")
			write(t, w, upsert(`{"id":"x","n":0}`), upsert(`{"id":"y","n":0}`))
			batch := []sdk.Record{
				upsert(`{"id":"a","n":1}`), upsert(`{"id":"x","n":2,"extra":"e"}`), del("y"),
				upsert(`{"id":"b","nested":{"k":[1,2]}}`), upsert(`{"id":"a","n":3}`),
			}
			first := write(t, w, batch...)
			checkResults(t, first, "a+", "x", "y", "b+", "a")
			once := readFile(t, path)
			checkResults(t, write(t, w, batch...), "a", "x", "y", "b", "a")
			if twice := readFile(t, path); twice != once {
				t.Fatalf("second write changed the file:\n%s\nthen\n%s", once, twice)
			}
			w.Close(context.Background())
			w = openWriter(t, cfg, "s") // and in a new session
			checkResults(t, write(t, w, batch...), "a", "x", "y", "b", "a")
			if again := readFile(t, path); again != once {
				t.Fatalf("write in a new session changed the file:\n%s\nthen\n%s", once, again)
			}
		})
	}
}

func TestWriteCSV(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.csv")
	cfg := testConfig(t, dir, map[string]any{"format": "csv"})
	w := openWriter(t, cfg, "s")
	checkResults(t, write(t, w,
		upsert(`{"id":1,"name":"Ann"}`),
		upsert(`{"id":2,"name":"Bob, \"B\"","note":null}`),
	), "1+", "2+")
	if got, want := readFile(t, path), "id,name,note\n1,Ann,\n2,\"Bob, \"\"B\"\"\",\n"; got != want {
		t.Fatalf("file:\n%s\nwant\n%s", got, want)
	}
	before := stat(t, path)
	// A new column rewrites the file with a wider header; nested values as JSON.
	checkResults(t, write(t, w, upsert(`{"id":3,"tags":["a","b"],"addr":{"city":"X"}}`)), "3+")
	if got, want := readFile(t, path), "id,name,note,tags,addr\n1,Ann,,,\n2,\"Bob, \"\"B\"\"\",,,\n3,,,\"[\"\"a\"\",\"\"b\"\"]\",\"{\"\"city\"\":\"\"X\"\"}\"\n"; got != want {
		t.Fatalf("file after a new column:\n%s\nwant\n%s", got, want)
	}
	if sameFile(t, before, stat(t, path)) {
		t.Error("a wider header did not rewrite the file")
	}
	// The same values read back, as strings, in header order.
	out := read(t, cfg, "s", nil, 0)
	if len(out.records) != 3 || string(out.records[2].Data) != `{"id":"3","name":"","note":"","tags":"[\"a\",\"b\"]","addr":"{\"city\":\"X\"}"}` {
		t.Fatalf("read back: %v %s", out.keys(), out.records[len(out.records)-1].Data)
	}
	// Upsert by the key of the existing row: appended, the old row blanked
	// with empty lines.
	checkResults(t, write(t, w, upsert(`{"name":"Ann B","id":1}`)), "1")
	if got, want := readFile(t, path), "id,name,note,tags,addr\n"+strings.Repeat("\n", len("1,Ann,,,\n"))+"2,\"Bob, \"\"B\"\"\",,,\n3,,,\"[\"\"a\"\",\"\"b\"\"]\",\"{\"\"city\"\":\"\"X\"\"}\"\n1,Ann B,,,\n"; got != want {
		t.Errorf("after an update:\n%q\nwant\n%q", got, want)
	}
	if out := read(t, cfg, "s", nil, 0); !slices.Equal(out.keys(), []string{"2", "3", "1"}) {
		t.Errorf("read back after an update: %v", out.keys())
	}
}

func TestWriteKeepsExistingFormat(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "s.csv"), "id,name\n1,Ann\n")
	w := openWriter(t, testConfig(t, dir, map[string]any{"format": "jsonl"}), "s")
	checkResults(t, write(t, w, upsert(`{"id":"1","name":"Ann"}`), upsert(`{"id":"2","name":"Bo"}`)), "1", "2+")
	if got := readFile(t, filepath.Join(dir, "s.csv")); got != "id,name\n1,Ann\n2,Bo\n" {
		t.Fatalf("file = %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "s.jsonl")); err == nil {
		t.Fatal("a jsonl file was created next to the csv")
	}
}

func TestWriteRepairsTornLastLine(t *testing.T) {
	tests := []struct {
		name, file, content, want string
	}{
		{"torn jsonl", "s.jsonl", "{\"id\":\"a\"}\n{\"id\":\"b\",\"x", "{\"id\":\"a\"}\n{\"id\":\"c\"}\n"},
		{"whole jsonl line without newline", "s.jsonl", "{\"id\":\"a\"}", "{\"id\":\"a\"}\n{\"id\":\"c\"}\n"},
		{"torn csv row", "s.csv", "id,note\na,x\nb,\"unfinished", "id,note\na,x\nc,\n"},
		{"csv header without newline", "s.csv", "id,note", "id,note\nc,\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			writeFile(t, path, tt.content)
			w := openWriter(t, testConfig(t, dir, nil), "s")
			checkResults(t, write(t, w, upsert(`{"id":"c"}`)), "c+")
			if got := readFile(t, path); got != tt.want {
				t.Fatalf("file = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWriteKeepsLinesItCannotParse(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	writeFile(t, path, "{\"id\":\"a\"}\nnot json\n{\"no\":\"key\"}\n{\"id\":\"b\"}\n")
	w := openWriter(t, testConfig(t, dir, nil), "s")
	checkResults(t, write(t, w, del("a")), "a")
	if got := liveLines(readFile(t, path)); got != "not json\n{\"no\":\"key\"}\n{\"id\":\"b\"}\n" {
		t.Fatalf("file = %q", got)
	}
}

func TestWriteDirAndLocking(t *testing.T) {
	dir := newDir(t)
	_, err := New().OpenWriter(context.Background(), sdk.OpenWriterRequest{
		Config: testConfig(t, dir, map[string]any{"create_dir": false}), Stream: "s"})
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), dir) {
		t.Fatalf("open writer without dir = %v, want a ConfigError naming it", err)
	}
	conn := New()
	cfg := testConfig(t, dir, nil)
	w, err := conn.OpenWriter(context.Background(), sdk.OpenWriterRequest{Config: cfg, Stream: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.OpenWriter(context.Background(), sdk.OpenWriterRequest{Config: cfg, Stream: "s"}); sdk.KindOf(err) != sdk.KindTransient {
		t.Fatalf("second writer on one stream = %v, want a transient error", err)
	}
	w.Close(context.Background())
	w2, err := conn.OpenWriter(context.Background(), sdk.OpenWriterRequest{Config: cfg, Stream: "s"})
	if err != nil {
		t.Fatalf("writer after the first closed: %v", err)
	}
	w2.Close(context.Background())
	if _, err := conn.OpenWriter(context.Background(), sdk.OpenWriterRequest{Config: cfg, Stream: "../s"}); sdk.KindOf(err) != sdk.KindConfig {
		t.Fatalf("writer on a path = %v, want a ConfigError", err)
	}
}

func TestWriteThenReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir, nil)
	w := openWriter(t, cfg, "s")
	data := []string{`{"id":"1","a":{"b":[1,2,{"c":null}]}}`, `{"id":"2","s":"line\nbreak \u00e9"}`}
	write(t, w, upsert(data[0]), upsert(data[1]))
	out := read(t, cfg, "s", nil, 0)
	var got []string
	for _, r := range out.records {
		got = append(got, string(r.Data))
	}
	if !slices.Equal(got, data) {
		t.Fatalf("read back %q, want %q", got, data)
	}
}

// The core passes the key it linked a record to as TargetID: when the key
// in the data changed at the source, the line moves to the new key instead
// of a second object appearing.
func TestWriteMovesALinkedRecordToItsNewKey(t *testing.T) {
	dir := newDir(t)
	path := filepath.Join(dir, "s.jsonl")
	cfg := testConfig(t, dir, map[string]any{"streams": map[string]any{"s": map[string]any{"key": "email"}}})
	w := openWriter(t, cfg, "s")
	checkResults(t, write(t, w, upsert(`{"email":"ann@x.com","n":1}`), upsert(`{"email":"bob@x.com","n":2}`)),
		"ann@x.com+", "bob@x.com+")

	moved := upsert(`{"email":"ann.new@x.com","n":1}`)
	moved.TargetID = "ann@x.com"
	checkResults(t, write(t, w, moved), "ann.new@x.com")
	if got, want := liveLines(readFile(t, path)), "{\"email\":\"bob@x.com\",\"n\":2}\n{\"email\":\"ann.new@x.com\",\"n\":1}\n"; got != want {
		t.Fatalf("after the key change:\n%s\nwant\n%s", got, want)
	}
	// Replayed after a crash (the link not yet updated): still one object.
	checkResults(t, write(t, w, moved), "ann.new@x.com")
	// Moving onto a key another line holds: that line is updated, the old one goes.
	onto := upsert(`{"email":"bob@x.com","n":3}`)
	onto.TargetID = "ann.new@x.com"
	checkResults(t, write(t, w, onto), "bob@x.com")
	if got, want := liveLines(readFile(t, path)), "{\"email\":\"bob@x.com\",\"n\":3}\n"; got != want {
		t.Fatalf("after moving onto a held key:\n%s\nwant\n%s", got, want)
	}
	// A new session reads the same file back.
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	w2 := openWriter(t, cfg, "s")
	checkResults(t, write(t, w2, upsert(`{"email":"bob@x.com","n":3}`)), "bob@x.com")
}

// liveLines drops the blank lines of a file's content: the lines the
// writer blanked, which readers skip.
func liveLines(content string) string {
	var b strings.Builder
	for line := range strings.Lines(content) {
		if strings.TrimSpace(line) != "" {
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestWriteFindsKeysWithinTheIndexBounds: the writer asks the index only
// about keys within the least and greatest it holds (keyBounds). Keys
// below, above and between them, across batches, a reopen (bounds read
// again), deletes and compactions (a new table) are each found or not, as
// they should be.
func TestWriteFindsKeysWithinTheIndexBounds(t *testing.T) {
	t.Setenv(compactMinEnv, "1") // compact as soon as blanks outweigh live lines
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	cfg := testConfig(t, dir, nil)
	w := openWriter(t, cfg, "s")
	rec := func(id string, n int) sdk.Record {
		return upsert(`{"id":"` + id + `","n":` + strings.Repeat("9", n) + `}`)
	}
	checkResults(t, write(t, w, rec("m", 1)), "m+")
	checkResults(t, write(t, w, rec("a", 1), rec("z", 1)), "a+", "z+")
	checkResults(t, write(t, w, rec("a", 2), rec("b", 1), rec("m", 2), rec("y", 1), rec("z", 2), rec("zz", 1), rec("0", 1)),
		"a", "b+", "m", "y+", "z", "zz+", "0+")
	checkResults(t, write(t, w, del("zz"), del("0"), del("m")), "zz", "0", "m")
	checkResults(t, write(t, w, rec("zz", 3), rec("0", 3), rec("m", 3)), "zz+", "0+", "m+")
	want := func() string {
		return `{"id":"a","n":99}` + "\n" + `{"id":"b","n":9}` + "\n" + `{"id":"y","n":9}` + "\n" + `{"id":"z","n":99}` + "\n" +
			`{"id":"zz","n":999}` + "\n" + `{"id":"0","n":999}` + "\n" + `{"id":"m","n":999}` + "\n"
	}
	if got := liveLines(readFile(t, path)); got != want() {
		t.Fatalf("file:\n%s\nwant\n%s", got, want())
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Reopened: the bounds are read from the index.
	w = openWriter(t, cfg, "s")
	checkResults(t, write(t, w, rec("0", 4), rec("zz", 4), rec("b", 4), rec("c", 1)), "0", "zz", "b", "c+")
	checkResults(t, write(t, w, rec("0", 5), rec("zz", 5), rec("b", 5), rec("c", 5)), "0", "zz", "b", "c")
	got := liveLines(readFile(t, path))
	for _, line := range []string{`{"id":"0","n":99999}`, `{"id":"zz","n":99999}`, `{"id":"b","n":99999}`, `{"id":"c","n":99999}`, `{"id":"a","n":99}`} {
		if strings.Count(got, `{"id":"`+strings.Split(line, `"`)[3]+`"`) != 1 || !strings.Contains(got, line+"\n") {
			t.Fatalf("file:\n%s\nwant the one line %s", got, line)
		}
	}
}

// TestWriteUpdatesLinesNextToEachOther: a batch updating lines that sit
// next to each other reads them in one go (readOld) and blanks them with
// one write; lines it leaves as they are, and those apart, keep or lose
// their content just the same.
func TestWriteUpdatesLinesNextToEachOther(t *testing.T) {
	for _, format := range []string{"jsonl", "csv"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "s."+format)
			w := openWriter(t, testConfig(t, dir, map[string]any{"format": format}), "s")
			rec := func(id int, v string) sdk.Record {
				return upsert(`{"id":"` + string(rune('a'+id)) + `","v":"` + v + `"}`)
			}
			var first []sdk.Record
			for i := range 10 {
				first = append(first, rec(i, "x"))
			}
			write(t, w, first...)
			before := readFile(t, path)
			// b, c, d changed (next to each other), e the same, f and h changed, j longer.
			write(t, w, rec(3, "y"), rec(1, "y"), rec(2, "y"), rec(4, "x"), rec(5, "y"), rec(7, "y"), rec(9, "yy"))
			var want strings.Builder
			lines := strings.SplitAfter(before, "\n")
			blank := " "
			if format == "csv" {
				blank = "\n"
				want.WriteString(lines[0])
				lines = lines[1:]
			}
			for i, line := range lines[:10] {
				if strings.Contains("123579", string(rune('0'+i))) {
					want.WriteString(strings.Repeat(blank, len(line)-1) + "\n")
				} else {
					want.WriteString(line)
				}
			}
			for _, id := range []string{"d", "b", "c", "f", "h"} {
				if format == "csv" {
					want.WriteString(id + ",y\n")
				} else {
					want.WriteString(`{"id":"` + id + `","v":"y"}` + "\n")
				}
			}
			if format == "csv" {
				want.WriteString("j,yy\n")
			} else {
				want.WriteString(`{"id":"j","v":"yy"}` + "\n")
			}
			if got := readFile(t, path); got != want.String() {
				t.Fatalf("file:\n%q\nwant\n%q", got, want.String())
			}
		})
	}
}
