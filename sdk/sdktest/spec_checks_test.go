package sdktest

import (
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

func TestLooksLikeCredential(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"token", true},
		{"Token", true},
		{"api_token", true},
		{"apiToken", true},
		{"ACCESS_TOKEN", true},
		{"access-token", true},
		{"password", true},
		{"secret", true},
		{"client_secret", true},
		{"clientSecret", true},
		{"private_key", true},
		{"privateKey", true},
		{"api_key", true},
		{"apikey", true},
		{"APIKey", true},
		{"api-key", true},
		{"webhook_signing_secret", true},
		{"token_url", false},
		{"tokenURL", false},
		{"token_expiry", false},
		{"key", false},
		{"cursor", false},
		{"secret_name", false},
		{"email", false},
		{"monkey", false},
		{"passwordless", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := looksLikeCredential(tt.name); got != tt.want {
			t.Errorf("looksLikeCredential(%q) = %v, want %v (words %q)", tt.name, got, tt.want, splitWords(tt.name))
		}
	}
}

func TestUnmarkedSecrets(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		want   []string
	}{
		{"none", `{"type":"object","properties":{"dir":{"type":"string"}}}`, nil},
		{"marked", `{"properties":{"token":{"type":"string","secret":true}}}`, nil},
		{"unmarked", `{"properties":{"token":{"type":"string"},"password":{"secret":false}}}`, []string{"token", "password"}},
		{"nested", `{"properties":{"auth":{"type":"object","properties":{"client_secret":{"type":"string"},"client_id":{"type":"string"}}}}}`,
			[]string{"auth.client_secret"}},
		{"in items", `{"properties":{"accounts":{"type":"array","items":{"properties":{"api_key":{}}}}}}`, []string{"accounts[].api_key"}},
		{"in a map", `{"properties":{"streams":{"additionalProperties":{"properties":{"key":{},"access_token":{}}}}}}`,
			[]string{"streams.*.access_token"}},
		{"in oneOf", `{"oneOf":[{"properties":{"password":{}}},{"properties":{"token":{"secret":true}}}]}`, []string{"password"}},
		{"in $defs", `{"$defs":{"auth":{"properties":{"private_key":{}}}}}`, []string{"*.private_key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unmarkedSecrets(tt.schema); !slices.Equal(got, tt.want) {
				t.Errorf("unmarkedSecrets = %q, want %q", got, tt.want)
			}
		})
	}
}

// validSpec is a spec with no problem; the cases below each break it once.
func validSpec() sdk.Spec {
	return sdk.Spec{
		Name: "x", Version: "1.0.0", Kind: sdk.Ticketing,
		ConfigSchema: `{"type":"object","required":["token"],"properties":{"token":{"type":"string","secret":true}}}`,
		Streams: []sdk.StreamSpec{{
			Name: "tickets", Canonical: sdk.CanonicalInteraction, InteractionKind: "ticket", PrimaryKey: []string{"id"},
			CursorField: "updated_at", Capabilities: sdk.Capabilities{Read: true, IncrementalRead: true},
			Schema: `{"type":"object","required":["id"]}`,
		}},
	}
}

func TestSpecProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(*sdk.Spec)
		want   string // in the one problem found; "" for none
	}{
		{"valid", func(*sdk.Spec) {}, ""},
		{"prerelease version", func(s *sdk.Spec) { s.Version = "2.0.0-rc.1+build.5" }, ""},
		{"v prefix", func(s *sdk.Spec) { s.Version = "v1.0.0" }, `version "v1.0.0": want a semantic version`},
		{"two parts", func(s *sdk.Spec) { s.Version = "1.0" }, `version "1.0": want a semantic version`},
		{"leading zero", func(s *sdk.Spec) { s.Version = "1.02.0" }, `version "1.02.0"`},
		{"no kind", func(s *sdk.Spec) { s.Kind = "" }, `system kind "": want one of`},
		{"schema does not compile", func(s *sdk.Spec) { s.ConfigSchema = `{"type":"objekt"}` }, "config schema: compiling: "},
		{"schema not JSON", func(s *sdk.Spec) { s.ConfigSchema = `{"type":` }, "config schema is not a JSON object"},
		{"external ref", func(s *sdk.Spec) { s.ConfigSchema = `{"$ref":"https://example.com/s.json"}` }, "must be self-contained"},
		{"unmarked token", func(s *sdk.Spec) { s.ConfigSchema = `{"properties":{"token":{}}}` }, `"token" looks like a credential`},
		{"no primary key", func(s *sdk.Spec) { s.Streams[0].PrimaryKey = nil }, `stream "tickets": declares no primary_key`},
		{"empty key path", func(s *sdk.Spec) { s.Streams[0].PrimaryKey = []string{"id", ""} }, "holds an empty path"},
		{"bad canonical", func(s *sdk.Spec) { s.Streams[0].Canonical = "person" }, `canonical_kind "person"`},
		{"no interaction kind", func(s *sdk.Spec) { s.Streams[0].InteractionKind = "" }, "without an interaction_kind"},
		{"no capability", func(s *sdk.Spec) { s.Streams[0].Capabilities = sdk.Capabilities{} }, "declares no capability"},
		{"incremental only", func(s *sdk.Spec) { s.Streams[0].Capabilities.Read = false }, "incremental_read without read"},
		{"bad record schema", func(s *sdk.Spec) { s.Streams[0].Schema = `{"required":"id"}` }, "record schema"},
		{"twice", func(s *sdk.Spec) { s.Streams = append(s.Streams, s.Streams[0]) }, `"tickets" is declared twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := validSpec()
			tt.change(&spec)
			got := specProblems(spec)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("specProblems = %q, want none", got)
			case tt.want != "" && !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, tt.want) }):
				t.Errorf("specProblems = %q, want one saying %q", got, tt.want)
			}
		})
	}
}

func TestStreamDifferences(t *testing.T) {
	base := validSpec().Streams[0]
	other := base
	other.PrimaryKey = []string{"ticket_id"}
	other.Capabilities.Write = true
	got := streamDifferences(base, other)
	if len(got) != 2 || !strings.Contains(got[0], `primary_key ["ticket_id"], spec says ["id"]`) || !strings.Contains(got[1], "capabilities") {
		t.Errorf("streamDifferences = %q, want the primary key and the capabilities", got)
	}
	if got := streamDifferences(base, base); got != nil {
		t.Errorf("streamDifferences of a stream with itself = %q", got)
	}
}

func TestValidateConfig(t *testing.T) {
	spec := validSpec()
	if err := validateConfig(spec, sdk.Config(`{"token":"t"}`)); err != nil {
		t.Errorf("a valid config: %v", err)
	}
	if err := validateConfig(spec, sdk.Config(`{}`)); err == nil || !strings.Contains(err.Error(), "token") {
		t.Errorf("a config without its required token: %v, want an error naming token", err)
	}
	if err := validateConfig(sdk.Spec{}, sdk.Config(`{"anything":1}`)); err != nil {
		t.Errorf("no schema accepts anything, got %v", err)
	}
}

func TestValidateJSONSaysWhere(t *testing.T) {
	sch, err := compileRecordSchema(`{"type":"object","properties":{"records":{"type":"array"},"file":{"type":"string"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	err = validateJSON(sch, []byte(`{"records":null,"file":3}`))
	if err == nil {
		t.Fatal("an invalid document was accepted")
	}
	for _, want := range []string{"at '/records': got null, want array", "at '/file': got number, want string"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), recordSchemaURL) || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q names the schema's URL or spans lines", err)
	}
}
