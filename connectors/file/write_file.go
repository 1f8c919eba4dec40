package file

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/cxhub/cxhub/sdk"
)

// writeData appends out at the committed end of the file, blanks the
// lines at blanks, and syncs the file: one fsync per batch. A line is
// blanked in place, keeping its length: with spaces in JSON Lines (a line
// of spaces is blank) and with line breaks in CSV (empty lines), which
// readers skip.
func (w *writer) writeData(out []byte, blanks []entry) error {
	if w.f == nil {
		f, err := os.OpenFile(w.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("create %s: %w", w.path, err)
		}
		w.f = f
		if err := syncDir(w.dir); err != nil {
			return err
		}
	}
	if len(out) > 0 {
		if _, err := w.f.WriteAt(out, w.m.Size); err != nil {
			return fmt.Errorf("append to %s: %w", w.path, err)
		}
	}
	// Lines next to each other (the line break between them only) are
	// blanked with one write.
	slices.SortFunc(blanks, func(a, b entry) int { return cmp.Compare(a.off, b.off) })
	for i := 0; i < len(blanks); {
		j := i + 1
		for j < len(blanks) && blanks[j].off == end(blanks[j-1])+1 {
			j++
		}
		e := blanks[i]
		fill := w.filler(e.n)
		if j > i+1 {
			w.blank = w.blank[:0]
			for k, b := range blanks[i:j] {
				if k > 0 {
					w.blank = append(w.blank, '\n')
				}
				w.blank = append(w.blank, w.filler(b.n)...)
			}
			fill = w.blank
		}
		if _, err := w.f.WriteAt(fill, e.off); err != nil {
			return fmt.Errorf("blank the line at %d of %s: %w", e.off, w.path, err)
		}
		i = j
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", w.path, err)
	}
	return nil
}

// filler is what blanks a line of n bytes. It is the writer's, until the
// next call.
func (w *writer) filler(n int) []byte {
	c := byte(' ')
	if w.format == formatCSV {
		c = '\n'
	}
	if len(w.fill) < max(n, 1) || w.fill[0] != c {
		w.fill = bytes.Repeat([]byte{c}, max(n, 512))
	}
	return w.fill[:n]
}

// tempPattern names rewrites in progress: hidden, so that they are never
// taken for a stream, and ending in .tmp.
func (w *writer) tempPattern() string { return "." + filepath.Base(w.path) + ".*.tmp" }

// removeTempFiles removes what an interrupted rewrite of the file left.
func (w *writer) removeTempFiles() {
	left, err := filepath.Glob(filepath.Join(w.dir, w.tempPattern()))
	if err != nil {
		return
	}
	for _, p := range left {
		if err := os.Remove(p); err == nil {
			w.log.Info("removed the temporary file of an interrupted rewrite", "temp", p)
		}
	}
}

// ensureDir creates the directory if it is missing and create_dir is on.
func (w *writer) ensureDir() error {
	if _, err := os.Stat(w.dir); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if !w.createDir {
		return sdk.ConfigError(fmt.Errorf("dir %s does not exist (create it, or set create_dir: true)", w.dir))
	}
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return fmt.Errorf("create dir %s: %w", w.dir, err)
	}
	return syncDir(filepath.Dir(filepath.Clean(w.dir)))
}

// syncDir makes a directory's entries (a new or renamed file) durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be synced there; renames are durable enough
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}
