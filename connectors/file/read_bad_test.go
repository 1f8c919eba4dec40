package file

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadCSVUnclosedQuoteIsABadRow: a quoted cell that the file ends
// inside, with complete lines after the line it opens on, is a bad row;
// the rows after it are read.
func TestReadCSVUnclosedQuoteIsABadRow(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,email,note\n")
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, "%d,%c@x.com,ok\n", i, 'a'+i-1)
	}
	b.WriteString("6,\"f@x.com,unterminated\n")
	for i := 7; i < 1007; i++ {
		fmt.Fprintf(&b, "%d,r%d@x.com,ok\n", i, i)
	}
	for _, mode := range []struct {
		name  string
		extra map[string]any
	}{
		{"by offset", nil},
		{"by cursor", streamsConfig("s", map[string]string{"cursor": "id"})},
	} {
		t.Run(mode.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "s.csv"), b.String())
			out := read(t, testConfig(t, dir, mode.extra), "s", nil, 0)
			good, bad := 0, 0
			for _, r := range out.records {
				if r.Problem == "" {
					good++
					continue
				}
				bad++
				if r.Key != "s:7" || string(r.Data) != "6,\"f@x.com,unterminated" ||
					!strings.Contains(r.Problem, "line 7: quoted cell opened on this line is not closed") {
					t.Errorf("bad row = key %q problem %q data %q, want line 7 with its unclosed quote", r.Key, r.Problem, r.Data)
				}
			}
			if good != 1005 || bad != 1 {
				t.Fatalf("read %d good rows and %d bad, want 1005 and 1", good, bad)
			}
		})
	}
}

// TestReadCSVStrayQuoteClosedLaterIsABadRow: a stray quote that a later
// stray quote closes (an inches mark, row 54) would make rows 7–53 one
// cell of row 6. Its lines each read as a whole row, so the line it opens
// on is a bad row and they are read as rows of their own; row 54, with its
// quote in an unquoted cell, is a bad row too; every other row is read.
// A quoted cell whose lines are text (a note over four lines) is not
// taken for one.
func TestReadCSVStrayQuoteClosedLaterIsABadRow(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,email,note\n")
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, "%d,%c@x.com,ok\n", i, 'a'+i-1)
	}
	b.WriteString("6,\"f@x.com,unterminated\n")
	for i := 7; i < 1007; i++ {
		if i == 54 {
			b.WriteString("54,12\",ok\n")
			continue
		}
		fmt.Fprintf(&b, "%d,r%d@x.com,ok\n", i, i)
	}
	b.WriteString("1007,n@x.com,\"Dear team,\nthe parcel came late, and wet,\nplease call me\nthanks\"\n")
	for _, mode := range []struct {
		name  string
		extra map[string]any
	}{
		{"by offset", nil},
		{"by cursor", streamsConfig("s", map[string]string{"cursor": "id"})},
	} {
		t.Run(mode.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "s.csv"), b.String())
			out := read(t, testConfig(t, dir, mode.extra), "s", nil, 0)
			good := 0
			var bad []string
			for _, r := range out.records {
				if r.Problem == "" {
					good++
					continue
				}
				bad = append(bad, r.Problem)
			}
			if good != 1005 || len(bad) != 2 {
				t.Fatalf("read %d good rows and %d bad (%q), want 1005 and 2", good, len(bad), bad)
			}
			if !strings.Contains(bad[0], "line 7: quoted cell opened on this line runs over the next 47 lines, each of which reads as a whole row") {
				t.Errorf("first bad row: %q, want line 7 and the 47 rows its quote ran over", bad[0])
			}
			if !strings.Contains(bad[1], "line 55:") {
				t.Errorf("second bad row: %q, want line 55 (row 54's stray quote)", bad[1])
			}
			last := out.records[len(out.records)-1]
			if last.Problem != "" || !strings.Contains(string(last.Data), `"note":"Dear team,\nthe parcel came late, and wet,\nplease call me\nthanks"`) {
				t.Errorf("a note over three lines: %+v, want it read whole", last)
			}
		})
	}
}

