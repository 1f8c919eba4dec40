package sandbox

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// flexString is a JSON string that a client may also send as a number or
// a boolean, as HubSpot tolerates for filter values.
type flexString string

// UnmarshalJSON reads a string, a number or a boolean.
func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	switch x.(type) {
	case float64, bool:
		*f = flexString(strings.TrimSpace(string(b)))
		return nil
	case nil:
		*f = ""
		return nil
	}
	return fmt.Errorf("want a string, got %s", b)
}

// filter is one condition of a search's filter group.
type filter struct {
	PropertyName string       `json:"propertyName"`
	Operator     string       `json:"operator"`
	Value        flexString   `json:"value"`
	HighValue    flexString   `json:"highValue"`
	Values       []flexString `json:"values"`
	// dates are Value and HighValue in epoch milliseconds, for a filter on
	// the last-modified date (set by prepare: searches filter on it most).
	dates *[2]int64
}

// prepare parses the values of a filter on t's last-modified date once,
// rather than once per object.
func (f *filter) prepare(t *objectType) {
	if f.PropertyName != t.modified {
		return
	}
	lo, okLo := parseDate(string(f.Value))
	hi, okHi := parseDate(string(f.HighValue))
	if okLo && (okHi || f.HighValue == "") {
		f.dates = &[2]int64{lo.UnixMilli(), hi.UnixMilli()}
	}
}

// operators are the filter operators the sandbox knows.
var operators = map[string]bool{"EQ": true, "NEQ": true, "LT": true, "LTE": true, "GT": true, "GTE": true,
	"BETWEEN": true, "IN": true, "NOT_IN": true, "HAS_PROPERTY": true, "NOT_HAS_PROPERTY": true,
	"CONTAINS_TOKEN": true, "NOT_CONTAINS_TOKEN": true}

// check reports a filter HubSpot would refuse.
func (f filter) check(t *objectType) error {
	if !t.has(f.PropertyName) {
		return fmt.Errorf("filter on property %q: there is no such property of %s", f.PropertyName, t.name)
	}
	if !operators[f.Operator] {
		return fmt.Errorf("filter on %s: unknown operator %q", f.PropertyName, f.Operator)
	}
	if t.kindOf(f.PropertyName) == datetime {
		vals := append([]flexString{f.Value}, f.Values...)
		if f.Operator == "BETWEEN" {
			vals = append(vals, f.HighValue)
		}
		for _, v := range vals {
			if v == "" {
				continue
			}
			if _, ok := parseDate(string(v)); !ok {
				return fmt.Errorf("filter on %s: %q is not a date (want epoch milliseconds)", f.PropertyName, v)
			}
		}
	}
	return nil
}

// match reports whether o passes the filter.
func (f filter) match(t *objectType, o *crmObject) bool {
	if f.dates != nil {
		if at, ok := f.matchDate(o.updated.UnixMilli()); ok {
			return at
		}
	}
	v, has := o.props[f.PropertyName]
	has = has && v != ""
	k := t.kindOf(f.PropertyName)
	switch f.Operator {
	case "HAS_PROPERTY":
		return has
	case "NOT_HAS_PROPERTY":
		return !has
	case "NEQ":
		return !has || compare(k, v, string(f.Value)) != 0
	case "NOT_IN":
		return !has || !in(k, v, f.Values)
	case "NOT_CONTAINS_TOKEN":
		return !has || !containsToken(v, string(f.Value))
	}
	if !has {
		return false
	}
	switch f.Operator {
	case "EQ":
		return compare(k, v, string(f.Value)) == 0
	case "LT":
		return compare(k, v, string(f.Value)) < 0
	case "LTE":
		return compare(k, v, string(f.Value)) <= 0
	case "GT":
		return compare(k, v, string(f.Value)) > 0
	case "GTE":
		return compare(k, v, string(f.Value)) >= 0
	case "BETWEEN":
		return compare(k, v, string(f.Value)) >= 0 && compare(k, v, string(f.HighValue)) <= 0
	case "IN":
		return in(k, v, f.Values)
	case "CONTAINS_TOKEN":
		return containsToken(v, string(f.Value))
	}
	return false
}

// matchDate decides the comparisons of a prepared date filter; ok is
// false for the operators it leaves to match.
func (f filter) matchDate(ms int64) (result, ok bool) {
	v, hi := f.dates[0], f.dates[1]
	switch f.Operator {
	case "EQ":
		return ms == v, true
	case "NEQ":
		return ms != v, true
	case "LT":
		return ms < v, true
	case "LTE":
		return ms <= v, true
	case "GT":
		return ms > v, true
	case "GTE":
		return ms >= v, true
	case "BETWEEN":
		return ms >= v && ms <= hi, true
	}
	return false, false
}

func in(k kind, v string, values []flexString) bool {
	for _, x := range values {
		if compare(k, v, string(x)) == 0 {
			return true
		}
	}
	return false
}

// containsToken matches a word of v, with * as a wildcard, without case.
func containsToken(v, token string) bool {
	token = strings.ToLower(strings.Trim(token, "*"))
	return token != "" && strings.Contains(strings.ToLower(v), token)
}

// compare orders a stored value a and a filter value b by the property's
// kind: numbers as numbers, dates by the millisecond (b may be epoch
// milliseconds or ISO), text without case.
func compare(k kind, a, b string) int {
	switch k {
	case number:
		x, errA := strconv.ParseFloat(a, 64)
		y, errB := strconv.ParseFloat(b, 64)
		if errA == nil && errB == nil {
			return cmp3(x, y)
		}
	case datetime:
		x, okA := parseDate(a)
		y, okB := parseDate(b)
		if okA && okB {
			return cmp3(x.UnixMilli(), y.UnixMilli())
		}
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

func cmp3[T int64 | float64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
