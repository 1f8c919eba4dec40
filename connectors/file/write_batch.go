package file

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// slot is what a batch does to one key.
type slot struct {
	key    string
	old    entry // the key's line on disk before the batch
	hasOld bool
	blank  bool   // the old line is to be blanked
	line   []byte // the line to append, if hasNew
	hasNew bool
	seq    int    // order of the appended line in the batch
	oldRaw []byte // the old line's bytes, when read ahead (readOld)
}

func (s *slot) live() bool { return (s.hasOld && !s.blank) || s.hasNew }

// batch is the effect of one Write on the file. The writer keeps it, and
// reuses its memory from one Write to the next.
type batch struct {
	recs   []parsed
	lookup []string         // the keys to look up in the index
	known  map[string]entry // the keys the index has, and their lines
	all    []slot           // the slots, never grown within a Write: slots points into it
	slots  map[string]*slot
	order  []*slot // slots in the order their line was first appended

	rows []byte // CSV: the batch's rows, one after another
	raw  []byte // old lines read ahead (readOld)
	runs []*slot

	// commit's lists
	keys, gone []string
	entries    []entry
	blanks     []entry
}

// reset empties the batch for a Write of n records.
func (b *batch) reset(n int) {
	clear(b.recs)
	b.recs = slices.Grow(b.recs[:0], n)[:n]
	clear(b.lookup)
	b.lookup = b.lookup[:0]
	if b.known == nil {
		b.known = make(map[string]entry, n)
		b.slots = make(map[string]*slot, n)
	}
	clear(b.known)
	clear(b.slots)
	clear(b.all)
	b.all = b.all[:0]
	clear(b.order)
	b.order = b.order[:0]
	clear(b.runs)
	b.runs = b.runs[:0]
	clear(b.keys)
	clear(b.gone)
	b.keys, b.gone, b.entries, b.blanks = b.keys[:0], b.gone[:0], b.entries[:0], b.blanks[:0]
	b.rows = b.rows[:0]
}

// release drops what the batch holds of a Write's records, so that they
// can be collected while the writer waits for the next one.
func (b *batch) release() {
	clear(b.recs)
	clear(b.lookup)
	clear(b.known)
	clear(b.slots)
	clear(b.all)
	clear(b.order)
	clear(b.runs)
	clear(b.keys)
	clear(b.gone)
}

// get returns the key's slot, made on first use from what the index has.
func (b *batch) get(key string) *slot {
	s, ok := b.slots[key]
	if !ok {
		e, has := b.known[key]
		b.all = append(b.all, slot{key: key, old: e, hasOld: has})
		s = &b.all[len(b.all)-1]
		b.slots[key] = s
	}
	return s
}

// parsed is one record of a batch, checked.
type parsed struct {
	del    bool
	key    string
	target string // the TargetID of an upsert linked under another key
	obj    []byte // an upsert's compact object
	line   []byte // CSV: its row
	err    error
}

// Write applies a batch and returns when its effect is on disk: its new
// and changed lines appended, the lines they replace and those of deleted
// keys blanked, the file synced, and then the key index committed. A
// failure to write the file fails the whole batch; the next Write first
// brings the file and its index in line again. A writer that then gets no
// Write for a while gives its files up (see idleRelease).
func (w *writer) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopIdle()
	defer w.startIdle()
	return w.write(ctx, req)
}

