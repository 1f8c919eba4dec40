package file

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/tidwall/gjson"
)

// errCSVUnterminated is a record that ends inside a quoted cell.
var errCSVUnterminated = errors.New("quoted cell not terminated")

// parseCSVRecord splits one CSV record, without its final line break, into
// cells (RFC 4180: cells separated by commas; a cell in double quotes may
// hold commas, line breaks and doubled quotes). It appends to cells.
func parseCSVRecord(rec []byte, cells []string) ([]string, error) {
	_, err := splitCSVRecord(rec, func(_ int, text []byte, quoted bool) {
		cells = append(cells, csvCellText(text, quoted))
	})
	return cells, err
}

// csvCellAt parses one CSV record like parseCSVRecord, with the same
// errors, but returns only its number of cells and the text of cell col
// (none if col < 0): no string is made of the others.
func csvCellAt(rec []byte, col int) (cell string, n int, err error) {
	n, err = splitCSVRecord(rec, func(i int, text []byte, quoted bool) {
		if i == col {
			cell = csvCellText(text, quoted)
		}
	})
	return cell, n, err
}

// splitCSVRecord calls each with every cell of one CSV record, in order:
// its number, its text as written (a quoted cell without its outer quotes,
// its quotes still doubled) and whether it was quoted. It returns the
// number of cells, and an error for a record that cannot be parsed, after
// the cells before the problem.
func splitCSVRecord(rec []byte, each func(n int, text []byte, quoted bool)) (n int, err error) {
	i := 0
	for {
		if i < len(rec) && rec[i] == '"' {
			start := i + 1
			i++
			for {
				j := bytes.IndexByte(rec[i:], '"')
				if j < 0 {
					return n, errCSVUnterminated
				}
				i += j + 1
				if i < len(rec) && rec[i] == '"' {
					i++ // a doubled quote
					continue
				}
				break
			}
			each(n, rec[start:i-1], true)
			n++
			if i == len(rec) {
				return n, nil
			}
			if rec[i] != ',' {
				return n, fmt.Errorf("%q after the closing quote of cell %d", rec[i], n)
			}
			i++
			continue
		}
		end := len(rec)
		if j := bytes.IndexByte(rec[i:], ','); j >= 0 {
			end = i + j
		}
		if bytes.IndexByte(rec[i:end], '"') >= 0 {
			return n, fmt.Errorf("quote inside unquoted cell %d", n+1)
		}
		each(n, rec[i:end], false)
		n++
		if end == len(rec) {
			return n, nil
		}
		i = end + 1
	}
}

// csvCellText is a cell's value from its text as splitCSVRecord gives it.
func csvCellText(text []byte, quoted bool) string {
	if quoted && bytes.IndexByte(text, '"') >= 0 {
		return string(bytes.ReplaceAll(text, []byte(`""`), []byte(`"`)))
	}
	return string(text)
}

// csvOpenQuote reports whether a CSV record is inside a quoted cell after
// line, one line of it without its line break, given whether it was inside
// one before (open): whether the record goes on past the line break. It
// reads only line, so a record over many lines costs no more than its
// length. Like parseCSVRecord, it takes text that cannot be parsed (a quote
// in an unquoted cell, text after a closing quote) to end the record, which
// is then a bad row.
func csvOpenQuote(line []byte, open bool) bool {
	i := 0
	for {
		if !open {
			// At the start of a cell.
			if i < len(line) && line[i] == '"' {
				open = true
				i++
				continue
			}
			end := len(line)
			if j := bytes.IndexByte(line[i:], ','); j >= 0 {
				end = i + j
			}
			if end == len(line) || bytes.IndexByte(line[i:end], '"') >= 0 {
				return false
			}
			i = end + 1
			continue
		}
		// Inside a quoted cell.
		j := bytes.IndexByte(line[i:], '"')
		if j < 0 {
			return true
		}
		i += j + 1
		if i < len(line) && line[i] == '"' {
			i++ // a doubled quote
			continue
		}
		if i == len(line) || line[i] != ',' {
			return false // the record ends here, or cannot be parsed
		}
		open = false
		i++
	}
}

// appendCSVRow appends cells as one CSV record, without a line break.
func appendCSVRow(dst []byte, cells []string) []byte {
	if len(cells) == 1 && cells[0] == "" {
		return append(dst, `""`...) // not a blank line, which readers skip
	}
	for i, cell := range cells {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendCSVCell(dst, cell)
	}
	return dst
}

// csvQuoted marks the bytes that make a cell quoted.
var csvQuoted = [256]bool{',': true, '"': true, '\r': true, '\n': true}

// appendCSVCell appends one cell: in quotes, its quotes doubled, if it
// holds a comma, a quote or a line break.
func appendCSVCell[T string | []byte](dst []byte, cell T) []byte {
	quote := false
	for i := 0; i < len(cell); i++ {
		if csvQuoted[cell[i]] {
			quote = true
			break
		}
	}
	if !quote {
		return append(dst, cell...)
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(cell); i++ {
		if cell[i] == '"' {
			dst = append(append(dst, cell[start:i+1]...), '"')
			start = i + 1
		}
	}
	dst = append(dst, cell[start:]...)
	return append(dst, '"')
}

// csvHeader is the header row of a CSV file.
type csvHeader struct {
	names []string
	// keys are the names as JSON strings, each followed by ':'.
	keys [][]byte
}

// newCSVHeader checks the header's cells: a column named twice would make
// the rows' objects ambiguous.
func newCSVHeader(names []string) (*csvHeader, error) {
	h := &csvHeader{names: names, keys: make([][]byte, len(names))}
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		if seen[n] {
			return nil, fmt.Errorf("column %q appears twice", n)
		}
		seen[n] = true
		h.keys[i] = append(gjson.AppendJSONString(nil, n), ':')
	}
	return h, nil
}

// appendObject appends the JSON object of one row: the header's names with
// the row's cells as strings, in header order.
func (h *csvHeader) appendObject(dst []byte, cells []string) []byte {
	dst = append(dst, '{')
	for i, cell := range cells {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, h.keys[i]...)
		dst = gjson.AppendJSONString(dst, cell)
	}
	return append(dst, '}')
}
