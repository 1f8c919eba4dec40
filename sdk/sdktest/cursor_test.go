package sdktest

import (
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

func TestCompareCursors(t *testing.T) {
	tests := []struct {
		a, b string // JSON values of the cursor field
		want int
	}{
		{`9`, `10`, -1},
		{`"9"`, `"10"`, -1},
		{`1.5`, `1.25`, 1},
		{`"2024-05-01T10:00:00Z"`, `"2024-05-01T12:00:00+02:00"`, 0},
		{`"2024-05-01T10:00:00.5Z"`, `"2024-05-01T10:00:00Z"`, 1},
		{`"b"`, `"a"`, 1},
		{`10`, `"2024-05-01T10:00:00Z"`, -1},
		{`"2024-05-01T10:00:00Z"`, `"abc"`, -1},
	}
	for _, tt := range tests {
		a, okA := cursorOf([]byte(`{"c":`+tt.a+`}`), "c")
		b, okB := cursorOf([]byte(`{"c":`+tt.b+`}`), "c")
		if !okA || !okB {
			t.Fatalf("cursorOf(%s) or (%s) found no value", tt.a, tt.b)
		}
		if got := compareCursors(a, b); got != tt.want {
			t.Errorf("compareCursors(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	for _, none := range []string{`{}`, `{"c":null}`, `{"c":""}`} {
		if _, ok := cursorOf([]byte(none), "c"); ok {
			t.Errorf("cursorOf(%s) found a value", none)
		}
	}
}

func TestCursorProblemsFollowCheckpoints(t *testing.T) {
	rec := func(key, at string) sdk.Record {
		return sdk.Record{Stream: "s", Key: key, Data: []byte(`{"at":"` + at + `"}`)}
	}
	cp := func(after int) Checkpoint { return Checkpoint{Stream: "s", State: []byte("x"), After: after} }
	tests := []struct {
		name string
		col  Collector
		want int // problems
	}{
		{"any order before the only checkpoint", Collector{
			Records:     []sdk.Record{rec("a", "3"), rec("b", "1"), rec("c", "2")},
			Checkpoints: []Checkpoint{cp(3)}}, 0},
		{"ordered across checkpoints", Collector{
			Records:     []sdk.Record{rec("a", "2"), rec("b", "1"), rec("c", "2"), rec("d", "5")},
			Checkpoints: []Checkpoint{cp(2), cp(4)}}, 0},
		{"a smaller cursor after a checkpoint", Collector{
			Records:     []sdk.Record{rec("a", "1"), rec("b", "4"), rec("c", "3"), rec("d", "5")},
			Checkpoints: []Checkpoint{cp(2), cp(4)}}, 1},
		{"another stream's checkpoint is no boundary", Collector{
			Records:     []sdk.Record{rec("a", "4"), rec("b", "3")},
			Checkpoints: []Checkpoint{{Stream: "other", After: 1}, cp(2)}}, 0},
	}
	sr := &streamRead{st: sdk.StreamSpec{Name: "s", CursorField: "at"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sr.cursorProblems(&tt.col); len(got) != tt.want {
				t.Errorf("%d problems %q, want %d", len(got), got, tt.want)
			}
		})
	}
}
