package specdoc_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/specdoc"
)

type acmeConfig struct {
	Token   string            `json:"token" required:"true" secret:"true" minLength:"1" doc:"API token | scoped."`
	Rate    int               `json:"rate" default:"4" minimum:"1" maximum:"100" doc:"Requests per <unit>."`
	Mode    string            `json:"mode" enum:"fast,safe" default:"safe"`
	Streams map[string]stream `json:"streams"`
	Region  string            `json:"region"`
	Host    string            `json:"host"`
	_       struct{}          `anyOfRequired:"region,host"`
}

type stream struct {
	Key string `json:"key" default:"id" doc:"The key's path."`
}

func acmeSpec() sdk.Spec {
	return sdk.Spec{
		Name: "acme", Version: "1.2.3", Kind: sdk.CRM, Description: "Acme CRM.",
		ConfigSchema: sdk.ConfigSchemaOf[acmeConfig](),
		Streams: []sdk.StreamSpec{{
			Name: "contacts", Description: "People.", Canonical: sdk.CanonicalCustomer,
			PrimaryKey: []string{"id"}, CursorField: "updated_at",
			Capabilities:    sdk.Capabilities{Read: true, IncrementalRead: true, Write: true},
			CanonicalFields: map[string]string{"email": "properties.email", "company": "properties.company"},
		}, {
			Name: "notes", Canonical: sdk.CanonicalInteraction, InteractionKind: "note", PrimaryKey: []string{"id"},
			Capabilities: sdk.Capabilities{Read: true, Delete: true, Webhook: true},
		}},
	}
}

func TestMarkdown(t *testing.T) {
	page := string(specdoc.Markdown(acmeSpec()))
	for _, want := range []string{
		specdoc.Header + "\n\n# The acme connector\n\nAcme CRM.\n",
		"- Version: 1.2.3\n- System kind: crm\n- Plugin binary: `cxhub-connector-acme`\n",
		"| `token` | string (length ≥ 1) |  | yes | yes | API token \\| scoped. |\n",
		"| `rate` | integer (≥ 1; ≤ 100) | `4` |  |  | Requests per &lt;unit&gt;. |\n",
		"| `mode` | string (one of `\"fast\"`, `\"safe\"`) | `\"safe\"` |  |  |  |\n",
		"| `streams` | map of object |  |  |  |  |\n| `streams.<name>.key` | string | `\"id\"` |  |  | The key's path. |\n",
		"Give at least one of `region`, `host`.\n",
		"| [`contacts`](#contacts) | yes | yes | yes |  |  | customer | `id` | `updated_at` |\n",
		"| [`notes`](#notes) | yes |  |  | yes | yes | interaction (note) | `id` |  |\n",
		"### contacts\n\nPeople.\n\n| canonical field | path in the record |\n|---|---|\n| `company` | `properties.company` |\n| `email` | `properties.email` |\n",
		"### notes\n\nNo canonical fields.\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks\n%s\npage:\n%s", want, page)
		}
	}
}

func TestMarkdownWithoutConfigOrStreams(t *testing.T) {
	page := string(specdoc.Markdown(sdk.Spec{Name: "bare", Version: "0.1.0", Kind: sdk.Generic}))
	for _, want := range []string{"The connector takes no config.", "the connector discovers them"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
}

func TestCompare(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docs", "acme.md")
	page := specdoc.Markdown(acmeSpec())
	if err := specdoc.Compare(path, page, false); err == nil || !strings.Contains(err.Error(), "missing: run make docs") {
		t.Errorf("Compare of a missing page = %v, want it missing", err)
	}
	if err := specdoc.Compare(path, page, true); err != nil {
		t.Fatalf("Compare with update: %v", err)
	}
	if err := specdoc.Compare(path, page, false); err != nil {
		t.Errorf("Compare of the page just written: %v", err)
	}
	// The spec changes: the page is stale.
	spec := acmeSpec()
	spec.Streams[0].CanonicalFields["phone"] = "properties.phone"
	if err := specdoc.Compare(path, specdoc.Markdown(spec), false); err == nil || !strings.Contains(err.Error(), "stale") {
		t.Errorf("Compare of a stale page = %v, want it stale", err)
	}
	if b, _ := os.ReadFile(path); string(b) != string(page) {
		t.Error("Compare without update changed the page")
	}
}
