package file

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

func TestReadJSONLFull(t *testing.T) {
	dir := t.TempDir()
	content := "{\"id\":\"a\",\"name\":\"Ann\"}\n" +
		"\n" +
		"{\"name\":\"no id\"}\n" +
		"  {\"id\":7,\"n\":1}  \r\n" +
		"{\"id\":\"c\"}" // no final newline
	writeFile(t, filepath.Join(dir, "people.jsonl"), content)
	out := read(t, testConfig(t, dir, nil), "people", nil, 0)

	want := []struct{ key, data string }{
		{"a", `{"id":"a","name":"Ann"}`},
		{"people:3", `{"name":"no id"}`},
		{"7", `{"id":7,"n":1}`},
		{"c", `{"id":"c"}`},
	}
	if len(out.records) != len(want) {
		t.Fatalf("got %d records, want %d: %v", len(out.records), len(want), out.keys())
	}
	for i, w := range want {
		r := out.records[i]
		if r.Key != w.key || string(r.Data) != w.data || r.Stream != "people" || r.Problem != "" || !r.UpdatedAt.IsZero() {
			t.Errorf("record %d = %+v, want key %q data %s", i, r, w.key, w.data)
		}
	}
	cp := out.last("people")
	var st offsetState
	if cp == nil || json.Unmarshal(cp.state, &st) != nil {
		t.Fatalf("no offset checkpoint: %+v", out.checkpoints)
	}
	if st.Offset != int64(len(content)) || st.Line != 5 || st.OpenLine != int64(len(`{"id":"c"}`)) {
		t.Errorf("final state = %+v, want offset %d line 5 with an open line", st, len(content))
	}
}

func TestReadCSVFull(t *testing.T) {
	dir := t.TempDir()
	content := "\xef\xbb\xbfid,name,note\r\n" +
		"1,Ann,\"hello, world\"\r\n" +
		"2,\"Bob \"\"B\"\"\",\"multi\nline\"\r\n" +
		"\r\n" +
		"3,Cy,\n"
	writeFile(t, filepath.Join(dir, "people.csv"), content)
	out := read(t, testConfig(t, dir, nil), "people", nil, 0)
	want := []struct{ key, data string }{
		{"1", `{"id":"1","name":"Ann","note":"hello, world"}`},
		{"2", `{"id":"2","name":"Bob \"B\"","note":"multi\nline"}`},
		{"3", `{"id":"3","name":"Cy","note":""}`},
	}
	if len(out.records) != len(want) {
		t.Fatalf("got %d records, want %d: %v", len(out.records), len(want), out.keys())
	}
	for i, w := range want {
		if r := out.records[i]; r.Key != w.key || string(r.Data) != w.data || r.Problem != "" {
			t.Errorf("record %d = key %q data %s problem %q, want key %q data %s", i, r.Key, r.Data, r.Problem, w.key, w.data)
		}
	}
}

func TestReadProblemLines(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "j.jsonl"), "{\"id\":\"1\"}\nnot json\n[1,2]\n{\"id\":\"4\"}\n")
	writeFile(t, filepath.Join(dir, "c.csv"), "a,b,c,d\n1,2,3,4\n1,2,3,4,5\n1,x\"y,3,4\n5,6,7,8\n")
	cfg := testConfig(t, dir, nil)

	tests := []struct {
		stream string
		want   []struct{ key, problem, data string }
	}{
		{"j", []struct{ key, problem, data string }{
			{"1", "", `{"id":"1"}`},
			{"j:2", "line 2: invalid JSON: invalid character", "not json"},
			{"j:3", "line 3: not a JSON object but an array", "[1,2]"},
			{"4", "", `{"id":"4"}`},
		}},
		{"c", []struct{ key, problem, data string }{
			{"c:2", "", `{"a":"1","b":"2","c":"3","d":"4"}`},
			{"c:3", "line 3: 5 cells, header has 4", "1,2,3,4,5"},
			{"c:4", "line 4: invalid CSV: quote inside unquoted cell 2", `1,x"y,3,4`},
			{"c:5", "", `{"a":"5","b":"6","c":"7","d":"8"}`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.stream, func(t *testing.T) {
			out := read(t, cfg, tt.stream, nil, 0)
			if len(out.records) != len(tt.want) {
				t.Fatalf("got %d records, want %d", len(out.records), len(tt.want))
			}
			for i, w := range tt.want {
				r := out.records[i]
				if r.Key != w.key || !strings.HasPrefix(r.Problem, w.problem) || (w.problem == "") != (r.Problem == "") || string(r.Data) != w.data {
					t.Errorf("record %d = key %q problem %q data %q, want key %q problem %q… data %q",
						i, r.Key, r.Problem, r.Data, w.key, w.problem, w.data)
				}
			}
		})
	}
}

func TestReadOffsetIncremental(t *testing.T) {
	for _, tt := range []struct {
		file, first, more   string
		wantFirst, wantMore []string
	}{
		{"s.jsonl", "{\"id\":\"1\"}\n{\"id\":\"2\"}\n", "{\"id\":\"3\"}\nbroken\n{\"id\":\"5\"}\n",
			[]string{"1", "2"}, []string{"3", "s:4", "5"}},
		{"s.csv", "id,v\n1,a\n2,b\n", "3,c\n4\n5,e\n",
			[]string{"1", "2"}, []string{"3", "s:5", "5"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			cfg := testConfig(t, dir, nil)
			writeFile(t, path, tt.first)
			first := read(t, cfg, "s", nil, 0)
			if !slices.Equal(first.keys(), tt.wantFirst) {
				t.Fatalf("first read = %v, want %v", first.keys(), tt.wantFirst)
			}
			appendFile(t, path, tt.more)
			second := readAfter(t, cfg, "s", first)
			if !slices.Equal(second.keys(), tt.wantMore) {
				t.Fatalf("second read = %v, want %v", second.keys(), tt.wantMore)
			}
			third := readAfter(t, cfg, "s", second)
			if len(third.records) != 0 {
				t.Fatalf("third read = %v, want nothing", third.keys())
			}
		})
	}
}

func TestReadOffsetRewrittenReadsAgain(t *testing.T) {
	long := func(n int, tag string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "{\"id\":\"%d\",\"tag\":%q,\"pad\":\"%s\"}\n", i, tag, strings.Repeat("x", 80))
		}
		return b.String()
	}
	tests := []struct {
		name    string
		before  string
		after   string
		wantLen int
	}{
		{"truncated", long(5, "a"), long(2, "a"), 2},
		{"same size, head changed", long(5, "a"), long(5, "b"), 5},
		{"head kept, lines before the offset changed", long(100, "a"),
			long(99, "a") + strings.Replace(long(100, "a")[len(long(99, "a")):], "99", "x9", 1) + long(1, "n"), 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "s.jsonl")
			cfg := testConfig(t, dir, nil)
			writeFile(t, path, tt.before)
			first := read(t, cfg, "s", nil, 0)
			writeFile(t, path, tt.after)
			second := readAfter(t, cfg, "s", first)
			if len(second.records) != tt.wantLen {
				t.Fatalf("read after rewrite: %d records, want %d (a full read)", len(second.records), tt.wantLen)
			}
		})
	}
}

