package file

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// OpenWriter opens the stream's file for writing by key: the file the
// stream has, in its own format, or else a new <stream>.<format>. It loads
// the file's keys and lines into memory, repairing a torn final line.
func (c *Connector) OpenWriter(ctx context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	if err := checkStreamName(req.Stream); err != nil {
		return nil, sdk.ConfigError(err)
	}
	if _, err := dirExists(cfg); err != nil {
		return nil, err
	}
	sf, ok, err := findStreamFile(cfg.Dir, req.Stream)
	if err != nil {
		return nil, err
	}
	if !ok {
		sf = streamFile{stream: req.Stream, path: filepath.Join(cfg.Dir, req.Stream+"."+string(cfg.Format)), format: cfg.Format}
	}
	keyPath, keyConfigured := cfg.keyPath(req.Stream)
	if sf.format == formatCSV && strings.ContainsAny(keyPath, `.*?|#@\!=`) {
		return nil, sdk.ConfigError(fmt.Errorf("stream %q: key %q: the key of a CSV file must be a top-level column", req.Stream, keyPath))
	}
	unlock, err := c.lockStream(cfg.Dir, req.Stream)
	if err != nil {
		return nil, err
	}
	w := &writer{
		unlock:        unlock,
		dir:           cfg.Dir,
		path:          sf.path,
		format:        sf.format,
		keyPath:       keyPath,
		keyConfigured: keyConfigured,
		createDir:     cfg.createDir(),
		log:           sdk.Logger(ctx).With("stream", req.Stream, "file", sf.path),
	}
	if err := w.load(); err != nil {
		unlock()
		return nil, fmt.Errorf("load %s: %w", sf.path, err)
	}
	return w, nil
}

// writer upserts and deletes the records of one stream's file by key. It
// holds the file's lines in memory, in file order, with an index by key,
// and after each batch the file on disk matches them.
type writer struct {
	unlock        func()
	dir, path     string
	format        format
	keyPath       string
	keyConfigured bool
	createDir     bool
	log           *slog.Logger

	lines   []storedLine
	index   map[string]int // key → its line in lines
	header  []string       // CSV: the columns
	columns map[string]int // CSV: column → its index in header

	// What the file on disk is like.
	exists     bool
	mode       fs.FileMode
	openEnd    bool // its last line has no newline
	diskHeader int  // CSV: columns in its header row, 0 if it has none
	// stale is set when a write failed half-way: the file is loaded again
	// before the next one.
	stale bool
	buf   []byte
}

// storedLine is one line of the file.
type storedLine struct {
	key   string   // "" for a line without a key, kept as it is
	text  []byte   // the line without its newline
	cells []string // CSV: the row's cells, as wide as the header; nil for a row kept verbatim
	gone  bool     // deleted or superseded; dropped at the next rewrite
}

// batchEffect is what a batch did to the lines.
type batchEffect struct {
	base    int  // lines before the batch: lines from base on are new
	rewrite bool // a line before base changed or went, or the CSV header grew
}

var _ sdk.Writer = (*writer)(nil)

// Write applies a batch and returns when its effect is on disk: appended
// and synced when it only added keys, else by a synced rewrite renamed
// over the file. A failure to write the file fails the whole batch.
func (w *writer) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	if err := ctx.Err(); err != nil {
		return sdk.WriteResponse{}, err
	}
	if w.stale {
		if err := w.load(); err != nil {
			return sdk.WriteResponse{}, fmt.Errorf("load %s again: %w", w.path, err)
		}
	}
	eff := batchEffect{base: len(w.lines)}
	results := make([]sdk.Result, len(req.Records))
	for i, rec := range req.Records {
		results[i] = w.apply(rec, &eff)
	}
	appended := slices.ContainsFunc(w.lines[eff.base:], func(l storedLine) bool { return !l.gone })
	var err error
	switch {
	case eff.rewrite:
		err = w.rewriteFile()
	case appended:
		err = w.appendLines(eff.base)
	}
	if err != nil {
		w.stale = true
		return sdk.WriteResponse{}, err
	}
	if eff.rewrite {
		w.compactFrom(0)
	} else {
		w.compactFrom(eff.base)
	}
	return sdk.WriteResponse{Results: results}, nil
}

// Close releases the stream file. Every batch is already on disk.
func (w *writer) Close(context.Context) error {
	w.unlock()
	w.lines, w.index = nil, nil
	return nil
}

// apply applies one record to the lines in memory.
func (w *writer) apply(rec sdk.Record, eff *batchEffect) sdk.Result {
	if rec.Op == sdk.Delete {
		key, err := w.deleteKey(rec)
		if err != nil {
			return sdk.Failed(err)
		}
		if i, ok := w.index[key]; ok {
			w.lines[i].gone = true
			delete(w.index, key)
			eff.rewrite = eff.rewrite || i < eff.base
		}
		return sdk.Written(key, false)
	}
	key, obj, err := w.upsertKey(rec)
	if err != nil {
		return sdk.Failed(err)
	}
	line := storedLine{key: key, text: obj}
	if w.format == formatCSV {
		line.cells = w.csvCells(obj, eff)
		line.text = appendCSVRow(nil, line.cells)
	}
	if rec.TargetID != "" && rec.TargetID != key {
		if j, ok := w.index[rec.TargetID]; ok {
			// The core linked this record to the line it wrote before, under
			// another key: the key changed at the source (a new email). The
			// line moves to the new key, so that one object stays.
			delete(w.index, rec.TargetID)
			eff.rewrite = eff.rewrite || j < eff.base
			if _, taken := w.index[key]; !taken {
				w.index[key] = j
				w.lines[j] = line
				return sdk.Written(key, false)
			}
			w.lines[j].gone = true // the new key's line is updated below
		}
	}
	i, ok := w.index[key]
	if !ok {
		w.index[key] = len(w.lines)
		w.lines = append(w.lines, line)
		return sdk.Written(key, true)
	}
	if w.sameLine(w.lines[i], line) {
		return sdk.Written(key, false)
	}
	w.lines[i] = line
	eff.rewrite = eff.rewrite || i < eff.base
	return sdk.Written(key, false)
}

