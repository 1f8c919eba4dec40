package sdk

import (
	"strings"
	"testing"
)

func TestConfigDecode(t *testing.T) {
	type settings struct {
		BaseURL string `json:"base_url"`
		Limit   int    `json:"limit"`
	}
	tests := []struct {
		name    string
		config  Config
		want    settings
		wantErr string // "" means no error
	}{
		{"valid", Config(`{"base_url":"http://x","limit":5}`), settings{"http://x", 5}, ""},
		{"empty is {}", nil, settings{}, ""},
		{"not JSON", Config(`{base_url:`), settings{}, "decode config"},
		{"wrong type", Config(`{"limit":"five"}`), settings{}, "decode config"},
		{"not an object", Config(`[1,2]`), settings{}, "decode config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got settings
			err := tt.config.Decode(&got)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Errorf("Decode = %+v, %v; want %+v, nil", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Decode = %v, want an error containing %q", err, tt.wantErr)
			}
			if KindOf(err) != KindConfig {
				t.Errorf("Decode error has kind %s, want config", KindOf(err))
			}
		})
	}
}

func TestConfigGet(t *testing.T) {
	c := Config(`{"auth":{"token":"t0k"},"ids":[3,4]}`)
	if got := c.Get("auth.token").String(); got != "t0k" {
		t.Errorf("Get(auth.token) = %q, want t0k", got)
	}
	if got := c.Get("ids.1").Int(); got != 4 {
		t.Errorf("Get(ids.1) = %d, want 4", got)
	}
	if c.Get("missing").Exists() {
		t.Error("Get(missing) exists")
	}
}
