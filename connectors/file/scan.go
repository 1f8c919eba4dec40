package file

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
)

// maxLineBytes bounds the bytes kept of one line (or CSV record); a longer
// one is cut and reported as a problem.
const maxLineBytes = 16 << 20

// position is a place in a file at a line boundary.
type position struct {
	off  int64 // byte offset
	line int   // lines before off
}

// chunk is one line of a file, or for CSV one record, which may span lines.
type chunk struct {
	// raw is the text without its final '\n'; it is only valid until the
	// scanner's next call.
	raw []byte
	// line is the number, from 1, of the chunk's first line.
	line int
	// start is the offset of the chunk's first byte, end the offset just
	// past its '\n' (or its last byte if it has none).
	start, end int64
	// terminated is false for a final line without '\n', and for a CSV
	// record whose quoted cell the file ends in.
	terminated bool
	// tooLong says raw was cut at maxLineBytes.
	tooLong bool
	// unclosed says raw is the first line of a CSV record whose quoted
	// cell the file ends inside, with complete lines after it: a bad row
	// (see next).
	unclosed bool
	// swallowed, when set, says raw is the first line of a CSV record whose
	// quoted cell ran over that many lines that each read as a whole row:
	// a stray quote, a bad row (see next).
	swallowed int
}

// scanner reads a file chunk by chunk from a position. It reads through
// its own section of the file, so several scanners may share one file, and
// sees what is appended while it reads.
type scanner struct {
	f   io.ReaderAt
	r   *bufio.Reader
	csv bool
	// rowCells, when set, is the number of cells of a CSV row (the
	// header's): a quoted cell whose lines read as whole rows is taken for
	// a stray quote (see next).
	rowCells int
	pos      position // the position after the last chunk
	buf      []byte
	long     bool
}

func newScanner(f io.ReaderAt, from position, csv bool) *scanner {
	s := &scanner{f: f, csv: csv}
	s.seek(from)
	if from.off == 0 {
		// A byte order mark is not part of the first line.
		if b, err := s.r.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
			_, _ = s.r.Discard(3)
			s.pos.off = 3
		}
	}
	return s
}

// next returns the next chunk, or io.EOF when there is none.
//
// A CSV record goes on past a line break inside a quoted cell. When the
// file ends inside a quoted cell, the record may still be being written,
// or its quote may never be closed. The rule: if no complete line (one
// ending in '\n') follows the line the record starts on, the record is
// returned unterminated, like any unfinished final line, and left for the
// next read; otherwise it is a bad row: next returns its first line alone,
// marked unclosed, and goes on from the line after it, so that one stray
// quote never swallows the rows after it.
func (s *scanner) next() (chunk, error) {
	c := chunk{line: s.pos.line + 1, start: s.pos.off}
	s.buf = s.buf[:0]
	s.long = false
	terminated, err := s.readLine()
	if err != nil {
		return chunk{}, err
	}
	open := s.csv && csvOpenQuote(trimCR(s.buf), false)
	first, firstLen := s.pos, len(s.buf)
	complete := 0 // complete lines read after the first
	for open && terminated && !s.long {
		// A quoted cell goes on past the line break.
		s.buf = append(s.buf, '\n')
		from := len(s.buf)
		terminated, err = s.readLine()
		if errors.Is(err, io.EOF) {
			terminated = false // the file ends inside the quoted cell
			break
		}
		if err != nil {
			return chunk{}, err
		}
		if terminated {
			complete++
		}
		open = csvOpenQuote(trimCR(s.buf[from:]), true)
	}
	if !terminated && !s.long && complete > 0 && open {
		s.seek(first)
		c.raw, c.end, c.terminated, c.unclosed = s.buf[:firstLen], first.off, true, true
		return c, nil
	}
	if n := s.rowsInside(s.buf[firstLen:]); n > 0 && !open && !s.long {
		s.seek(first)
		c.raw, c.end, c.terminated, c.swallowed = s.buf[:firstLen], first.off, true, n
		return c, nil
	}
	c.raw, c.end, c.terminated, c.tooLong = s.buf, s.pos.off, terminated, s.long
	return c, nil
}

// minSwallowedRows is how many lines inside one quoted cell, each of them
// a whole row, make the cell a stray quote rather than text that happens
// to hold line breaks (a note, a comment body).
const minSwallowedRows = 2

// rowsInside returns how many lines of rest — what follows a CSV record's
// first line, from the '\n' on — read as whole rows when the record's
// quoted cell spans at least minSwallowedRows lines besides its last,
// each a row of rowCells cells with no quote open; else 0. Text in a
// quoted cell (an address, a comment) rarely has the shape of a row on
// every line; rows swallowed by a stray quote always do.
func (s *scanner) rowsInside(rest []byte) int {
	if s.rowCells == 0 || len(rest) == 0 {
		return 0
	}
	lines := bytes.Split(rest[1:], []byte{'\n'})
	inner := lines[:len(lines)-1] // the last line closes the quoted cell
	if len(inner) < minSwallowedRows {
		return 0
	}
	var cells []string
	for _, l := range inner {
		l = trimCR(l)
		if csvOpenQuote(l, false) {
			return 0
		}
		var err error
		if cells, err = parseCSVRecord(l, cells[:0]); err != nil || len(cells) != s.rowCells {
			return 0
		}
	}
	return len(inner)
}

// skipEmptyLines consumes the empty lines (a '\n' alone) at the scanner's
// position at once, rather than as a chunk each: a blanked CSV row is as
// many of them as it had bytes.
func (s *scanner) skipEmptyLines() {
	for {
		if _, err := s.r.Peek(1); err != nil {
			return // the end, or an error that next reports
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		k := 0
		for k < len(buf) && buf[k] == '\n' {
			k++
		}
		_, _ = s.r.Discard(k)
		s.pos.off += int64(k)
		s.pos.line += k
		if k < len(buf) {
			return
		}
	}
}

// seek makes the scanner read on from a position.
func (s *scanner) seek(to position) {
	s.r = bufio.NewReaderSize(io.NewSectionReader(s.f, to.off, math.MaxInt64-to.off), 256<<10)
	s.pos = to
}

// readLine appends the next line to buf without its '\n' and consumes it.
// It returns io.EOF if nothing is left.
func (s *scanner) readLine() (terminated bool, err error) {
	n := 0
	for {
		frag, err := s.r.ReadSlice('\n')
		n += len(frag)
		data := frag
		if err == nil {
			data = frag[:len(frag)-1]
		}
		if room := maxLineBytes - len(s.buf); len(data) > room {
			data = data[:max(room, 0)]
			s.long = true
		}
		s.buf = append(s.buf, data...)
		switch {
		case err == nil:
			s.pos.off += int64(n)
			s.pos.line++
			return true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if n == 0 {
				return false, io.EOF
			}
			s.pos.off += int64(n)
			s.pos.line++
			return false, nil
		default:
			return false, err
		}
	}
}

// trimCR drops one trailing '\r' (a CRLF line ending).
func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}