func (w *writer) write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	if err := ctx.Err(); err != nil {
		return sdk.WriteResponse{}, err
	}
	if err := w.ready(); err != nil {
		return sdk.WriteResponse{}, err
	}
	b := &w.batch
	b.reset(len(req.Records))
	defer b.release()
	recs := b.recs
	for i, rec := range req.Records {
		p := &recs[i]
		if rec.Op == sdk.Delete {
			p.del = true
			p.key, p.err = w.deleteKey(rec)
		} else {
			p.key, p.obj, p.err = w.upsertKey(rec)
			if rec.TargetID != "" && rec.TargetID != p.key {
				p.target = rec.TargetID
				b.lookup = append(b.lookup, p.target)
			}
		}
		if p.err == nil && p.key != "" {
			b.lookup = append(b.lookup, p.key)
		}
	}
	if w.format == formatCSV {
		if err := w.csvRows(b); err != nil {
			w.stale = true
			return sdk.WriteResponse{}, err
		}
	}
	if err := w.idx.lookup(dbQuerier{w.idx.db}, "keys", b.lookup, b.known); err != nil {
		return sdk.WriteResponse{}, err
	}
	// Every slot is for a key in lookup: all never grows past it, so the
	// slots' pointers into it stay valid.
	if cap(b.all) < len(b.lookup) {
		b.all = make([]slot, 0, len(b.lookup))
	}
	get := b.get
	if err := w.readOld(b); err != nil {
		return sdk.WriteResponse{}, err
	}
	results := make([]sdk.Result, len(recs))
	var line []byte
	for i := range recs {
		p := &recs[i]
		if p.err != nil {
			results[i] = sdk.Failed(p.err)
			continue
		}
		if p.del && p.key == "" {
			w.log.Debug("a delete names no line: nothing to delete (its data has no key and it has no target id, so no record of it was written here)",
				"key", req.Records[i].Key, "key_path", w.keyPath)
			results[i] = sdk.Written("", false) // nothing to delete: see deleteKey
			continue
		}
		if p.del {
			s := get(p.key)
			s.hasNew, s.line = false, nil
			if s.hasOld {
				s.blank = true
			}
			results[i] = sdk.Written(p.key, false)
			continue
		}
		line = p.obj
		if w.format == formatCSV {
			line = p.line
		}
		renamed := false
		if p.target != "" {
			// The core linked this record to the line it wrote before, under
			// another key: the key changed at the source (a new email). The
			// old key's line goes, so that one object stays.
			if t := get(p.target); t.live() {
				t.hasNew, t.line = false, nil
				t.blank = t.hasOld
				renamed = true
			}
		}
		created, err := w.upsert(b, get(p.key), line)
		if err != nil {
			w.stale = true
			return sdk.WriteResponse{}, err
		}
		results[i] = sdk.Written(p.key, created && !renamed)
	}
	if err := w.commit(b); err != nil {
		w.stale = true
		return sdk.WriteResponse{}, err
	}
	if w.m.Dead >= w.compactMin && w.m.Dead >= w.m.Live {
		if err := w.compact(nil); err != nil {
			// The batch is on disk; the compaction is tried again later.
			w.log.Warn("compaction failed: the file keeps its blanked lines for now", "error", err)
			w.stale = true
		}
	}
	return sdk.WriteResponse{Results: results}, nil
}

// upsert sets a key's line, and reports whether the key is new.
func (w *writer) upsert(b *batch, s *slot, line []byte) (created bool, err error) {
	switch {
	case s.hasNew:
		s.line = line
		return false, nil
	case s.hasOld && !s.blank:
		same, err := w.onDisk(s, line)
		if err != nil || same {
			return false, err
		}
		s.blank = true
	default:
		created = true
	}
	s.hasNew, s.line, s.seq = true, line, len(b.order)
	b.order = append(b.order, s)
	return created, nil
}

// readAheadGap is the most bytes between two old lines that readOld reads
// in one go rather than apart.
const readAheadGap = 512

