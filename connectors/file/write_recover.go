package file

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// recover brings the file and its key index in line, after an open or a
// failed write:
//
//   - no file: the index is emptied;
//   - no index yet (a file written by an earlier cxhub, which kept its keys
//     in memory, or by hand), an index of another key path or format, a file
//     replaced (another inode) or shorter than the index says: the file is
//     compacted, which indexes it afresh;
//   - a file longer than the index says (a batch appended and synced, but
//     not committed to the index, or lines appended by someone else): the
//     lines after the indexed end are indexed, and the earlier lines of
//     their keys blanked. A torn final line (a crash mid-append) is cut off.
//
// An index written by a newer cxhub is refused.
func (w *writer) recover() error {
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	w.removeTempFiles()
	w.header, w.columns = nil, map[string]int{}
	m, ok, err := w.idx.meta()
	if err != nil {
		return err
	}
	if ok && m.Version > indexVersion {
		return sdk.ConfigError(fmt.Errorf("key index %s has format %d, written by a newer cxhub (this one reads format %d): use that version, or delete the index to build it again from the file",
			w.idxPath, m.Version, indexVersion))
	}
	fi, err := os.Stat(w.path)
	if errors.Is(err, fs.ErrNotExist) {
		if ok && m.Size > 0 {
			w.log.Warn("the file is gone since the last write: starting a new one")
		}
		return w.resetIndex()
	}
	if err != nil {
		return err
	}
	var reason string
	switch {
	case !ok:
		reason = "the file has no key index yet (written by an earlier cxhub, or by hand)"
	case m.Format != string(w.format) || m.KeyPath != w.keyPath:
		reason = "the index was built for another format or key path"
	case m.Inode != fileID(fi):
		reason = "the file was replaced since the last write"
	case fi.Size() < m.Size:
		reason = "the file is shorter than at the last write"
	}
	if reason != "" {
		w.log.Info("indexing the file (compacting it): "+reason, "bytes", fi.Size())
		return w.compact(nil)
	}
	if w.f, err = os.OpenFile(w.path, os.O_RDWR, 0); err != nil {
		return err
	}
	w.m = m
	if m.Header != "" {
		cells, err := parseCSVRecord([]byte(m.Header), nil)
		if err != nil {
			return fmt.Errorf("key index %s: its CSV header: %w", w.idxPath, err)
		}
		w.setHeader(cells)
	}
	if fi.Size() > m.Size {
		return w.rollForward()
	}
	return nil
}

// resetIndex empties the index: the file does not exist.
func (w *writer) resetIndex() error {
	tx, err := w.idx.begin()
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := tx.exec("empty", "DELETE FROM keys"); err != nil {
		return err
	}
	m := w.freshMeta()
	if err := tx.setMeta(m); err != nil {
		return err
	}
	if err := tx.commit(); err != nil {
		return err
	}
	w.m = m
	return nil
}

// rollForward indexes the lines after the index's end of the file.
func (w *writer) rollForward() error {
	m := w.m
	tx, err := w.idx.begin()
	if err != nil {
		return err
	}
	defer tx.rollback()
	g := newKeyGroup(tx, "keys")
	sc := newScanner(w.f, position{off: m.Size}, w.format == formatCSV)
	lines := 0
	for {
		c, err := sc.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", w.path, err)
		}
		if w.format == formatCSV && w.header == nil {
			kind, cells, err := w.headerLine(c)
			if err != nil {
				return err
			}
			if kind == lineTorn {
				return w.cutTornEnd(c, &m)
			}
			if kind == lineKeyed {
				w.setHeader(cells)
				m.Header = string(trimCR(c.raw))
				m.Live += c.end - c.start
			}
			m.Size, m.OpenEnd = c.end, !c.terminated
			continue
		}
		kind, key, _, err := w.classify(c, len(w.header), false)
		if err != nil {
			return err
		}
		switch kind {
		case lineTorn:
			if err := w.cutTornEnd(c, &m); err != nil {
				return err
			}
		case lineBlank:
			m.Dead += c.end - c.start
		case lineOther:
			m.Live += c.end - c.start
		case lineKeyed:
			m.Live += c.end - c.start
			if err := g.add(key, spanOf(c)); err != nil {
				return err
			}
		}
		if kind != lineTorn {
			m.Size, m.OpenEnd = c.end, !c.terminated
			lines++
		}
	}
	if err := g.flush(); err != nil {
		return err
	}
	for _, e := range g.blanks {
		if _, err := w.f.WriteAt(w.filler(e.n), e.off); err != nil {
			return fmt.Errorf("blank the line at %d of %s: %w", e.off, w.path, err)
		}
		m.Live -= int64(e.n + 1)
		m.Dead += int64(e.n + 1)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", w.path, err)
	}
	if err := tx.setMeta(m); err != nil {
		return err
	}
	if err := tx.commit(); err != nil {
		return err
	}
	if lines > 0 {
		w.log.Info("indexed the lines after the last commit (an interrupted write, or lines appended by hand)",
			"lines", lines, "superseded", len(g.blanks))
	}
	w.m = m
	return nil
}

