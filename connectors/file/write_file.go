package file

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// load reads the file into memory. A final line without a newline that
// does not parse is the torn end of an interrupted append: it is cut off
// the file. Lines that do not parse elsewhere are kept as they are.
func (w *writer) load() error {
	w.lines, w.index = nil, map[string]int{}
	w.header, w.columns = nil, map[string]int{}
	w.exists, w.mode, w.openEnd, w.diskHeader, w.stale = false, 0o644, false, 0, false
	w.removeTempFiles()
	f, err := os.Open(w.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	w.exists, w.mode = true, info.Mode().Perm()
	sc := newScanner(f, position{}, w.format == formatCSV)
	superseded := 0
	for {
		c, err := sc.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		raw := trimCR(c.raw)
		if c.tooLong {
			return fmt.Errorf("line %d is longer than %d bytes: too long to rewrite", c.line, maxLineBytes)
		}
		if !c.terminated {
			if w.torn(raw) {
				return w.cutTornEnd(c)
			}
			w.openEnd = true
		}
		line, err := w.parseLine(raw, c.line)
		if err != nil {
			return err
		}
		if line == nil {
			continue
		}
		if line.key != "" {
			if i, ok := w.index[line.key]; ok {
				w.lines[i].gone = true
				superseded++
			}
			w.index[line.key] = len(w.lines)
		}
		w.lines = append(w.lines, *line)
	}
	if superseded > 0 {
		w.log.Warn("file has keys on several lines: the last line of each counts, the others go at the next rewrite",
			"superseded", superseded)
	}
	return nil
}

// parseLine reads one line of the file: the CSV header, a keyed line, or a
// line kept verbatim. It returns no line for the header or a blank line.
func (w *writer) parseLine(raw []byte, n int) (*storedLine, error) {
	if w.format != formatCSV {
		text := bytes.TrimSpace(raw)
		if len(text) == 0 {
			return nil, nil
		}
		if _, problem := jsonObject(text); problem != "" {
			return &storedLine{text: bytes.Clone(raw)}, nil
		}
		return &storedLine{key: valueString(gjson.GetBytes(text, w.keyPath)), text: bytes.Clone(text)}, nil
	}
	if len(raw) == 0 {
		return nil, nil
	}
	cells, err := parseCSVRecord(raw, nil)
	if w.header == nil {
		if err == nil {
			_, err = newCSVHeader(cells)
		}
		if err != nil {
			return nil, sdk.ConfigError(fmt.Errorf("header line %d: %w", n, err))
		}
		w.header, w.diskHeader = cells, len(cells)
		for i, name := range cells {
			w.columns[name] = i
		}
		return nil, nil
	}
	if err != nil || len(cells) != len(w.header) {
		return &storedLine{text: bytes.Clone(raw)}, nil
	}
	var key string
	if i, ok := w.columns[w.keyPath]; ok { // a CSV key is a top-level column
		key = cells[i]
	}
	return &storedLine{key: key, text: bytes.Clone(raw), cells: cells}, nil
}

// torn reports whether a final line without a newline is the torn end of
// an interrupted append: not valid JSON, or a CSV row that does not parse
// or stops short of the header's cells.
func (w *writer) torn(raw []byte) bool {
	if w.format != formatCSV {
		text := bytes.TrimSpace(raw)
		return len(text) > 0 && !gjson.ValidBytes(text)
	}
	if len(raw) == 0 {
		return false
	}
	cells, err := parseCSVRecord(raw, nil)
	return err != nil || len(cells) < len(w.header)
}

// cutTornEnd truncates the file before its torn final line c.
func (w *writer) cutTornEnd(c chunk) error {
	w.log.Warn("file ends in a torn line (an interrupted write?): cutting it off",
		"line", c.line, "bytes", c.end-c.start)
	f, err := os.OpenFile(w.path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(c.start); err != nil {
		return fmt.Errorf("cut torn line: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("cut torn line: %w", err)
	}
	return f.Close()
}

// appendLines appends the lines from start on to the file and syncs it.
func (w *writer) appendLines(start int) error {
	if err := w.ensureDir(); err != nil {
		return err
	}
	b := w.buf[:0]
	if w.openEnd {
		b = append(b, '\n')
	}
	if w.format == formatCSV && w.diskHeader == 0 {
		b = append(appendCSVRow(b, w.header), '\n')
	}
	for _, l := range w.lines[start:] {
		if !l.gone {
			b = append(append(b, l.text...), '\n')
		}
	}
	w.buf = b[:0]
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, w.mode)
	if err != nil {
		return fmt.Errorf("open %s to append: %w", w.path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("append to %s: %w", w.path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", w.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", w.path, err)
	}
	if !w.exists {
		if err := syncDir(w.dir); err != nil {
			return err
		}
	}
	w.exists, w.openEnd, w.diskHeader = true, false, len(w.header)
	return nil
}

// rewriteFile writes every line to a temporary file in the same
// directory, syncs it and renames it over the file, so that a crash leaves
// either the old file or the new one.
func (w *writer) rewriteFile() (err error) {
	if err := w.ensureDir(); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(w.dir, w.tempPattern())
	if err != nil {
		return fmt.Errorf("rewrite %s: %w", w.path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("rewrite %s: %w", w.path, err)
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if w.format == formatCSV && len(w.header) > 0 {
		w.buf = append(appendCSVRow(w.buf[:0], w.header), '\n')
		bw.Write(w.buf)
	}
	for _, l := range w.lines {
		if !l.gone {
			bw.Write(l.text)
			bw.WriteByte('\n')
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Chmod(w.mode); err != nil {
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
	w.exists, w.openEnd, w.diskHeader = true, false, len(w.header)
	return nil
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
