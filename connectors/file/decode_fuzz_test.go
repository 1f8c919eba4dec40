package file

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// FuzzReadJSONL reads arbitrary bytes as a JSON Lines stream file, by
// offset and by cursor. Neither read fails or panics; every record has a
// key and is either one valid JSON object (by encoding/json, not only by
// the parser the connector uses) or a Problem record carrying the raw line.
// By offset, there is exactly one record per non-blank line, in order,
// except a final line without a newline that does not parse (left for the
// next read), and a second read from the last checkpoint gives nothing.
func FuzzReadJSONL(f *testing.F) {
	for _, seed := range []string{
		`{"id":1,"updated_at":"2026-05-01T10:00:00Z","name":"Ada"}` + "\n" + `{"id":"b","updated_at":"2026-04-01T10:00:00.5+02:00"}` + "\n",
		"{\"id\":1}\r\n\r\n  \n{\"id\":2}",
		"\xef\xbb\xbf{\"id\":1}\n[1,2]\n\"s\"\nnull\ntrue\n-1.5e3\n{\"id\":\n{\"id\":3}",
		"{\"id\":null,\"updated_at\":null}\n{\"id\":{\"a\":1},\"updated_at\":5}\n{\"id\":[1]}\n",
		"{\"a\":\"\xff\xfe\"}\n{\"a\":\"\\ud800\"}\n{\"a\":1}garbage\n{} {}\n",
		"\u00a0{\"id\":\"nbsp\"}\u0085\n\x00{}\n{\"id\":1}\r",
		"",
		"\n\n\n",
	} {
		f.Add([]byte(seed))
	}
	quietLogs(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		writeStreamFile(t, dir, "s.jsonl", data)
		want := expectedJSONL(data)
		for _, streams := range []map[string]any{
			{"s": map[string]any{"key": "id"}},
			{"s": map[string]any{"key": "id", "cursor": "updated_at"}},
		} {
			cfg := testConfig(t, dir, map[string]any{"streams": streams})
			out := fuzzRead(t, cfg, nil)
			checkRecords(t, out.records)
			if _, byCursor := streams["s"].(map[string]any)["cursor"]; byCursor {
				continue // a cursor read sorts its records by cursor
			}
			if len(out.records) != len(want) {
				t.Fatalf("read %d records, want %d (one per non-blank line)", len(out.records), len(want))
			}
			for i, r := range out.records {
				if (r.Problem == "") != want[i].valid || !bytes.Equal(r.Data, want[i].data) {
					t.Errorf("record %d: data %q, problem %q; want data %q, valid %v", i, r.Data, r.Problem, want[i].data, want[i].valid)
				}
			}
			if last := out.last("s"); last != nil {
				if again := fuzzRead(t, cfg, last.state); len(again.records) != 0 {
					t.Errorf("a read from the last checkpoint gave %d records, want none", len(again.records))
				}
			}
		}
	})
}

// FuzzReadCSV reads arbitrary bytes as a CSV stream file, by offset and by
// cursor. A read either succeeds or fails with a ConfigError (a bad
// header); every record has a key and is either a Problem record or a JSON
// object of strings whose members are the header's columns, in order.
func FuzzReadCSV(f *testing.F) {
	for _, seed := range []string{
		"id,name,updated_at\n1,Ada,2026-05-01T10:00:00Z\n2,\"Lovelace, Ada\",2026-04-01T10:00:00Z\n",
		"id,note\r\n1,\"two\r\nlines\"\r\n2,\"say \"\"hi\"\"\"\r\n\r\n3,\n",
		"\xef\xbb\xbf\n\nid,x\n1,2,3\n4\n\"5\"x,6\n7,\"unterminated\n",
		"id,id\n1,2\n",
		"id\n\"\"\n\n1",
		"\"a,b\",\"\xff\"\n\"\",\"\\u0000\"\n",
		"id,\"multi\nline header\"\n1,2\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	quietLogs(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		writeStreamFile(t, dir, "s.csv", data)
		for _, streams := range []map[string]any{
			{"s": map[string]any{"key": "id"}},
			{"s": map[string]any{"key": "id", "cursor": "updated_at"}},
		} {
			cfg := testConfig(t, dir, map[string]any{"streams": streams})
			out := &collector{}
			err := New().Read(t.Context(), sdk.ReadRequest{Config: cfg, Streams: []sdk.StreamState{{Stream: "s"}}, BatchSize: 7}, out)
			if err != nil {
				if k := sdk.KindOf(err); k != sdk.KindConfig {
					t.Fatalf("read failed with a %v error, want only config errors (a bad header): %v", k, err)
				}
				continue
			}
			checkRecords(t, out.records)
			checkCSVObjects(t, out.records)
		}
	})
}