func TestReadFinalLineWithoutNewline(t *testing.T) {
	t.Run("incomplete line is left for the next read", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "s.jsonl")
		cfg := testConfig(t, dir, nil)
		writeFile(t, path, "{\"id\":\"1\"}\n{\"id\":\"2\",\"na")
		first := read(t, cfg, "s", nil, 0)
		if !slices.Equal(first.keys(), []string{"1"}) {
			t.Fatalf("first read = %v, want [1]", first.keys())
		}
		appendFile(t, path, "me\":\"x\"}\n")
		second := readAfter(t, cfg, "s", first)
		if len(second.records) != 1 || string(second.records[0].Data) != `{"id":"2","name":"x"}` {
			t.Fatalf("second read = %v, want the completed line 2", second.records)
		}
	})
	t.Run("complete line is read, and again if it grows", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "s.jsonl")
		cfg := testConfig(t, dir, nil)
		writeFile(t, path, "{\"id\":\"1\"}\n{\"id\":\"2\"}")
		first := read(t, cfg, "s", nil, 0)
		if !slices.Equal(first.keys(), []string{"1", "2"}) {
			t.Fatalf("first read = %v, want [1 2]", first.keys())
		}
		if again := readAfter(t, cfg, "s", first); len(again.records) != 0 {
			t.Fatalf("read of an unchanged file = %v, want nothing", again.keys())
		}
		appendFile(t, path, ",\"more\":1}\n{\"id\":\"3\"}\n") // line 2 was not finished after all
		second := readAfter(t, cfg, "s", first)
		if len(second.records) != 2 || second.records[0].Problem == "" || second.records[0].Key != "s:2" || second.records[1].Key != "3" {
			t.Fatalf("second read = %+v, want line 2 again (now a problem) and 3", second.records)
		}
	})
	t.Run("csv record ending inside quotes waits", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "s.csv")
		cfg := testConfig(t, dir, nil)
		writeFile(t, path, "id,note\n1,\"first\nsecond")
		first := read(t, cfg, "s", nil, 0)
		if len(first.records) != 0 {
			t.Fatalf("first read = %v, want nothing", first.keys())
		}
		appendFile(t, path, " line\"\n")
		second := readAfter(t, cfg, "s", first)
		if len(second.records) != 1 || string(second.records[0].Data) != `{"id":"1","note":"first\nsecond line"}` {
			t.Fatalf("second read = %+v", second.records)
		}
	})
}