// sameLine reports whether writing b over a would change nothing.
func (w *writer) sameLine(a, b storedLine) bool {
	if w.format == formatCSV {
		return a.cells != nil && slices.Equal(a.cells, b.cells)
	}
	if bytes.Equal(a.text, b.text) {
		return true
	}
	var compact bytes.Buffer
	return json.Compact(&compact, a.text) == nil && bytes.Equal(compact.Bytes(), b.text)
}

// upsertKey checks an upsert's data and returns its key and the compact
// object to store. Without a configured key, a key taken from the record
// rather than its data is written into the object as "id", so that the
// file still knows the line's key when it is loaded again.
func (w *writer) upsertKey(rec sdk.Record) (key string, obj []byte, err error) {
	data := bytes.TrimSpace(rec.Data)
	if len(data) == 0 || data[0] != '{' {
		return "", nil, sdk.BadRecord(errors.New("record data is not a JSON object"))
	}
	if len(data) > maxJSONDepth && jsonDepth(data) > maxJSONDepth {
		return "", nil, sdk.BadRecord(fmt.Errorf("record data is nested too deeply (more than %d levels)", maxJSONDepth))
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return "", nil, sdk.BadRecord(fmt.Errorf("record data is not valid JSON: %w", err))
	}
	obj = compact.Bytes()
	if key = valueString(gjson.GetBytes(obj, w.keyPath)); key != "" {
		return key, obj, nil
	}
	if w.keyConfigured {
		return "", nil, sdk.BadRecord(fmt.Errorf("record has no value at key path %q", w.keyPath))
	}
	for _, k := range []string{rec.TargetID, rec.Key} {
		if k != "" {
			return k, withID(obj, k), nil
		}
	}
	return "", nil, sdk.BadRecord(errors.New(`record has no "id", target id or key`))
}

// deleteKey returns the key a delete removes: the value at the key path in
// its data if it has data, else its TargetID, else (without a configured
// key) its Key.
func (w *writer) deleteKey(rec sdk.Record) (string, error) {
	if data := bytes.TrimSpace(rec.Data); len(data) > 0 {
		if data[0] != '{' || !gjson.ValidBytes(data) {
			return "", sdk.BadRecord(errors.New("record data is not a JSON object"))
		}
		if k := valueString(gjson.GetBytes(data, w.keyPath)); k != "" {
			return k, nil
		}
	}
	if rec.TargetID != "" {
		return rec.TargetID, nil
	}
	if !w.keyConfigured && rec.Key != "" {
		return rec.Key, nil
	}
	if w.keyConfigured {
		return "", sdk.BadRecord(fmt.Errorf("record has no value at key path %q and no target id", w.keyPath))
	}
	return "", sdk.BadRecord(errors.New(`record has no "id", target id or key`))
}

// withID sets the top-level "id" of a compact object to key.
func withID(obj []byte, key string) []byte {
	quoted := gjson.AppendJSONString(nil, key)
	if v := gjson.GetBytes(obj, "id"); v.Exists() && v.Index > 0 {
		out := append([]byte(nil), obj[:v.Index]...)
		out = append(out, quoted...)
		return append(out, obj[v.Index+len(v.Raw):]...)
	}
	out := append([]byte(`{"id":`), quoted...)
	if len(obj) > 2 { // not {}
		out = append(out, ',')
	}
	return append(out, obj[1:]...)
}

// csvCells returns an object's row, as wide as the header; a top-level
// field the header lacks becomes a new column.
func (w *writer) csvCells(obj []byte, eff *batchEffect) []string {
	cells := make([]string, len(w.header))
	gjson.ParseBytes(obj).ForEach(func(k, v gjson.Result) bool {
		i, ok := w.columns[k.Str]
		if !ok {
			i = w.addColumn(k.Str, eff)
			cells = append(cells, make([]string, len(w.header)-len(cells))...)
		}
		cells[i] = csvCell(v)
		return true
	})
	return cells
}

// addColumn widens the header, and every row with it.
func (w *writer) addColumn(name string, eff *batchEffect) int {
	w.columns[name] = len(w.header)
	w.header = append(w.header, name)
	for i := range w.lines {
		l := &w.lines[i]
		if l.cells != nil {
			l.cells = append(l.cells, "")
			l.text = appendCSVRow(l.text[:0:0], l.cells)
		}
	}
	if w.diskHeader > 0 {
		eff.rewrite = true
	}
	return len(w.header) - 1
}

// compactFrom drops the gone lines from start on, and re-indexes.
func (w *writer) compactFrom(start int) {
	kept := start
	for i := start; i < len(w.lines); i++ {
		if w.lines[i].gone {
			continue
		}
		if w.lines[i].key != "" {
			w.index[w.lines[i].key] = kept
		}
		w.lines[kept] = w.lines[i]
		kept++
	}
	clear(w.lines[kept:])
	w.lines = w.lines[:kept]
}
