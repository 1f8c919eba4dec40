package sdktest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// TestWantBaseURLChecked: httpx.ParseBaseURL passes; a check that lets
// plain http through, or that forgets the key or the example, fails.
func TestWantBaseURLChecked(t *testing.T) {
	const example = "https://api.example.com"
	strict := func(base string) error {
		_, err := httpx.ParseBaseURL("base_url", base, example)
		return err
	}
	tests := []struct {
		name  string
		parse func(string) error
		want  string // in the first failure; "" for none
	}{
		{"httpx", strict, ""},
		{"plain http anywhere", func(base string) error {
			if strings.HasPrefix(base, "http://") {
				return nil
			}
			return strict(base)
		}, "base_url http://proxy.example.com accepted"},
		{"no example", func(base string) error {
			if err := strict(base); err != nil {
				return sdk.ConfigError(fmt.Errorf("base_url %q is wrong", base))
			}
			return nil
		}, "want an error naming base_url and an example"},
		{"not a config error", func(base string) error {
			if err := strict(base); err != nil {
				return fmt.Errorf("base_url: %s", example)
			}
			return nil
		}, "want a config error"},
		{"refuses loopback", func(base string) error {
			if strings.Contains(base, "127.0.0.1") {
				return sdk.ConfigError(fmt.Errorf("base_url: no"))
			}
			return strict(base)
		}, "base_url http://127.0.0.1:8080 refused"},
	}
	for _, tt := range tests {
		f := runTB(t, func(tb testing.TB) { WantBaseURLChecked(tb, "base_url", example, tt.parse) })
		switch {
		case tt.want == "" && len(f.msgs) > 0:
			t.Errorf("%s: failed: %q", tt.name, f.msgs)
		case tt.want != "" && (len(f.msgs) == 0 || !strings.Contains(f.msgs[0], tt.want)):
			t.Errorf("%s: failures %q, want one saying %q", tt.name, f.msgs, tt.want)
		}
	}
}
