package file

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// A kill between a batch's fsync and its index commit leaves lines after
// the indexed end of the file; so do lines appended by hand. They are
// indexed when the file is opened again: kept, deletable, superseding.
func TestWriteIndexesLinesAfterTheLastCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	cfg := testConfig(t, dir, nil)
	w := openWriter(t, cfg, "s")
	write(t, w, upsert(`{"id":"a","n":1}`), upsert(`{"id":"b","n":1}`))
	w.Close(context.Background())

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("{\"id\":\"c\",\"n\":1}\n{\"id\":\"a\",\"n\":2}\n{\"id\":\"d\",\"n\":1}\n{\"id\":\"e\",") // and a torn end
	f.Close()

	w = openWriter(t, cfg, "s")
	checkResults(t, write(t, w, del("d"), upsert(`{"id":"f","n":1}`)), "d", "f+")
	checkResults(t, write(t, w, upsert(`{"id":"c","n":1}`), upsert(`{"id":"a","n":2}`)), "c", "a")
	if got, want := liveLines(readFile(t, path)), "{\"id\":\"b\",\"n\":1}\n{\"id\":\"c\",\"n\":1}\n{\"id\":\"a\",\"n\":2}\n{\"id\":\"f\",\"n\":1}\n"; got != want {
		t.Fatalf("file:\n%s\nwant\n%s", got, want)
	}
}

// A compaction renames its copy over the file before it commits the new
// index: a kill in between leaves an index of the old file beside the new
// one. The writer sees the file is another (its inode) and indexes it again.
func TestWriteReindexesAReplacedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	cfg := testConfig(t, dir, nil)
	w := openWriter(t, cfg, "s")
	write(t, w, upsert(`{"id":"a","n":1}`), upsert(`{"id":"bb","n":1}`), upsert(`{"id":"c","n":1}`))
	w.Close(context.Background())

	// The same lines in another order, as another file of the same size.
	writeFile(t, path+".new", "{\"id\":\"c\",\"n\":1}\n{\"id\":\"bb\",\"n\":1}\n{\"id\":\"a\",\"n\":1}\n")
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	w = openWriter(t, cfg, "s")
	checkResults(t, write(t, w, upsert(`{"id":"a","n":2}`)), "a")
	if got, want := liveLines(readFile(t, path)), "{\"id\":\"c\",\"n\":1}\n{\"id\":\"bb\",\"n\":1}\n{\"id\":\"a\",\"n\":2}\n"; got != want {
		t.Fatalf("file:\n%s\nwant\n%s", got, want)
	}
}

// A file written before the key index existed (the previous writer kept
// its keys in memory), or by hand, is indexed on first open: compacted,
// the last line of a key counting.
func TestWriteUpgradesAFileWithoutIndex(t *testing.T) {
	for _, tt := range []struct{ file, content, want string }{
		{"s.jsonl", "{\"id\":\"a\",\"n\":1}\n\nnot json\n{\"id\":\"b\"}\n{\"id\":\"a\",\"n\":2}\n", "not json\n{\"id\":\"b\"}\n{\"id\":\"a\",\"n\":2}\n{\"id\":\"c\"}\n"},
		{"s.csv", "id,n\r\na,1\r\nb,\r\na,2\r\n", "id,n\nb,\na,2\nc,\n"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			writeFile(t, path, tt.content)
			w := openWriter(t, testConfig(t, dir, nil), "s")
			checkResults(t, write(t, w, upsert(`{"id":"a","n":2}`), upsert(`{"id":"c"}`)), "a", "c+")
			if got := liveLines(readFile(t, path)); got != tt.want {
				t.Fatalf("file = %q, want %q", got, tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "."+tt.file+".idx")); err != nil {
				t.Fatalf("no key index: %v", err)
			}
		})
	}
}

