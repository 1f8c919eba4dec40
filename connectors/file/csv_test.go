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
