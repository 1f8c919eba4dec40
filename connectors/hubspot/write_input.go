package hubspot

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// recordProperties returns the HubSpot properties a record's data sets.
//
// The data is either HubSpot-shaped, {"properties":{...}} (other top-level
// members such as id, createdAt or associations are ignored), or flat,
// where every top-level member is a property. Members named in reserved
// (a note's contact_id) are never properties. Values become text: strings
// as they are, numbers as written, booleans as true/false, null as "" (which
// clears the property), an array of those as its values joined by ";" (a
// multiple-checkbox property). Properties HubSpot sets itself (hs_object_id,
// the dates: setByHubSpot, whatever the stream) are dropped. Anything else is a bad record naming the member.
func recordProperties(obj object, rec sdk.Record, reserved ...string) (map[string]string, error) {
	data := bytes.TrimSpace(rec.Data)
	if len(data) == 0 || data[0] != '{' || !gjson.ValidBytes(data) {
		return nil, badRecord(obj.name, rec, errors.New("data is not a JSON object"))
	}
	root := gjson.ParseBytes(data)
	members, where := root, ""
	if p := root.Get("properties"); p.Exists() {
		if !p.IsObject() {
			return nil, badRecord(obj.name, rec, errors.New(`"properties" is not an object: want {"properties":{"name":"value",...}} or flat {"name":"value",...}`))
		}
		members, where = p, "properties."
	}
	props := map[string]string{}
	var problems []string
	members.ForEach(func(k, v gjson.Result) bool {
		name := k.String()
		if slices.Contains(reserved, name) || slices.Contains(obj.readOnly, name) || slices.Contains(setByHubSpot, name) {
			return true
		}
		text, err := propertyText(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s%s %v", where, name, err))
			return true
		}
		props[name] = text
		return true
	})
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, badRecord(obj.name, rec, fmt.Errorf("%s (HubSpot properties hold text)", strings.Join(problems, "; ")))
	}
	return props, nil
}

// setByHubSpot are the properties HubSpot sets itself on every object
// type the connector knows: a write of any stream drops them, since a
// record read from another stream (a company's, a note's) carries them and
// HubSpot refuses them (read-only, or unknown to the type).
var setByHubSpot = []string{"hs_object_id", "createdate", "lastmodifieddate", "hs_lastmodifieddate", "hs_createdate"}

// propertyText returns a JSON value as a HubSpot property's text.
func propertyText(v gjson.Result) (string, error) {
	switch v.Type {
	case gjson.Null:
		return "", nil
	case gjson.String:
		return v.String(), nil
	case gjson.Number:
		return v.Raw, nil
	case gjson.True, gjson.False:
		return v.Raw, nil
	}
	if !v.IsArray() {
		return "", errors.New("is an object")
	}
	var parts []string
	for _, x := range v.Array() {
		if x.IsObject() || x.IsArray() {
			return "", errors.New("is an array holding objects or arrays")
		}
		if x.Type != gjson.Null {
			parts = append(parts, x.String())
		}
	}
	return strings.Join(parts, ";"), nil
}

// member returns a top-level or properties-level string member of the
// record's data ("" if absent).
func member(rec sdk.Record, name string) string {
	if v := gjson.GetBytes(rec.Data, gjson.Escape(name)); v.Exists() && v.Type != gjson.Null {
		return strings.TrimSpace(v.String())
	}
	if v := gjson.GetBytes(rec.Data, "properties."+gjson.Escape(name)); v.Exists() && v.Type != gjson.Null {
		return strings.TrimSpace(v.String())
	}
	return ""
}

// badRecord is sdk.RecordError naming the record as one of stream, the
// HubSpot object it is written as, whatever stream it came with.
func badRecord(stream string, rec sdk.Record, err error) error {
	rec.Stream = stream
	return sdk.RecordError(rec, err)
}

// normalEmail is how HubSpot compares emails.
func normalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