// readOld reads the old lines of the batch's upserts that may be the same
// as their new line (of the same length), to compare them (onDisk): lines
// close together in the file are read with one pread, not one each.
func (w *writer) readOld(b *batch) error {
	if w.f == nil {
		return nil
	}
	for i := range b.recs {
		p := &b.recs[i]
		if p.err != nil || p.del {
			continue
		}
		line := p.obj
		if w.format == formatCSV {
			line = p.line
		}
		if s := b.get(p.key); s.hasOld && s.old.n == len(line) && s.oldRaw == nil {
			s.oldRaw = line[:0] // listed
			b.runs = append(b.runs, s)
		}
	}
	if len(b.runs) < 2 {
		for _, s := range b.runs {
			s.oldRaw = nil
		}
		return nil // onDisk reads it
	}
	slices.SortFunc(b.runs, func(x, y *slot) int { return cmp.Compare(x.old.off, y.old.off) })
	total := 0
	for i, s := range b.runs {
		if i == 0 || s.old.off-end(b.runs[i-1].old) > readAheadGap {
			total += s.old.n
		} else {
			total += int(s.old.off + int64(s.old.n) - end(b.runs[i-1].old))
		}
	}
	b.raw = slices.Grow(b.raw[:0], total)[:total]
	buf := b.raw
	for i := 0; i < len(b.runs); {
		j := i + 1
		for j < len(b.runs) && b.runs[j].old.off-end(b.runs[j-1].old) <= readAheadGap {
			j++
		}
		start, stop := b.runs[i].old.off, end(b.runs[j-1].old)
		for k := i + 1; k < j; k++ {
			stop = max(stop, end(b.runs[k].old))
		}
		n := int(stop - start)
		if n > len(buf) { // lines that overlap: cannot be, but never read past buf
			for _, s := range b.runs[i:] {
				s.oldRaw = nil
			}
			return nil
		}
		chunk := buf[:n:n]
		buf = buf[n:]
		if _, err := w.f.ReadAt(chunk, start); err != nil {
			return fmt.Errorf("read lines at %d of %s: %w", start, w.path, err)
		}
		for _, s := range b.runs[i:j] {
			o := int(s.old.off - start)
			s.oldRaw = chunk[o : o+s.old.n : o+s.old.n]
		}
		i = j
	}
	return nil
}

// end is the offset just after a line, before its line break.
func end(e entry) int64 { return e.off + int64(e.n) }

// onDisk reports whether the slot's old line is line.
func (w *writer) onDisk(s *slot, line []byte) (bool, error) {
	e := s.old
	if e.n != len(line) || w.f == nil {
		return false, nil
	}
	if s.oldRaw != nil && len(s.oldRaw) == e.n {
		return bytes.Equal(s.oldRaw, line), nil
	}
	w.read = slices.Grow(w.read[:0], e.n)[:e.n]
	if _, err := w.f.ReadAt(w.read, e.off); err != nil {
		return false, fmt.Errorf("read line at %d of %s: %w", e.off, w.path, err)
	}
	return bytes.Equal(w.read, line), nil
}

// commit puts a batch on disk: appended lines, blanks, one fsync, then
// the index.
func (w *writer) commit(b *batch) error {
	m := w.m
	for _, s := range b.order {
		if s.hasNew && s.hasOld && s.blank {
			// Changed and changed back within the batch: nothing to do.
			same, err := w.onDisk(s, s.line)
			if err != nil {
				return err
			}
			if same {
				s.hasNew, s.blank = false, false
			}
		}
	}
	keys, gone, entries := b.keys, b.gone, b.entries
	w.out = w.out[:0]
	for i, s := range b.order {
		if !s.hasNew || s.seq != i {
			continue // deleted again, or appended later in the batch
		}
		if len(w.out) == 0 {
			if m.OpenEnd {
				w.out = append(w.out, '\n')
			}
			if w.format == formatCSV && m.Header == "" {
				w.out = appendCSVRow(w.out, w.header)
				m.Header = string(w.out)
				w.out = append(w.out, '\n')
			}
		}
		keys = append(keys, s.key)
		entries = append(entries, entry{off: m.Size + int64(len(w.out)), n: len(s.line)})
		w.out = append(append(w.out, s.line...), '\n')
		m.Live += int64(len(s.line) + 1)
	}
	blanks := b.blanks
	for i := range b.all {
		if s := &b.all[i]; s.blank {
			blanks = append(blanks, s.old)
			m.Live -= int64(s.old.n + 1)
			m.Dead += int64(s.old.n + 1)
			if !s.hasNew {
				gone = append(gone, s.key)
			}
		}
	}
	b.keys, b.gone, b.entries, b.blanks = keys, gone, entries, blanks
	if len(w.out) == 0 && len(blanks) == 0 {
		return nil
	}
	if err := w.writeData(w.out, blanks); err != nil {
		return err
	}
	if len(w.out) > 0 {
		m.Size += int64(len(w.out))
		m.OpenEnd = false
	}
	fi, err := w.f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", w.path, err)
	}
	m.Inode = fileID(fi)
	if err := w.idx.warm(len(keys), len(gone)); err != nil {
		return err
	}
	tx, err := w.idx.begin()
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := tx.put("keys", keys, entries); err != nil {
		return err
	}
	if err := tx.del(gone); err != nil {
		return err
	}
	if err := tx.setMeta(m); err != nil {
		return err
	}
	if err := tx.commit(); err != nil {
		return err
	}
	w.m = m
	return nil
}

