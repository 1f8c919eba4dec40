package sandbox

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"time"
)

// parseProperties checks the property values of a write against t and
// returns them as strings (an empty string clears a property). Unknown
// and read-only properties are refused, as HubSpot refuses them.
func parseProperties(t *objectType, raw map[string]json.RawMessage) (map[string]string, []propertyProblem) {
	out := map[string]string{}
	var problems []propertyProblem
	for name, v := range raw {
		if !t.has(name) {
			problems = append(problems, problem(name, "PROPERTY_DOESNT_EXIST", "Property \"%s\" does not exist", name))
			continue
		}
		if t.isReadOnly(name) {
			problems = append(problems, problem(name, "READ_ONLY_VALUE", "%s is a read only property; its value cannot be set", name))
			continue
		}
		s, ok := scalar(v)
		if !ok {
			problems = append(problems, problem(name, "INVALID_OPTION", "%s was not a valid value for property %s: want a string", v, name))
			continue
		}
		s, p := checkValue(t, name, s)
		if p != nil {
			problems = append(problems, *p)
			continue
		}
		out[name] = s
	}
	sort.Slice(problems, func(i, j int) bool { return problems[i].Name < problems[j].Name })
	return out, problems
}

// scalar returns a JSON value as HubSpot takes it: strings as they are,
// numbers and booleans as their text, null as "" (clear).
func scalar(v json.RawMessage) (string, bool) {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return "", false
	}
	switch x := x.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strings.TrimSpace(string(v)), true
	}
	return "", false
}

// checkValue validates one value by the property's type and returns it as
// stored (emails lower case, dates as ISO with milliseconds).
func checkValue(t *objectType, name, v string) (string, *propertyProblem) {
	if v == "" {
		return "", nil
	}
	switch {
	case name == "email":
		v = strings.ToLower(strings.TrimSpace(v))
		if !validEmail(v) {
			p := problem(name, "INVALID_EMAIL", "Email address %s is invalid", v)
			return "", &p
		}
	case t.kindOf(name) == number:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			p := problem(name, "INVALID_INTEGER", "%s was not a valid number", v)
			return "", &p
		}
	case t.kindOf(name) == datetime:
		at, ok := parseDate(v)
		if !ok {
			p := problem(name, "INVALID_DATE", "%s was not a valid long or ISO 8601 date", v)
			return "", &p
		}
		v = formatTime(at)
	}
	return v, nil
}

// validEmail accepts a bare address with a dotted domain.
func validEmail(v string) bool {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(v, '@')
	return at > 0 && strings.Contains(v[at+1:], ".") && !strings.HasSuffix(v, ".")
}

// parseDate reads epoch milliseconds or an ISO 8601 date (with or without
// a time).
func parseDate(v string) (time.Time, bool) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if at, err := time.Parse(layout, v); err == nil {
			return at.UTC(), true
		}
	}
	return time.Time{}, false
}

// apply sets props on o, an object of typ (an empty value removes the
// property), keeps the unique-value index, and reports whether anything
// changed.
func (s *store) apply(typ string, o *crmObject, props map[string]string) bool {
	t := s.types[typ]
	changed := false
	for k, v := range props {
		old, had := o.props[k]
		if (v == "" && !had) || (v != "" && old == v) {
			continue
		}
		if t.isUnique(k) && had {
			delete(s.index[typ][k], normalise(k, old))
		}
		if v == "" {
			delete(o.props, k)
		} else {
			o.props[k] = v
			if t.isUnique(k) {
				s.indexOf(typ, k)[normalise(k, v)] = o.id
			}
		}
		changed = true
	}
	return changed
}

// conflict returns the object other than self that already holds the value
// props give one of t's unique properties, as HubSpot refuses a duplicate.
func (s *store) conflict(t *objectType, props map[string]string, self *crmObject) (string, bool) {
	for _, p := range t.unique {
		v, ok := props[p]
		if !ok || v == "" || p == "hs_object_id" {
			continue
		}
		if o, found := s.findUnique(t.name, p, v); found && o != self {
			return fmt.Sprintf("%s already has that value of %s. Existing ID: %d", strings.ToLower(t.label), p, o.id), true
		}
	}
	return "", false
}