func TestWriteRefusesAnIndexFromANewerVersion(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir, nil)
	w := openWriter(t, cfg, "s")
	write(t, w, upsert(`{"id":"a"}`))
	w.Close(context.Background())
	db, err := sql.Open("sqlite3", filepath.Join(dir, ".s.jsonl.idx"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE meta SET version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = New().OpenWriter(context.Background(), sdk.OpenWriterRequest{Config: cfg, Stream: "s"})
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "newer cxhub") {
		t.Fatalf("open writer = %v, want a ConfigError about a newer cxhub", err)
	}
}

// Once blanked lines take more room than live ones (past a minimum), the
// file is rewritten without them.
func TestWriteCompactsWhenBlanksAccumulate(t *testing.T) {
	t.Setenv(compactMinEnv, "100")
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	w := openWriter(t, testConfig(t, dir, nil), "s")
	write(t, w, upsert(`{"id":"a","n":1}`), upsert(`{"id":"b","n":1}`), upsert(`{"id":"c","n":1}`))
	before := stat(t, path)
	// Each update blanks a line of 17 bytes: the 6th passes the minimum.
	for n := 2; n <= 9; n++ {
		write(t, w, upsert(`{"id":"a","n":`+strconv.Itoa(n)+`}`))
	}
	if sameFile(t, before, stat(t, path)) {
		t.Fatal("no compaction: the file was not rewritten")
	}
	got := readFile(t, path)
	if live := liveLines(got); live != "{\"id\":\"b\",\"n\":1}\n{\"id\":\"c\",\"n\":1}\n{\"id\":\"a\",\"n\":9}\n" {
		t.Fatalf("live lines after compaction = %q", live)
	}
	if blank := strings.Count(got, "\n") - 3; blank != 2 { // the two updates after the compaction
		t.Fatalf("%d blank lines after compaction, want 2: %q", blank, got)
	}
}

// The key index's exclusive lock keeps a second writer of the same file
// out, even from another connector instance (another process, in life).
func TestWriteRefusesASecondWriterElsewhere(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir, nil)
	w := openWriter(t, cfg, "s")
	write(t, w, upsert(`{"id":"a"}`))
	_, err := New().OpenWriter(context.Background(), sdk.OpenWriterRequest{Config: cfg, Stream: "s"})
	if sdk.KindOf(err) != sdk.KindTransient || !strings.Contains(err.Error(), "another process is writing this stream") {
		t.Fatalf("second writer = %v, want a transient error saying another process writes the stream", err)
	}
	w.Close(context.Background())
	w2, err := New().OpenWriter(context.Background(), sdk.OpenWriterRequest{Config: cfg, Stream: "s"})
	if err != nil {
		t.Fatalf("writer after the first closed: %v", err)
	}
	w2.Close(context.Background())
}

// A compaction drops a CSV file's empty lines (blanked rows are as many
// of them as they had bytes: the scanner skips them in runs) wherever they
// are: before the header, between rows, before a row over several lines,
// at the end, before a quote never closed (a bad row, kept); the rows
// after them keep their place in the index.
func TestWriteCompactsCSVEmptyLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.csv")
	writeFile(t, path, "\n\nid,n\n\n\na,1\n\n\"x\ny\",2\n"+strings.Repeat("\n", 5000)+"b,3\n\n\n\"bad,1\nd,5\n\n")
	w := openWriter(t, testConfig(t, dir, nil), "s") // no index: compacted
	checkResults(t, write(t, w, upsert(`{"id":"a","n":"2"}`), upsert(`{"id":"c"}`), upsert(`{"id":"x\ny","n":"2"}`)), "a", "c+", "x\ny")
	if got, want := readFile(t, path), "id,n\n\n\n\n\n\"x\ny\",2\nb,3\n\"bad,1\nd,5\na,2\nc,\n"; got != want {
		t.Fatalf("file = %q, want %q", got, want)
	}
	checkResults(t, write(t, w, upsert(`{"id":"b","n":"4"}`)), "b")
	if got, want := liveLines(readFile(t, path)), "id,n\n\"x\ny\",2\n\"bad,1\nd,5\na,2\nc,\nb,4\n"; got != want {
		t.Fatalf("file = %q, want %q", got, want)
	}
}
