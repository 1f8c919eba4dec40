package scaffold

import (
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		name    string
		wantErr string // a part of the error; "" means valid
	}{
		{"acme", ""},
		{"acme_crm", ""},
		{"a1", ""},
		{"x", ""},
		{"zendesk2", ""},
		{strings.Repeat("a", 40), ""},
		{"", "empty"},
		{"Acme", "[a-z][a-z0-9_]*"},
		{"acme-crm", "[a-z][a-z0-9_]*"},
		{"1acme", "[a-z][a-z0-9_]*"},
		{"_acme", "[a-z][a-z0-9_]*"},
		{"acme crm", "[a-z][a-z0-9_]*"},
		{"acmé", "[a-z][a-z0-9_]*"},
		{"acme/crm", "[a-z][a-z0-9_]*"},
		{strings.Repeat("a", 41), "more than 40"},
		{"func", "Go keyword"},
		{"type", "Go keyword"},
		{"main", "reserved"},
		{"sdk", "reserved"},
		{"sandbox", "reserved"},
		{"http", "reserved"},
		{"testdata", "reserved"},
		{"t", "reserved"},
		{"driver", "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateName(tt.name)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("ValidateName(%q) = %v, want nil", tt.name, err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("ValidateName(%q) = nil, want an error containing %q", tt.name, tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("ValidateName(%q) = %q, want it to contain %q", tt.name, err, tt.wantErr)
			}
		})
	}
}

func TestTitle(t *testing.T) {
	tests := map[string]string{"acme": "Acme", "acme_crm": "Acme Crm", "a__b_": "A B", "x1": "X1"}
	for in, want := range tests {
		if got := title(in); got != want {
			t.Errorf("title(%q) = %q, want %q", in, got, want)
		}
	}
}