// quietLogs sends the default logger's lines nowhere while f runs: a
// cursor read warns about states and lines the fuzzer makes up.
func quietLogs(f *testing.F) {
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.Cleanup(func() { slog.SetDefault(prev) })
}

// writeStreamFile writes data as dir/name.
func writeStreamFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// fuzzRead reads stream "s" from state, which must succeed.
func fuzzRead(t *testing.T, cfg sdk.Config, state []byte) *collector {
	t.Helper()
	out := &collector{}
	req := sdk.ReadRequest{Config: cfg, Streams: []sdk.StreamState{{Stream: "s", State: state}}, BatchSize: 7}
	if err := New().Read(t.Context(), req, out); err != nil {
		t.Fatalf("read: %v", err)
	}
	return out
}

// checkRecords checks what every record of stream "s" must be.
func checkRecords(t *testing.T, records []sdk.Record) {
	t.Helper()
	for i, r := range records {
		if r.Stream != "s" || r.Key == "" || r.Op != sdk.Upsert {
			t.Errorf("record %d: stream %q, key %q, op %v", i, r.Stream, r.Key, r.Op)
		}
		if r.Problem != "" {
			continue
		}
		if !json.Valid(r.Data) || firstNonSpace(r.Data) != '{' {
			t.Errorf("record %d has no problem but its data %q is not a JSON object", i, r.Data)
		}
	}
}

// checkCSVObjects checks that the good records of a CSV file are objects
// of strings with the same members in the same order: the header's.
func checkCSVObjects(t *testing.T, records []sdk.Record) {
	t.Helper()
	var header []string
	for i, r := range records {
		if r.Problem != "" {
			continue
		}
		var cols []string
		ok := true
		gjson.ParseBytes(r.Data).ForEach(func(k, v gjson.Result) bool {
			cols = append(cols, k.String())
			ok = ok && v.Type == gjson.String
			return true
		})
		if !ok {
			t.Errorf("record %d: %s holds a value that is not a string", i, r.Data)
		}
		if header == nil {
			header = cols
		} else if !slices.Equal(cols, header) {
			t.Errorf("record %d has columns %q, an earlier one %q", i, cols, header)
		}
	}
}

// jsonlLine is what a read by offset should give for one non-blank line.
type jsonlLine struct {
	data  []byte
	valid bool
}

// expectedJSONL splits data into lines as a JSON Lines reader should, on
// its own: one entry per non-blank line, the line without surrounding
// space when it is a valid JSON object in valid UTF-8, else the line as it
// is (without a final '\r'). A final line without '\n' is left out unless valid.
func expectedJSONL(data []byte) []jsonlLine {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var out []jsonlLine
	for len(data) > 0 {
		line, rest, terminated := bytes.Cut(data, []byte("\n"))
		data = rest
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 {
			continue
		}
		valid := json.Valid(trimmed) && trimmed[0] == '{' && utf8.Valid(line)
		if !terminated && !valid {
			break
		}
		if valid {
			out = append(out, jsonlLine{data: trimmed, valid: true})
		} else {
			out = append(out, jsonlLine{data: bytes.TrimSuffix(line, []byte("\r"))})
		}
	}
	return out
}

// firstNonSpace returns the first byte of b that is not JSON white space.
func firstNonSpace(b []byte) byte {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}
