package hub

import (
	"errors"
	"testing"
)

func TestRelockCommandQuotesWhatAShellWouldSplit(t *testing.T) {
	tests := []struct{ config, want string }{
		{"configs/demo.yaml", "cxhub -c configs/demo.yaml plugins lock"},
		{"/srv/cx hub/demo.yaml", "cxhub -c '/srv/cx hub/demo.yaml' plugins lock"},
		{"it's.yaml", `cxhub -c 'it'\''s.yaml' plugins lock`},
		{"$HOME/x.yaml", "cxhub -c '$HOME/x.yaml' plugins lock"},
	}
	for _, tt := range tests {
		if got := RelockCommand(tt.config); got != tt.want {
			t.Errorf("RelockCommand(%q) = %q, want %q", tt.config, got, tt.want)
		}
	}
}

func TestJoinStartErrorsSaysEachMessageOnce(t *testing.T) {
	shared := errors.New("plugin lockfile demo.lock is malformed")
	err := JoinStartErrors(map[string]error{
		"b": shared, "a": shared, "c": errors.New(`connector "c": binary does not match`),
	})
	if got, want := err.Error(), "plugin lockfile demo.lock is malformed\n"+`connector "c": binary does not match`; got != want {
		t.Errorf("JoinStartErrors() = %q, want %q", got, want)
	}
}
