package scaffold

import "testing"

func TestCheckVersion(t *testing.T) {
	tests := []struct {
		version string
		ok      bool
	}{
		{"v1.2.3", true},
		{"v0.0.0", true},
		{"v10.20.30", true},
		{"v1.3.0-rc.1", true},
		{"v0.0.0-20260101000000-abcdef123456", true},
		{"latest", false},
		{"main", false},
		{"1.2.3", false},
		{"v1.2", false},
		{"v01.2.3", false},
		{"v1.2.3+dirty", false},
		{"v1.2.3-", false},
		{"v1.2.3-rc..1", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := checkVersion(tt.version); (err == nil) != tt.ok {
			t.Errorf("checkVersion(%q) = %v, want ok %v", tt.version, err, tt.ok)
		}
	}
}