func TestReadCheckpointsEveryBatch(t *testing.T) {
	for _, cursor := range []string{"", "n"} {
		t.Run("cursor="+cursor, func(t *testing.T) {
			dir := t.TempDir()
			var b strings.Builder
			for i := range 10 {
				fmt.Fprintf(&b, "{\"id\":\"%02d\",\"n\":%d}\n", i, i)
			}
			writeFile(t, filepath.Join(dir, "s.jsonl"), b.String())
			var extra map[string]any
			if cursor != "" {
				extra = streamsConfig("s", map[string]string{"cursor": cursor})
			}
			cfg := testConfig(t, dir, extra)
			out := read(t, cfg, "s", nil, 3)
			var after []int
			for _, cp := range out.checkpoints {
				after = append(after, cp.after)
			}
			if !slices.Equal(after, []int{3, 6, 9, 10}) {
				t.Fatalf("checkpoints after %v records, want [3 6 9 10]", after)
			}
			// Every checkpoint covers exactly the records before it.
			for _, cp := range out.checkpoints {
				rest := read(t, cfg, "s", cp.state, 0)
				if !slices.Equal(rest.keys(), out.keys()[cp.after:]) {
					t.Errorf("resume after %d records = %v, want %v", cp.after, rest.keys(), out.keys()[cp.after:])
				}
			}
		})
	}
}

func TestReadCancelStops(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&b, "{\"id\":\"%d\",\"n\":%d}\n", i, i)
	}
	writeFile(t, filepath.Join(dir, "s.jsonl"), b.String())
	for _, cursor := range []string{"", "n"} {
		t.Run("cursor="+cursor, func(t *testing.T) {
			var extra map[string]any
			if cursor != "" {
				extra = streamsConfig("s", map[string]string{"cursor": cursor})
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := &collector{onEmit: func(*collector) { cancel() }}
			req := sdk.ReadRequest{Config: testConfig(t, dir, extra), Streams: []sdk.StreamState{{Stream: "s"}}, BatchSize: 10}
			err := New().Read(ctx, req, out)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("read = %v, want context.Canceled", err)
			}
			if len(out.records) > 500 {
				t.Fatalf("read went on for %d records after the cancel", len(out.records))
			}
		})
	}
}

func TestReadSeveralStreams(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.jsonl"), "{\"id\":\"a1\"}\n{\"id\":\"a2\"}\n")
	writeFile(t, filepath.Join(dir, "b.csv"), "id\nb1\n")
	out := &collector{}
	req := sdk.ReadRequest{Config: testConfig(t, dir, nil), Streams: []sdk.StreamState{{Stream: "a"}, {Stream: "b"}}}
	if err := New().Read(context.Background(), req, out); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.keys(), []string{"a1", "a2", "b1"}) {
		t.Fatalf("keys = %v", out.keys())
	}
	if len(out.checkpoints) != 2 || out.checkpoints[0].stream != "a" || out.checkpoints[0].after != 2 ||
		out.checkpoints[1].stream != "b" || out.checkpoints[1].after != 3 {
		t.Fatalf("checkpoints = %+v", out.checkpoints)
	}
}

func TestReadMissingFile(t *testing.T) {
	dir := t.TempDir()
	req := sdk.ReadRequest{Config: testConfig(t, dir, nil), Streams: []sdk.StreamState{{Stream: "nope"}}}
	err := New().Read(context.Background(), req, &collector{})
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), dir) {
		t.Fatalf("read of a stream without a file = %v, want a ConfigError naming the dir", err)
	}
	req.Config = testConfig(t, dir, streamsConfig("nope", map[string]string{}))
	if err := New().Read(context.Background(), req, &collector{}); err != nil {
		t.Fatalf("read of a declared stream without a file = %v, want nothing read", err)
	}
	req.Streams = []sdk.StreamState{{Stream: "../etc/passwd"}}
	if err := New().Read(context.Background(), req, &collector{}); sdk.KindOf(err) != sdk.KindConfig {
		t.Fatalf("read of a stream named like a path = %v, want a ConfigError", err)
	}
}

func TestReadLongLineIsAProblem(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 17 MB line")
	}
	dir := t.TempDir()
	long := "{\"id\":\"big\",\"x\":\"" + strings.Repeat("y", maxLineBytes) + "\"}\n"
	writeFile(t, filepath.Join(dir, "s.jsonl"), "{\"id\":\"1\"}\n"+long+"{\"id\":\"3\"}\n")
	out := read(t, testConfig(t, dir, nil), "s", nil, 0)
	if len(out.records) != 3 || out.records[1].Problem == "" || len(out.records[1].Data) != maxLineBytes || out.records[2].Key != "3" {
		t.Fatalf("records = %v, want a problem for line 2 between 1 and 3", out.keys())
	}
}

func TestScannerKeepsOffsets(t *testing.T) {
	content := "\xef\xbb\xbfa\r\nbb\n\nccc"
	f, err := os.CreateTemp(t.TempDir(), "scan")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString(content)
	sc := newScanner(f, position{}, false)
	var got []string
	for {
		c, err := sc.next()
		if err != nil {
			break
		}
		got = append(got, fmt.Sprintf("%d:%d-%d:%q:%v", c.line, c.start, c.end, c.raw, c.terminated))
	}
	want := []string{`1:3-6:"a\r":true`, `2:6-9:"bb":true`, `3:9-10:"":true`, `4:10-13:"ccc":false`}
	if !slices.Equal(got, want) {
		t.Fatalf("chunks = %q, want %q", got, want)
	}
}
