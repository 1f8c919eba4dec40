package file

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// decoder turns the chunks of one stream's file into records.
type decoder struct {
	stream     string
	format     format
	keyPath    string
	cursorPath string
	header     *csvHeader // CSV only: set by readHeader

	cells []string
	buf   []byte
}

// decode returns the chunk's record, or blank for a line with nothing on
// it. The record's Data aliases the chunk or the decoder's buffer: clone it
// to keep it past the next call. A chunk that is not a usable object gives
// a record with Problem set and the raw chunk as Data.
func (d *decoder) decode(c chunk) (rec sdk.Record, blank bool) {
	raw := trimCR(c.raw)
	var data []byte
	var problem string
	switch d.format {
	case formatCSV:
		if len(raw) == 0 {
			return sdk.Record{}, true
		}
		data, problem = d.csvObject(raw)
	default:
		line := bytes.TrimSpace(raw)
		if len(line) == 0 {
			return sdk.Record{}, true
		}
		data, problem = jsonObject(line)
	}
	if at := invalidUTF8(raw); at >= 0 {
		// Decoding would turn the bytes into U+FFFD: the record goes to
		// dead letters as it is instead, never changed.
		problem = fmt.Sprintf("invalid UTF-8 at byte offset %d in the record, %d in the file", at, c.start+int64(at))
	}
	if c.unclosed {
		problem = "quoted cell opened on this line is not closed before the end of the file (a stray quote?)"
	}
	if c.swallowed > 0 {
		problem = fmt.Sprintf("quoted cell opened on this line runs over the next %d lines, each of which reads as a whole row: "+
			"a stray quote? (those lines are read as rows of their own)", c.swallowed)
	}
	if c.tooLong {
		problem = fmt.Sprintf("longer than %d bytes (cut)", maxLineBytes)
	}
	if problem != "" {
		return sdk.Record{
			Stream:  d.stream,
			Key:     lineKey(d.stream, c.line),
			Data:    raw,
			Problem: fmt.Sprintf("line %d: %s", c.line, problem),
		}, false
	}
	rec = sdk.Record{Stream: d.stream, Data: data}
	if rec.Key = valueString(gjson.GetBytes(data, d.keyPath)); rec.Key == "" {
		rec.Key = lineKey(d.stream, c.line)
	}
	if d.cursorPath != "" {
		if t, err := time.Parse(time.RFC3339Nano, gjson.GetBytes(data, d.cursorPath).String()); err == nil {
			rec.UpdatedAt = t
		}
	}
	return rec, false
}

// csvObject builds the JSON object of one CSV row.
func (d *decoder) csvObject(raw []byte) (data []byte, problem string) {
	var err error
	d.cells, err = parseCSVRecord(raw, d.cells[:0])
	if err != nil {
		return nil, "invalid CSV: " + err.Error()
	}
	if len(d.cells) != len(d.header.names) {
		return nil, fmt.Sprintf("%d cells, header has %d", len(d.cells), len(d.header.names))
	}
	d.buf = d.header.appendObject(d.buf[:0], d.cells)
	return d.buf, ""
}

// jsonObject checks that line is one JSON object.
func jsonObject(line []byte) (data []byte, problem string) {
	if !gjson.ValidBytes(line) {
		var v json.RawMessage
		if err := json.Unmarshal(line, &v); err != nil {
			return nil, "invalid JSON: " + err.Error()
		}
		return nil, "invalid JSON"
	}
	if line[0] != '{' {
		return nil, "not a JSON object but " + jsonKind(line[0])
	}
	if len(line) > maxJSONDepth && jsonDepth(line) > maxJSONDepth {
		return nil, fmt.Sprintf("nested too deeply (more than %d levels)", maxJSONDepth)
	}
	return line, ""
}

// maxJSONDepth is the deepest nesting a record may have: that of Go's
// encoding/json, which every later stage that decodes a record uses.
const maxJSONDepth = 10000

// jsonDepth returns the greatest nesting depth of valid JSON text.
func jsonDepth(text []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(text); i++ {
		switch b := text[i]; {
		case inString:
			if b == '\\' {
				i++
			} else if b == '"' {
				inString = false
			}
		case b == '"':
			inString = true
		case b == '{' || b == '[':
			depth++
			deepest = max(deepest, depth)
		case b == '}' || b == ']':
			depth--
		}
	}
	return deepest
}

// invalidUTF8 returns the offset of the first byte of text that is not
// part of a valid UTF-8 encoding, or -1 when it is all valid.
func invalidUTF8(text []byte) int {
	if utf8.Valid(text) {
		return -1
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRune(text[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// jsonKind names the kind of JSON value that begins with b.
func jsonKind(b byte) string {
	switch b {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// lineKey is the key of a record that has none of its own.
func lineKey(stream string, line int) string { return stream + ":" + strconv.Itoa(line) }

// valueString is a key or cursor value as text: a string's contents,
// another value's JSON text, "" for null or nothing.
func valueString(v gjson.Result) string {
	switch v.Type {
	case gjson.Null:
		return ""
	case gjson.String:
		return v.Str
	}
	return v.Raw
}
