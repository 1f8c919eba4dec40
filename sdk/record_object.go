package sdk

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Object is a record's data decoded one level: its members by name, their
// values kept as raw JSON. It suits a destination that passes most of a
// record on to a vendor's API as it came, reading and setting a few
// members; to only read a few fields, gjson on Record.Data decodes less.
type Object map[string]json.RawMessage

// DecodeObject decodes a record's data as a JSON object. wrapper, if not
// "", names a member under which the object may come instead, as many
// vendors' APIs take it ({"customer": {...}}): data whose only member is
// wrapper is unwrapped. Data that is not a JSON object (nor a wrapped
// one) is a [RecordError].
func DecodeObject(r Record, wrapper string) (Object, error) {
	var o Object
	if err := json.Unmarshal(r.Data, &o); err != nil || o == nil {
		return nil, RecordErrorf(r, "data is not a JSON object")
	}
	if inner, ok := o[wrapper]; ok && wrapper != "" && len(o) == 1 {
		o = nil
		if err := json.Unmarshal(inner, &o); err != nil || o == nil {
			return nil, RecordErrorf(r, "%s is not a JSON object", wrapper)
		}
	}
	return o, nil
}

// GetString reads member name as text. An absent or null member gives "",
// false; a string gives its value; a number gives its digits as written
// (42, -1.5e3), since vendors send ids either way. Anything else (true,
// an object, an array, or raw bytes that are not JSON) is an error naming
// the member, for the caller to make a [RecordError].
func (o Object) GetString(name string) (string, bool, error) {
	raw := bytes.TrimSpace(o[name])
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", false, nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return s, true, nil
		}
	case (raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9') && json.Valid(raw):
		return string(raw), true, nil
	}
	return "", false, fmt.Errorf("%s is not a string", name)
}

// SetString sets member name to the JSON string v.
func (o Object) SetString(name, v string) {
	b, _ := json.Marshal(v) // a string: cannot fail
	o[name] = b
}
