package file

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// cursorState is the checkpoint of a read by cursor: the greatest cursor
// value emitted ("" before any) and the keys emitted at that value.
type cursorState struct {
	Cursor string   `json:"cursor"`
	Keys   []string `json:"keys"`
}

// cursorMark is how far a read by cursor has come.
type cursorMark struct {
	set  bool // false until a record with a cursor value was emitted
	at   cursorValue
	keys map[string]bool
}

// covers reports whether the record (v, key) was emitted before the mark.
func (m *cursorMark) covers(v cursorValue, key string) bool {
	if !m.set {
		return false
	}
	c := compareCursors(v, m.at)
	return c < 0 || c == 0 && m.keys[key]
}

// advance moves the mark past an emitted record. Records come in
// (cursor, key) order, never before the mark.
func (m *cursorMark) advance(v cursorValue, key string) {
	if !m.set || compareCursors(v, m.at) > 0 {
		m.set, m.at, m.keys = true, v, map[string]bool{}
	}
	m.keys[key] = true
}

func (m *cursorMark) state() ([]byte, error) {
	st := cursorState{Keys: make([]string, 0, len(m.keys))}
	if m.set {
		st.Cursor = m.at.text
		for k := range m.keys {
			st.Keys = append(st.Keys, k)
		}
		slices.Sort(st.Keys)
	}
	return json.Marshal(st)
}

// cursorHoldBytes bounds the bytes of changed records a read by cursor
// keeps in memory between the scan and the emit; past it, it keeps where
// they are and reads them again to emit them.
const cursorHoldBytes = 64 << 20

// cursorEntry is a changed record found by the scan: its chunk, or where
// the chunk is in the file.
type cursorEntry struct {
	cursor cursorValue
	key    string
	line   int
	raw    []byte // the chunk, or nil to read it again
	off    int64
	n      int
	sum    uint32 // CRC-32 of the chunk, to notice a file changed under the read
}

// readByCursor scans the file for records after the state's mark, sorts
// them by (cursor, key) and emits them in batches, each followed by a
// checkpoint. On a full read, records without a cursor value are emitted
// first, in file order.
func (s *source) readByCursor(ctx context.Context, state []byte) error {
	mark, full := s.resumeCursor(state)
	afterHeader, ok, err := s.readHeader()
	if err != nil {
		return err
	}
	if !ok {
		return s.checkpointCursor(&mark) // a CSV file without a complete header yet
	}
	changed, err := s.scanChanges(ctx, afterHeader, &mark, full)
	if err != nil {
		return err
	}
	slices.SortFunc(changed, func(a, b cursorEntry) int {
		if c := compareCursors(a.cursor, b.cursor); c != 0 {
			return c
		}
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.line, b.line)
	})
	batch := make([]sdk.Record, 0, s.batchSize)
	var buf []byte
	for i, e := range changed {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := s.reread(e, &buf)
		if err != nil {
			return err
		}
		batch = append(batch, rec)
		mark.advance(e.cursor, e.key)
		if len(batch) >= s.batchSize {
			if err := s.emit(batch); err != nil {
				return err
			}
			if err := s.checkpointCursor(&mark); err != nil {
				return err
			}
			batch = make([]sdk.Record, 0, s.batchSize)
		}
	}
	if err := s.emit(batch); err != nil {
		return err
	}
	return s.checkpointCursor(&mark)
}

// resumeCursor returns the mark of the last checkpoint, or full for a read
// from the start.
func (s *source) resumeCursor(state []byte) (mark cursorMark, full bool) {
	if len(state) == 0 {
		return cursorMark{keys: map[string]bool{}}, true
	}
	var st cursorState
	if err := json.Unmarshal(state, &st); err != nil || !gjson.GetBytes(state, "cursor").Exists() {
		s.log.Warn("checkpoint is not a cursor state: reading the file in full", "state", string(state))
		return cursorMark{keys: map[string]bool{}}, true
	}
	mark.keys = make(map[string]bool, len(st.Keys))
	for _, k := range st.Keys {
		mark.keys[k] = true
	}
	if st.Cursor != "" {
		mark.set, mark.at = true, parseCursor(st.Cursor)
	}
	return mark, false
}

// scanChanges streams the file once and returns the records after the
// mark. On a full read it emits the records without a cursor value as it
// goes; otherwise it skips them.
func (s *source) scanChanges(ctx context.Context, from position, mark *cursorMark, full bool) ([]cursorEntry, error) {
	sc := newScanner(s.file, from, s.dec.format == formatCSV)
	var changed []cursorEntry
	plain := make([]sdk.Record, 0, s.batchSize)
	skipped, held := 0, 0
	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c, err := sc.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", s.path, err)
		}
		rec, blank := s.dec.decode(c)
		if blank {
			continue
		}
		if !c.terminated && rec.Problem != "" {
			s.log.Debug("final line has no newline and does not parse: left for the next read", "line", c.line)
			break
		}
		var text string
		if rec.Problem == "" {
			text = valueString(gjson.GetBytes(rec.Data, s.dec.cursorPath))
		}
		if text == "" {
			if !full {
				skipped++
				continue
			}
			plain = append(plain, kept(rec))
			if len(plain) >= s.batchSize {
				if err := s.emit(plain); err != nil {
					return nil, err
				}
				if err := s.checkpointCursor(mark); err != nil {
					return nil, err
				}
				plain = make([]sdk.Record, 0, s.batchSize)
			}
			continue
		}
		v := parseCursor(text)
		if mark.covers(v, rec.Key) {
			continue
		}
		e := cursorEntry{cursor: v, key: rec.Key, line: c.line, off: c.start, n: len(c.raw)}
		if held+len(c.raw) <= s.holdBytes {
			e.raw = bytes.Clone(c.raw)
			held += len(c.raw)
		} else {
			e.sum = crc32.ChecksumIEEE(c.raw)
		}
		changed = append(changed, e)
	}
	if skipped > 0 {
		s.log.Info("lines without a cursor value are read by a full read only: skipped them",
			"count", skipped, "cursor", s.dec.cursorPath)
	}
	return changed, s.emit(plain)
}

// reread decodes a changed record again, reading it from the file if it
// was not kept.
func (s *source) reread(e cursorEntry, buf *[]byte) (sdk.Record, error) {
	if e.raw != nil {
		rec, _ := s.dec.decode(chunk{raw: e.raw, line: e.line, start: e.off, end: e.off + int64(e.n), terminated: true})
		if s.dec.format == formatCSV {
			rec = kept(rec) // its data is in the decoder's buffer
		}
		return rec, nil
	}
	if cap(*buf) < e.n {
		*buf = make([]byte, e.n)
	}
	raw := (*buf)[:e.n]
	if _, err := s.file.ReadAt(raw, e.off); err != nil {
		return sdk.Record{}, fmt.Errorf("read %s line %d again: %w", s.path, e.line, err)
	}
	if crc32.ChecksumIEEE(raw) != e.sum {
		return sdk.Record{}, sdk.Transient(fmt.Errorf("%s changed in place while being read (line %d differs): read it again", s.path, e.line))
	}
	rec, _ := s.dec.decode(chunk{raw: raw, line: e.line, start: e.off, end: e.off + int64(e.n), terminated: true})
	return kept(rec), nil
}

func (s *source) checkpointCursor(m *cursorMark) error {
	state, err := m.state()
	if err != nil {
		return fmt.Errorf("encode checkpoint: %w", err)
	}
	return s.out.Checkpoint(s.dec.stream, state)
}
