package file

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// cursorState is the checkpoint of a read by cursor: the greatest cursor
// value emitted ("" before any), the keys emitted at that value, and the
// hashes (noCursorHash, in hex) of the lines without a cursor value that
// were in the file and emitted, in file order.
type cursorState struct {
	Cursor   string   `json:"cursor"`
	Keys     []string `json:"keys"`
	NoCursor []string `json:"no_cursor,omitempty"`
}

// cursorMark is how far a read by cursor has come.
type cursorMark struct {
	set  bool // false until a record with a cursor value was emitted
	at   cursorValue
	keys map[string]bool
	// noCursor holds the hashes of the lines without a cursor value that
	// were emitted, in file order: the last noCursorMax at most.
	noCursor []uint64
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
	for _, h := range m.noCursor {
		st.NoCursor = append(st.NoCursor, fmt.Sprintf("%016x", h))
	}
	return json.Marshal(st)
}

// noCursorMaxLines bounds the hashes of lines without a cursor value that
// a checkpoint remembers; past it, the lines nearest the start of the file
// are forgotten, and the next read emits them again.
const noCursorMaxLines = 10_000

// noCursorHash is the 64-bit FNV-1a hash of the record a line without a
// cursor value makes: its key, problem and data. The key holds the line's
// number when the record has no key of its own (and always for a problem
// line), so the same text on another line is another record; a line whose
// text changes hashes differently, and is emitted again.
func noCursorHash(rec sdk.Record) uint64 {
	h := fnv.New64a()
	var n [21]byte
	for _, b := range [][]byte{[]byte(rec.Key), []byte(rec.Problem), rec.Data} {
		h.Write(append(strconv.AppendInt(n[:0], int64(len(b)), 10), ':')) // so that the fields cannot run into each other
		h.Write(b)
	}
	return h.Sum64()
}

// addRecent appends h to hs and keeps the last n.
func addRecent(hs []uint64, h uint64, n int) []uint64 {
	hs = append(hs, h)
	return hs[max(len(hs)-n, 0):]
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
// checkpoint. Records without a cursor value that the mark does not list
// as emitted are emitted first, in file order.
func (s *source) readByCursor(ctx context.Context, state []byte) error {
	mark := s.resumeCursor(state)
	afterHeader, ok, err := s.readHeader()
	if err != nil {
		return err
	}
	if !ok {
		return s.checkpointCursor(&mark) // a CSV file without a complete header yet
	}
	changed, err := s.scanChanges(ctx, afterHeader, &mark)
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

// resumeCursor returns the mark of the last checkpoint, or an empty mark
// for a full read (from the start, emitting everything).
func (s *source) resumeCursor(state []byte) cursorMark {
	mark := cursorMark{keys: map[string]bool{}}
	if len(state) == 0 {
		return mark
	}
	var st cursorState
	if err := json.Unmarshal(state, &st); err != nil || !gjson.GetBytes(state, "cursor").Exists() {
		s.log.Warn("checkpoint is not a cursor state: reading the file in full", "state", string(state))
		return mark
	}
	for _, k := range st.Keys {
		mark.keys[k] = true
	}
	if st.Cursor != "" {
		mark.set, mark.at = true, parseCursor(st.Cursor)
	}
	// A state without no_cursor (written before it existed, when only a
	// full read emitted lines without a cursor value) lists none: they are
	// all emitted again, which may repeat them but cannot skip one. A hash
	// that does not parse is dropped, and its line emitted again likewise.
	for _, x := range st.NoCursor {
		if h, err := strconv.ParseUint(x, 16, 64); err == nil {
			mark.noCursor = addRecent(mark.noCursor, h, s.noCursorMax)
		}
	}
	return mark
}

// scanChanges streams the file once and returns the records after the
// mark. It emits the records without a cursor value that the mark does not
// list as it goes. The mark then lists those the scan has passed, emitted
// now or before: never a line no longer in the file, which could be one
// that changed and changes back (a crash mid-scan loses the others, and
// they are emitted again).
func (s *source) scanChanges(ctx context.Context, from position, mark *cursorMark) ([]cursorEntry, error) {
	sc := s.scanner(from)
	var changed []cursorEntry
	plain := make([]sdk.Record, 0, s.batchSize)
	held := 0
	// emitted are the lines without a cursor value emitted before.
	emitted := make(map[uint64]bool, len(mark.noCursor))
	for _, h := range mark.noCursor {
		emitted[h] = true
	}
	mark.noCursor = nil
	lines, skipped := 0, 0
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
			h := noCursorHash(rec)
			mark.noCursor = addRecent(mark.noCursor, h, s.noCursorMax)
			lines++
			if emitted[h] {
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
		s.log.Debug("lines without a cursor value emitted before and unchanged: skipped them",
			"count", skipped, "cursor", s.dec.cursorPath)
	}
	if lines > len(mark.noCursor) {
		s.log.Warn("more lines without a cursor value than a checkpoint remembers: the first ones are no longer tracked and may be delivered again",
			"count", lines-len(mark.noCursor), "remembered", len(mark.noCursor), "cursor", s.dec.cursorPath)
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
