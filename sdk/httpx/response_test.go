package httpx

import (
	"fmt"
	"testing"

	"github.com/tidwall/gjson"
)

func TestStrings(t *testing.T) {
	tests := []struct {
		json, path string
		want       []string
	}{
		{`{"tags":["a","b"]}`, "tags", []string{"a", "b"}},
		{`{"ids":[1,null,2]}`, "ids", []string{"1", "2"}},
		{`{"tag":"solo"}`, "tag", []string{"solo"}},
		{`{"n":7}`, "n", []string{"7"}},
		{`{"tags":[]}`, "tags", nil},
		{`{"tags":null}`, "tags", nil},
		{`{}`, "tags", nil},
		{`{"results":[{"id":"1"},{"id":"2"}]}`, "results.#.id", []string{"1", "2"}},
	}
	for _, tt := range tests {
		got := Strings(gjson.Get(tt.json, tt.path))
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
			t.Errorf("Strings(%s at %s) = %q, want %q", tt.json, tt.path, got, tt.want)
		}
	}
}

func TestEmpty(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{`{}`, true},
		{`{"data":null}`, true},
		{`{"data":[]}`, true},
		{`{"data":{}}`, true},
		{`{"data":""}`, true},
		{`{"data":0}`, true},
		{`{"data":false}`, true},
		{`{"data":[0]}`, false},
		{`{"data":{"a":1}}`, false},
		{`{"data":"x"}`, false},
		{`{"data":3}`, false},
		{`{"data":true}`, false},
	}
	for _, tt := range tests {
		if got := Empty("data")(&Response{Body: []byte(tt.body)}); got != tt.want {
			t.Errorf("Empty(data) of %s = %v, want %v", tt.body, got, tt.want)
		}
	}
}
