package sdktest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

func TestDiffKeys(t *testing.T) {
	tests := []struct {
		name      string
		want, got []string
		says      string // "" when they match
	}{
		{"same", []string{"a", "b"}, []string{"b", "a"}, ""},
		{"none", nil, nil, ""},
		{"missing", []string{"a", "b", "c"}, []string{"a"}, "missing [b c]"},
		{"repeated", []string{"a", "b"}, []string{"a", "b", "a", "a"}, "repeated [a (×3)]"},
		{"unexpected", []string{"a"}, []string{"a", "x", "y", "x"}, "unexpected [x (×2) y]"},
		{"all", []string{"a", "b"}, []string{"b", "b", "z"}, "missing [a]; repeated [b (×2)]; unexpected [z]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := diffKeys(tt.want, tt.got)
			if d.ok() != (tt.says == "") || d.String() != tt.says {
				t.Errorf("diffKeys(%q, %q) = %q (ok %v), want %q", tt.want, tt.got, d.String(), d.ok(), tt.says)
			}
		})
	}
}

func TestExactKeysMessage(t *testing.T) {
	want := []string{"c-1", "c-2", "c-3", "c-4", "c-5"}
	got := []string{"c-1", "c-2", "c-4", "c-5", "c-9", "c-9"}
	msg := exactKeysMessage("read customers from the checkpoint after Change", want, diffKeys(want, got))
	if w := "read customers from the checkpoint after Change: want exactly 5 keys [c-1 c-2 c-3 c-4 c-5]; missing [c-3]; unexpected [c-9 (×2)]"; msg != w {
		t.Errorf("message\n%s\nwant\n%s", msg, w)
	}
}

func TestListKeysIsCut(t *testing.T) {
	var keys []string
	for i := range 25 {
		keys = append(keys, fmt.Sprint(i))
	}
	if got, want := listKeys(keys), "[0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 … and 5 more]"; got != want {
		t.Errorf("listKeys = %q, want %q", got, want)
	}
}

func TestDuplicates(t *testing.T) {
	if got := duplicates([]string{"a", "b", "a", "c", "b", "a"}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("duplicates = %q, want [a b]", got)
	}
}

func TestSpread(t *testing.T) {
	tests := []struct {
		in   []int
		n    int
		want []int
	}{
		{[]int{1, 2}, 3, []int{1, 2}},
		{[]int{1, 2, 3, 4, 5, 6, 7}, 3, []int{1, 4, 7}},
		{[]int{1, 2, 3, 4}, 3, []int{1, 2, 4}},
		{[]int{1, 2, 3}, 1, []int{1}},
	}
	for _, tt := range tests {
		if got := spread(tt.in, tt.n); !slices.Equal(got, tt.want) {
			t.Errorf("spread(%v, %d) = %v, want %v", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestCut(t *testing.T) {
	recs := make([]sdk.Record, 7)
	for i := range recs {
		recs[i].Key = fmt.Sprint(i)
	}
	tests := []struct {
		first, size int
		want        []int
	}{
		{3, 3, []int{3, 3, 1}},
		{1, 3, []int{1, 3, 3}},
		{10, 10, []int{7}},
	}
	for _, tt := range tests {
		var sizes []int
		var keys []string
		for _, b := range cut(recs, tt.first, tt.size) {
			sizes = append(sizes, len(b))
			for _, r := range b {
				keys = append(keys, r.Key)
			}
		}
		if !slices.Equal(sizes, tt.want) || !slices.Equal(keys, []string{"0", "1", "2", "3", "4", "5", "6"}) {
			t.Errorf("cut(7 records, %d, %d) = sizes %v keys %v, want sizes %v and every record in order", tt.first, tt.size, sizes, keys, tt.want)
		}
	}
}

func TestKeysIn(t *testing.T) {
	before := []sdk.Record{{Key: "a"}, {Key: "b"}, {Key: "c"}}
	after := []sdk.Record{{Key: "c"}, {Key: "d"}}
	if got := keysIn([]string{"d", "b", "c", "b", "a"}, before, after); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("keysIn = %q, want [b a]: the keys only before, once each", got)
	}
}
