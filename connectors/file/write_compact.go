package file

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// compactFlushBytes is how much of the copy is buffered before it is
// written to the new file.
const compactFlushBytes = 1 << 20

// compact rewrites the file without its blank lines and indexes it
// afresh: the lines are copied, in order, to a temporary file in the same
// directory while their keys go into a new index table; the copy is
// synced and renamed over the file, and the new table then replaces the
// old one in one index commit. A crash before the rename leaves the old
// file and its index; after it, the new file with an index of the old one,
// which recover sees (the inode differs) and compacts again. Of a key on
// several lines, the last counts and the others are blanked in the copy;
// a torn final line is dropped.
//
// With wider set (CSV), the new file has that header, a superset of the
// old one, and every row is widened to it.
func (w *writer) compact(wider []string) (err error) {
	src, err := os.Open(w.path)
	if err != nil {
		return fmt.Errorf("compact %s: %w", w.path, err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return fmt.Errorf("compact %s: %w", w.path, err)
	}
	tmp, err := os.CreateTemp(w.dir, w.tempPattern())
	if err != nil {
		return fmt.Errorf("compact %s: %w", w.path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("compact %s: %w", w.path, err)
		}
	}()
	tx, err := w.idx.begin()
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := tx.exec("prepare", "CREATE TABLE keys_next (k TEXT PRIMARY KEY, off INTEGER NOT NULL, len INTEGER NOT NULL) WITHOUT ROWID"); err != nil {
		return err
	}
	w.idx.emptyTable("keys_next")
	g := newKeyGroup(tx, "keys_next")
	m := w.freshMeta()
	var out []byte
	var written int64 // bytes of tmp written so far
	emit := func(line []byte) {
		out = append(append(out, line...), '\n')
		m.Live += int64(len(line) + 1)
	}
	flush := func() error {
		if _, err := tmp.Write(out); err != nil {
			return err
		}
		written += int64(len(out))
		out = out[:0]
		return nil
	}

	// The CSV header: the old one, while the scan reads it.
	old := &writer{format: w.format, keyPath: w.keyPath, path: w.path, columns: map[string]int{}}
	header := wider
	sc := newScanner(src, position{}, w.format == formatCSV)
	dropped := 0
	for {
		if w.format == formatCSV {
			sc.skipEmptyLines() // blank lines are dropped: no chunk each
		}
		c, err := sc.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if w.format == formatCSV && old.header == nil {
			kind, cells, err := old.headerLine(c)
			if err != nil {
				return err
			}
			if kind == lineTorn {
				dropped++
			}
			if kind != lineKeyed {
				continue
			}
			old.setHeader(cells)
			if header == nil {
				header = cells
			}
			m.Header = string(appendCSVRow(nil, header))
			emit([]byte(m.Header))
			continue
		}
		kind, key, cells, err := old.classify(c, len(old.header), len(header) > len(old.header))
		if err != nil {
			return err
		}
		line := trimCR(c.raw) // line breaks become \n
		switch kind {
		case lineTorn:
			dropped++
			continue
		case lineBlank:
			continue
		}
		if len(header) > len(old.header) && len(cells) == len(old.header) {
			cells = append(slices.Clip(cells), make([]string, len(header)-len(cells))...)
			line = appendCSVRow(nil, cells)
		}
		if kind == lineKeyed {
			if err := g.add(key, entry{off: written + int64(len(out)), n: len(line)}); err != nil {
				return err
			}
		}
		emit(line)
		if len(out) >= compactFlushBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := g.flush(); err != nil {
		return err
	}
	for _, e := range g.blanks {
		if _, err := tmp.WriteAt(w.filler(e.n), e.off); err != nil {
			return err
		}
		m.Live -= int64(e.n + 1)
		m.Dead += int64(e.n + 1)
	}
	m.Size = written
	if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), w.path); err != nil {
		return err
	}
	if err := syncDir(w.dir); err != nil {
		return err
	}
	f, err := os.OpenFile(w.path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	nfi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	m.Inode = fileID(nfi)
	if err := tx.exec("swap the new keys into", "DROP TABLE keys"); err != nil {
		f.Close()
		return err
	}
	if err := tx.exec("swap the new keys into", "ALTER TABLE keys_next RENAME TO keys"); err != nil {
		f.Close()
		return err
	}
	if err := tx.setMeta(m); err != nil {
		f.Close()
		return err
	}
	if err := tx.commit(); err != nil {
		f.Close()
		return err
	}
	if _, err := w.idx.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		w.log.Debug("checkpoint of the key index failed", "error", err)
	}
	if w.f != nil {
		w.f.Close()
	}
	w.f, w.m = f, m
	w.header, w.columns = nil, map[string]int{}
	if header != nil && m.Header != "" {
		w.setHeader(header)
	} else if wider != nil {
		w.setHeader(wider)
	}
	if dropped > 0 {
		w.log.Warn("file ended in a torn line (an interrupted write?): cut it off")
	}
	w.log.Debug("compacted", "bytes", m.Size, "live", m.Live)
	return nil
}