// csvRows makes the rows of the batch's upserts. When an object has a
// field the header lacks, the header is widened first (widenHeader), and
// the rows made again.
func (w *writer) csvRows(b *batch) error {
	for pass := 0; ; pass++ {
		b.rows = b.rows[:0]
		complete := true
		for i := range b.recs {
			p := &b.recs[i]
			if p.err != nil || p.del {
				continue
			}
			start := len(b.rows)
			var all bool
			b.rows, all = w.appendCSVObject(b.rows, p.obj)
			p.line = b.rows[start:len(b.rows):len(b.rows)]
			complete = complete && all
		}
		if complete || pass > 0 {
			return nil
		}
		if err := w.widenHeader(b.recs); err != nil {
			return err
		}
	}
}

// widenHeader adds the batch's new top-level fields to the CSV header. A
// file that already has rows is rewritten first, with the wider header.
func (w *writer) widenHeader(recs []parsed) error {
	wider := w.header
	var seen map[string]bool
	for _, p := range recs {
		if p.err != nil || p.del {
			continue
		}
		for name := range sdk.Members(p.obj) {
			if _, known := w.column(name, -1); known {
				continue
			}
			k := memberName(name)
			if seen == nil {
				seen = map[string]bool{}
			}
			if !seen[k] {
				seen[k] = true
				wider = append(slices.Clip(wider), k)
			}
		}
	}
	if len(wider) == len(w.header) {
		return nil
	}
	if w.m.Header == "" {
		w.setHeader(wider) // written with the first rows
		return nil
	}
	w.log.Info("new columns: rewriting the file with a wider header", "columns", len(wider))
	return w.compact(wider)
}

// column returns the header index of a member, by its raw name. guess is
// where it is likely to be: a column checked without a map lookup.
func (w *writer) column(name []byte, guess int) (int, bool) {
	if guess >= 0 && guess < len(w.header) && string(name[1:len(name)-1]) == w.header[guess] &&
		strings.IndexByte(w.header[guess], '\\') < 0 {
		return guess, true // the raw name has no escapes, so is the name
	}
	if bytes.IndexByte(name, '\\') < 0 {
		i, ok := w.columns[string(name[1:len(name)-1])] // no copy of the name
		return i, ok
	}
	i, ok := w.columns[memberName(name)]
	return i, ok
}

// memberName returns a member's name, unescaped, from its raw text.
func memberName(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	return gjson.ParseBytes(raw).Str
}

// appendCSVObject appends an object's row, as wide as the header, to dst:
// each member's value in its column (csvCell: a string as is, null as an
// empty cell, anything else as its JSON text), and of a member named
// twice, the last. It reads the object once, without parsing its values.
// all is false when a member has no column: the row lacks its value.
func (w *writer) appendCSVObject(dst, obj []byte) (_ []byte, all bool) {
	cells := w.cells[:0]
	cells = slices.Grow(cells, len(w.header))[:len(w.header)]
	clear(cells)
	w.cells = cells
	all = true
	col := -1
	for name, value := range sdk.Members(obj) {
		var known bool
		if col, known = w.column(name, col+1); known {
			cells[col] = value
		} else {
			all = false
		}
	}
	for i, v := range cells {
		if i > 0 {
			dst = append(dst, ',')
		}
		var text []byte
		switch {
		case len(v) == 0 || string(v) == "null":
		case v[0] != '"':
			text = v
		case bytes.IndexByte(v, '\\') < 0:
			// A string without escapes holds no quote or line break.
			if text = v[1 : len(v)-1]; len(text) > 0 && bytes.IndexByte(text, ',') < 0 {
				dst = append(dst, text...)
				continue
			}
		default:
			text = []byte(gjson.ParseBytes(v).Str)
		}
		if len(cells) == 1 && len(text) == 0 {
			dst = append(dst, `""`...) // not a blank line, which readers skip
			break
		}
		dst = appendCSVCell(dst, text)
	}
	clear(cells)
	return dst, all
}