// TestReadCSVUnclosedQuoteAtTheEndWaits: a quoted cell still open on the
// file's last complete line may still be being written: it is left for
// the next read, and read whole once it is closed.
func TestReadCSVUnclosedQuoteAtTheEndWaits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.csv")
	cfg := testConfig(t, dir, nil)
	writeFile(t, path, "id,note\n1,one\n2,\"first line\n")
	first := read(t, cfg, "s", nil, 0)
	if len(first.records) != 1 || first.records[0].Key != "1" {
		t.Fatalf("first read = %v, want row 1 only", first.keys())
	}
	appendFile(t, path, "second line\"\n3,three\n")
	second := readAfter(t, cfg, "s", first)
	if len(second.records) != 2 || second.records[0].Problem != "" ||
		string(second.records[0].Data) != `{"id":"2","note":"first line\nsecond line"}` || second.records[1].Key != "3" {
		t.Fatalf("second read = %+v, want the closed row 2 and row 3", second.records)
	}
}

// TestReadInvalidUTF8IsABadRecord: bytes that are not UTF-8 are never
// replaced: the line is dead-lettered as it is, with where the bad byte is.
func TestReadInvalidUTF8IsABadRecord(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "j.jsonl"), "{\"id\":\"1\"}\n{\"id\":\"2\",\"name\":\"Jos\xe9\"}\n{\"id\":\"3\"}\n")
	writeFile(t, filepath.Join(dir, "c.csv"), "id,name\n1,Ann\n2,Jos\xe9\n3,\"Ren\xc3\xa9e\"\n")
	cfg := testConfig(t, dir, nil)
	tests := []struct {
		stream, badKey, badData, problem string
		good                             []string
	}{
		{"j", "j:2", "{\"id\":\"2\",\"name\":\"Jos\xe9\"}", "line 2: invalid UTF-8 at byte offset 21 in the record, 32 in the file", []string{"1", "3"}},
		{"c", "c:3", "2,Jos\xe9", "line 3: invalid UTF-8 at byte offset 5 in the record, 19 in the file", []string{"1", "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.stream, func(t *testing.T) {
			out := read(t, cfg, tt.stream, nil, 0)
			var good []string
			bad := 0
			for _, r := range out.records {
				if r.Problem == "" {
					if strings.Contains(string(r.Data), "\uFFFD") {
						t.Errorf("record %s was changed: %s", r.Key, r.Data)
					}
					good = append(good, r.Key)
					continue
				}
				bad++
				if r.Key != tt.badKey || string(r.Data) != tt.badData || r.Problem != tt.problem {
					t.Errorf("bad record = key %q problem %q data %q, want key %q problem %q data %q",
						r.Key, r.Problem, r.Data, tt.badKey, tt.problem, tt.badData)
				}
			}
			if bad != 1 || strings.Join(good, ",") != strings.Join(tt.good, ",") {
				t.Fatalf("good records %v and %d bad, want %v and 1", good, bad, tt.good)
			}
		})
	}
}

// TestReadDeepJSONSaysNestedTooDeeply: a record nested past what a JSON
// decoder takes is a bad record, and its reason says so.
func TestReadDeepJSONSaysNestedTooDeeply(t *testing.T) {
	dir := t.TempDir()
	deep := `{"a":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "}"
	writeFile(t, filepath.Join(dir, "j.jsonl"), "{\"id\":\"1\"}\n"+deep+"\n")
	out := read(t, testConfig(t, dir, nil), "j", nil, 0)
	if len(out.records) != 2 {
		t.Fatalf("got %d records, want 2", len(out.records))
	}
	if p := out.records[1].Problem; !strings.Contains(p, "line 2: nested too deeply") {
		t.Fatalf("problem = %q, want it to say the record is nested too deeply", p)
	}
}

// TestWriteDeepJSONSaysNestedTooDeeply: the writer gives the same reason
// for a record from any source.
func TestWriteDeepJSONSaysNestedTooDeeply(t *testing.T) {
	w := openWriter(t, testConfig(t, t.TempDir(), nil), "s")
	deep := `{"id":"1","a":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "}"
	results := write(t, w, upsert(deep))
	if err := results[0].Err; err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("result = %v, want a bad record nested too deeply", err)
	}
}
