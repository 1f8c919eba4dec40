package dashboard

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// table is JSON of any shape shown as rows and columns: a list of objects
// becomes one row each with the union of their keys ("name" first); any
// other value is one cell. Nested values are shown as compact JSON. It
// lets the overview show the monitor's connection health without knowing
// its types.
type table struct {
	Columns []string
	Rows    [][]cell
}

type cell struct {
	Text  string
	Class string // good, bad or "" for a value that says health
}

func tableOf(raw json.RawMessage) table {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil || v == nil {
		return table{}
	}
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case map[string]any:
		// An object of objects (name → health) is a list with the name added.
		if allObjects(x) {
			for _, k := range sortedKeys(x) {
				o := x[k].(map[string]any)
				if _, ok := o["name"]; !ok {
					o["name"] = k
				}
				items = append(items, o)
			}
		} else {
			items = []any{x}
		}
	default:
		return table{Columns: []string{"value"}, Rows: [][]cell{{cellOf("", v)}}}
	}
	cols := map[string]bool{}
	for _, it := range items {
		if o, ok := it.(map[string]any); ok {
			for k := range o {
				cols[k] = true
			}
		} else {
			cols["value"] = true
		}
	}
	var t table
	for _, k := range sortedKeys(cols) {
		if k != "name" {
			t.Columns = append(t.Columns, k)
		}
	}
	if cols["name"] {
		t.Columns = append([]string{"name"}, t.Columns...)
	}
	for _, it := range items {
		row := make([]cell, len(t.Columns))
		o, isObj := it.(map[string]any)
		for i, c := range t.Columns {
			switch {
			case isObj:
				if val, ok := o[c]; ok {
					row[i] = cellOf(c, val)
				}
			case c == "value":
				row[i] = cellOf(c, it)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func allObjects(m map[string]any) bool {
	if len(m) == 0 {
		return false
	}
	for _, v := range m {
		if _, ok := v.(map[string]any); !ok {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// healthWords are values that say a thing is well or not.
var healthWords = map[string]string{
	"ok": "good", "healthy": "good", "up": "good", "passing": "good", "true": "good",
	"failing": "bad", "down": "bad", "error": "bad", "unhealthy": "bad", "false": "bad", "firing": "bad",
}

func cellOf(col string, v any) cell {
	var text string
	switch x := v.(type) {
	case nil:
		return cell{}
	case string:
		text = x
	case bool, float64:
		text = fmt.Sprint(x)
	default:
		b, _ := json.Marshal(x)
		text = string(b)
	}
	c := cell{Text: text}
	if _, isBool := v.(bool); isBool || strings.Contains(col, "status") || strings.Contains(col, "health") || col == "ok" || col == "state" {
		c.Class = healthWords[strings.ToLower(text)]
	}
	return c
}
