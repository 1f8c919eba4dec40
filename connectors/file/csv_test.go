package file

import (
	"errors"
	"slices"
	"testing"
)

func TestParseCSVRecord(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{`a,b,c`, []string{"a", "b", "c"}, ""},
		{``, []string{""}, ""},
		{`a,,`, []string{"a", "", ""}, ""},
		{`"a,b","say ""hi""",`, []string{"a,b", `say "hi"`, ""}, ""},
		{"\"multi\nline\",x", []string{"multi\nline", "x"}, ""},
		{`""`, []string{""}, ""},
		{`"open`, nil, errCSVUnterminated.Error()},
		{`a"b,c`, nil, "quote inside unquoted cell 1"},
		{`"a"b,c`, nil, `'b' after the closing quote of cell 1`},
	}
	for _, tt := range tests {
		got, err := parseCSVRecord([]byte(tt.in), nil)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parse(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if !errors.Is(func() error { _, err := parseCSVRecord([]byte(`a,"b`), nil); return err }(), errCSVUnterminated) {
		t.Error("an open quote is not errCSVUnterminated")
	}
}

func TestCSVRowRoundTrip(t *testing.T) {
	rows := [][]string{
		{"plain", "with,comma", `with "quote"`, "with\nbreak", "with\r\ncrlf", ""},
		{""},
		{"", ""},
	}
	for _, row := range rows {
		text := appendCSVRow(nil, row)
		got, err := parseCSVRecord(text, nil)
		if err != nil || !slices.Equal(got, row) {
			t.Errorf("row %q → %q → %q, %v", row, text, got, err)
		}
	}
}

// FuzzCSVCellAt checks csvCellAt against parseCSVRecord: the same error,
// number of cells and cell.
func FuzzCSVCellAt(f *testing.F) {
	for _, seed := range []string{`a,b,c`, ``, `a,,`, `"a,b","say ""hi""",`, "\"multi\nline\",x", `""`, `"open`, `a"b,c`, `"a"b,c`, `x,"y`} {
		f.Add([]byte(seed), 1)
	}
	f.Fuzz(func(t *testing.T, rec []byte, col int) {
		cells, err := parseCSVRecord(rec, nil)
		cell, n, err2 := csvCellAt(rec, col)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("csvCellAt(%q) error %v, parseCSVRecord %v", rec, err2, err)
		}
		if err == nil && n != len(cells) {
			t.Fatalf("csvCellAt(%q) = %d cells, parseCSVRecord %d", rec, n, len(cells))
		}
		if err == nil && col >= 0 && col < len(cells) && cell != cells[col] {
			t.Fatalf("csvCellAt(%q, %d) = %q, parseCSVRecord %q", rec, col, cell, cells[col])
		}
	})
}