// cutTornEnd truncates the file before its torn final line c.
func (w *writer) cutTornEnd(c chunk, m *indexMeta) error {
	w.log.Warn("file ends in a torn line (an interrupted write?): cutting it off", "bytes", c.end-c.start)
	if err := w.f.Truncate(c.start); err != nil {
		return fmt.Errorf("cut the torn end of %s: %w", w.path, err)
	}
	m.Size = c.start
	return nil
}

// lineKind is what one chunk of a stream file is, to the writer.
type lineKind int

const (
	lineBlank lineKind = iota // nothing on it, or blanked
	lineKeyed                 // an object with a key: the CSV header, in headerLine
	lineOther                 // kept as it is: not an object, without a key, a row of the wrong width
	lineTorn                  // the unfinished final line of an interrupted append
)

// classify reads one chunk of a file whose CSV header has width columns,
// and returns its key and, if needCells, its CSV cells.
func (w *writer) classify(c chunk, width int, needCells bool) (kind lineKind, key string, cells []string, err error) {
	if c.tooLong {
		return 0, "", nil, fmt.Errorf("line %d is longer than %d bytes: too long to rewrite", c.line, maxLineBytes)
	}
	raw := trimCR(c.raw)
	if w.format != formatCSV {
		text := bytes.TrimSpace(raw)
		if len(text) == 0 {
			return lineBlank, "", nil, nil
		}
		// What jsonObject checks, with one pass of the validation.
		valid := gjson.ValidBytes(text)
		switch {
		case !valid && !c.terminated:
			return lineTorn, "", nil, nil
		case !valid || text[0] != '{' || (len(text) > maxJSONDepth && jsonDepth(text) > maxJSONDepth):
			return lineOther, "", nil, nil
		}
		if key = valueString(gjson.GetBytes(text, w.keyPath)); key == "" {
			return lineOther, "", nil, nil
		}
		return lineKeyed, key, nil, nil
	}
	if len(raw) == 0 {
		return lineBlank, "", nil, nil
	}
	col, hasKey := w.columns[w.keyPath]
	if !hasKey {
		col = -1
	}
	var n int
	if needCells {
		cells, err = parseCSVRecord(raw, nil)
		if n = len(cells); hasKey && col < n {
			key = cells[col]
		}
	} else {
		key, n, err = csvCellAt(raw, col) // no strings for the other cells
	}
	if !c.terminated && (err != nil || n < width) {
		return lineTorn, "", nil, nil
	}
	if err != nil || n != width {
		return lineOther, "", nil, nil
	}
	if hasKey && key != "" {
		return lineKeyed, key, cells, nil
	}
	return lineOther, "", cells, nil
}

// headerLine reads the chunk where a CSV file's header should be: blank,
// torn, or the header (lineKeyed, with its cells).
func (w *writer) headerLine(c chunk) (lineKind, []string, error) {
	raw := trimCR(c.raw)
	if len(raw) == 0 {
		return lineBlank, nil, nil
	}
	cells, err := parseCSVRecord(raw, nil)
	if !c.terminated && err != nil {
		return lineTorn, nil, nil
	}
	if err == nil {
		_, err = newCSVHeader(cells)
	}
	if err != nil {
		return 0, nil, sdk.ConfigError(fmt.Errorf("%s: header line %d: %w", w.path, c.line, err))
	}
	return lineKeyed, cells, nil
}

// spanOf is the entry of a chunk's line: its bytes up to its newline.
func spanOf(c chunk) entry {
	n := c.end - c.start
	if c.terminated {
		n--
	}
	return entry{off: c.start, n: int(n)}
}

// keyGroup indexes the keyed lines a scan finds, a group at a time: a key
// found again has its earlier line (in the group, or already in the table)
// listed in blanks.
type keyGroup struct {
	tx      *indexTx
	table   string
	keys    []string
	entries []entry
	at      map[string]int
	blanks  []entry
}

const keyGroupSize = 1000

func newKeyGroup(tx *indexTx, table string) *keyGroup {
	return &keyGroup{tx: tx, table: table, at: make(map[string]int, keyGroupSize)}
}

func (g *keyGroup) add(key string, e entry) error {
	if i, ok := g.at[key]; ok {
		g.blanks = append(g.blanks, g.entries[i])
		g.entries[i] = e
		return nil
	}
	g.at[key] = len(g.keys)
	g.keys = append(g.keys, key)
	g.entries = append(g.entries, e)
	if len(g.keys) >= keyGroupSize {
		return g.flush()
	}
	return nil
}

func (g *keyGroup) flush() error {
	if len(g.keys) == 0 {
		return nil
	}
	known := make(map[string]entry)
	if err := g.tx.x.lookup(g.tx.tx, g.table, g.keys, known); err != nil {
		return err
	}
	for _, e := range known {
		g.blanks = append(g.blanks, e)
	}
	if err := g.tx.put(g.table, g.keys, g.entries); err != nil {
		return err
	}
	g.keys, g.entries = g.keys[:0], g.entries[:0]
	clear(g.at)
	return nil
}
