package file

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// upsertKey checks an upsert's data and returns its key and the compact
// object to store. Without a configured key, a key taken from the record
// rather than its data is written into the object as "id", so that the
// file still knows the line's key when it is loaded again.
func (w *writer) upsertKey(rec sdk.Record) (key string, obj []byte, err error) {
	data := bytes.TrimSpace(rec.Data)
	if len(data) == 0 || data[0] != '{' {
		return "", nil, sdk.BadRecord(errors.New("record data is not a JSON object"))
	}
	if len(data) > maxJSONDepth && jsonDepth(data) > maxJSONDepth {
		return "", nil, sdk.BadRecord(fmt.Errorf("record data is nested too deeply (more than %d levels)", maxJSONDepth))
	}
	obj, err = compactJSON(data)
	if err != nil {
		return "", nil, sdk.BadRecord(fmt.Errorf("record data is not valid JSON: %w", err))
	}
	if key = valueString(gjson.GetBytes(obj, w.keyPath)); key != "" {
		return key, obj, nil
	}
	if w.keyConfigured {
		return "", nil, sdk.BadRecord(fmt.Errorf("record has no value at key path %q", w.keyPath))
	}
	for _, k := range []string{rec.TargetID, rec.Key} {
		if k != "" {
			return k, withID(obj, k), nil
		}
	}
	return "", nil, sdk.BadRecord(errors.New(`record has no "id", target id or key`))
}

// deleteKey returns the key a delete removes: the value at the key path in
// its data if it has data, else its TargetID, else (without a configured
// key) its Key. With a configured key that the data lacks and no TargetID
// it returns "": a delete of nothing, which succeeds.
func (w *writer) deleteKey(rec sdk.Record) (string, error) {
	if data := bytes.TrimSpace(rec.Data); len(data) > 0 {
		if data[0] != '{' || !gjson.ValidBytes(data) {
			return "", sdk.BadRecord(errors.New("record data is not a JSON object"))
		}
		if k := valueString(gjson.GetBytes(data, w.keyPath)); k != "" {
			return k, nil
		}
	}
	if rec.TargetID != "" {
		return rec.TargetID, nil
	}
	if !w.keyConfigured && rec.Key != "" {
		return rec.Key, nil
	}
	if w.keyConfigured {
		// The core passes the TargetID of every object it linked: without
		// one, and without the key in the data, this source record never
		// reached the file, so there is nothing to delete.
		return "", nil
	}
	return "", sdk.BadRecord(errors.New(`record has no "id", target id or key`))
}

// withID sets the top-level "id" of a compact object to key.
func withID(obj []byte, key string) []byte {
	quoted := gjson.AppendJSONString(nil, key)
	if v := gjson.GetBytes(obj, "id"); v.Exists() && v.Index > 0 {
		out := append([]byte(nil), obj[:v.Index]...)
		out = append(out, quoted...)
		return append(out, obj[v.Index+len(v.Raw):]...)
	}
	out := append([]byte(`{"id":`), quoted...)
	if len(obj) > 2 { // not {}
		out = append(out, ',')
	}
	return append(out, obj[1:]...)
}

// compactJSON returns data without insignificant whitespace: data itself
// when it has none (the usual case: no copy), else a compacted copy. An
// invalid text goes to encoding/json, whose error a bad record carries.
func compactJSON(data []byte) ([]byte, error) {
	if isCompact(data) && gjson.ValidBytes(data) {
		return data, nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return nil, err
	}
	return compact.Bytes(), nil
}

// isCompact reports whether data has no whitespace outside strings. It
// jumps over each string's content with IndexByte.
func isCompact(data []byte) bool {
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			return false
		case '"':
			for {
				j := bytes.IndexByte(data[i+1:], '"')
				if j < 0 {
					return true // unterminated: the validation says so
				}
				i += 1 + j
				backslashes := 0
				for k := i - 1; k >= 0 && data[k] == '\\'; k-- {
					backslashes++
				}
				if backslashes%2 == 0 {
					break
				}
			}
		}
	}
	return true
}
