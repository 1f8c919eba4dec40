package sdktest

import (
	"strings"
	"testing"
)

func TestConfigOf(t *testing.T) {
	base := map[string]any{"base_url": "http://127.0.0.1:1", "token": "t", "page_size": 100}
	got := string(ConfigOf(t, base, "page_size", 7, "token", nil, "extra", []string{"a"}))
	if want := `{"base_url":"http://127.0.0.1:1","extra":["a"],"page_size":7}`; got != want {
		t.Errorf("ConfigOf = %s, want %s", got, want)
	}
	if base["page_size"] != 100 || base["token"] != "t" {
		t.Errorf("ConfigOf changed base: %v", base)
	}
	if got := string(ConfigOf(t, nil, "a", 1)); got != `{"a":1}` {
		t.Errorf("ConfigOf(nil base) = %s", got)
	}
	for name, set := range map[string][]any{
		"odd":         {"page_size"},
		"not a name":  {7, "x"},
		"not encoded": {"x", func() {}},
	} {
		f := runTB(t, func(tb testing.TB) { ConfigOf(tb, base, set...) })
		if !f.fatal || len(f.msgs) != 1 || !strings.Contains(f.msgs[0], "config") {
			t.Errorf("%s: failures %q (fatal %v), want one fatal about the config", name, f.msgs, f.fatal)
		}
	}
}
