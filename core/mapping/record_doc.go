package mapping

import (
	"bytes"
	"sync"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// Doc is one source record prepared for the paths of a filter and a map:
// it is checked once, and its top-level members are found in one pass, so
// that each plain path (a.b.c, names only) is answered from its first
// segment's value instead of a scan of the whole record per path. The
// answers are gjson's: a path the pass cannot answer exactly (anything but
// plain names, a record with an escaped key, one that is not valid JSON)
// is given to gjson.Get on the whole record, as before.
//
// A Doc is reused record after record (Reset) and is not safe for
// concurrent use.
type Doc struct {
	src     string
	err     error    // checkObject's verdict
	members []member // the top-level members, in order; nil unless indexed
	indexed bool
}

// member is one top-level member of a record: its key (as written, known
// to hold no escape) and its value's raw text.
type member struct {
	key, raw string
}

// Reset prepares d for src, which must not change while d is in use.
func (d *Doc) Reset(src []byte) {
	d.src = bytesString(src)
	d.err = checkObject(src)
	d.members = d.members[:0]
	d.indexed = d.err == nil && d.index(src)
}

// docs holds the Docs of Match and Apply, which look everything up with
// gjson (their callers prepare no Doc).
var docs = sync.Pool{New: func() any { return new(Doc) }}

// unindexedDoc returns a Doc from the pool for src whose lookups all go to
// gjson, as though src were not valid JSON (Match's contract).
func unindexedDoc(src []byte) *Doc {
	d := docs.Get().(*Doc)
	d.src, d.err, d.indexed = bytesString(src), nil, false
	return d
}

// putDoc gives d back to the pool, keeping no reference to its record.
func putDoc(d *Doc) {
	d.src, d.members = "", d.members[:0]
	docs.Put(d)
}

// Err is nil when the record is a JSON object, and otherwise the error
// (wrapping ErrNotObject) that Apply would return.
func (d *Doc) Err() error { return d.err }

// index finds the top-level members of src, a valid object. It returns
// false, leaving lookups to gjson, when a key holds an escape (gjson
// compares unescaped keys).
func (d *Doc) index(src []byte) bool {
	for name, value := range sdk.Members(src) {
		if bytes.IndexByte(name, '\\') >= 0 {
			return false
		}
		d.members = append(d.members, member{key: bytesString(name[1 : len(name)-1]), raw: bytesString(value)})
	}
	return true
}

// lookup is a path compiled for Doc.get: when plain, its first segment and
// the rest (after the dot, "" when none).
type lookup struct {
	path        string
	plain       bool
	first, rest string
}

// newLookup compiles path. A path is plain when it is made of names
// (letters, digits, _ and -) joined by dots, the first not a number.
func newLookup(path string) lookup {
	l := lookup{path: path}
	seg, digits := 0, true
	for i := 0; i <= len(path); i++ {
		if i == len(path) || path[i] == '.' {
			if i == seg {
				return l // an empty segment
			}
			if seg == 0 && digits {
				return l
			}
			seg = i + 1
			continue
		}
		c := path[i]
		switch {
		case isDigit(c):
		case isLetter(c), c == '_', c == '-':
			digits = false
		default:
			return l
		}
	}
	l.plain = true
	l.first, l.rest = path, ""
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			l.first, l.rest = path[:i], path[i+1:]
			break
		}
	}
	return l
}

// rawMember answers a plain path of one name from the index without
// parsing the value: its raw text ("" when the record has no such member)
// and true, or false when the path or the record is not indexed (ask get).
func (d *Doc) rawMember(l *lookup) (string, bool) {
	if !d.indexed || !l.plain || l.rest != "" {
		return "", false
	}
	for i := range d.members {
		m := &d.members[i]
		if len(m.key) == len(l.first) && m.key == l.first {
			return m.raw, true
		}
	}
	return "", true
}

// get returns what gjson.Get(record, l.path) returns, but the Index.
func (d *Doc) get(l *lookup) gjson.Result {
	if !d.indexed || !l.plain {
		return gjson.Get(d.src, l.path)
	}
	for i := range d.members {
		m := &d.members[i]
		if len(m.key) == len(l.first) && m.key == l.first {
			if l.rest == "" {
				return gjson.Parse(m.raw)
			}
			return gjson.Get(m.raw, l.rest)
		}
	}
	return gjson.Result{}
}
