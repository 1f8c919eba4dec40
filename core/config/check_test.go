package config

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// installed is a set of connector specs like the plugins would give.
func installed() map[string]sdk.Spec {
	rw := sdk.Capabilities{Read: true, Write: true}
	return map[string]sdk.Spec{
		"hubspot": {
			Name: "hubspot", Version: "1.0.0",
			ConfigSchema: `{
				"type": "object",
				"properties": {
					"base_url": {"type": "string", "format": "uri"},
					"token": {"type": "string", "secret": true, "pattern": "^pat-"},
					"page_size": {"type": "integer", "minimum": 1, "maximum": 100},
					"auth": {
						"type": "object",
						"properties": {"client_secret": {"type": "string", "secret": true}, "mode": {"enum": ["oauth", "key"]}},
						"required": ["mode"]
					}
				},
				"required": ["base_url", "token"],
				"additionalProperties": false
			}`,
			Streams: []sdk.StreamSpec{
				{Name: "contacts", Capabilities: rw},
				{Name: "companies", Capabilities: sdk.Capabilities{Read: true}},
			},
		},
		"zendesk": {
			Name: "zendesk", Version: "1.0.0",
			Streams: []sdk.StreamSpec{
				{Name: "users", Capabilities: rw},
				{Name: "tickets", Capabilities: rw},
				{Name: "ticket_audit", Capabilities: sdk.Capabilities{Write: true}},
			},
		},
		// Streams come from Discover: none in the spec.
		"file": {Name: "file", Version: "1.0.0", ConfigSchema: `{"type": "object", "properties": {"dir": {"type": "string"}}}`},
	}
}

// checkErrors loads content, which must be valid, and returns what Check
// says about it, one line per error with the path cut down to "FILE".
func checkErrors(t *testing.T, content string) []string {
	t.Helper()
	c := mustLoad(t, content)
	err := c.Check(installed())
	if err == nil {
		return nil
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Check error is %T (%v), want Errors", err, err)
	}
	return strings.Split(strings.ReplaceAll(err.Error(), c.File, "FILE"), "\n")
}

const checkHead = `version: 1
connections:
  crm:
    connector: hubspot
    config:
      base_url: http://127.0.0.1:9101
      token: pat-123
  helpdesk: {connector: zendesk, config: {anything: [goes]}}
  files: {connector: file}
pipelines:
`

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "valid",
			yaml: checkHead + "  - name: p\n    from: {connection: crm, stream: contacts}\n    to: {connection: helpdesk, stream: users}\n" +
				"  - name: q\n    from: {connection: files, stream: whatever_discover_finds}\n    to: {connection: crm, stream: contacts}\n",
		},
		{
			name: "unknown connector with did-you-mean",
			yaml: "version: 1\nconnections:\n  crm: {connector: hubspt}\n  x: {connector: nothing-like-it}\n",
			want: []string{
				`FILE:3:20: connections.crm.connector: unknown connector "hubspt" (did you mean "hubspot"? installed: file, hubspot, zendesk)`,
				`FILE:4:18: connections.x.connector: unknown connector "nothing-like-it" (installed: file, hubspot, zendesk)`,
			},
		},
		{
			name: "missing required property",
			yaml: "version: 1\nconnections:\n  crm:\n    connector: hubspot\n    config:\n      base_url: http://a\n  crm2:\n    connector: hubspot\n",
			want: []string{
				`FILE:5:5: connections.crm.config.token: missing required property`,
				`FILE:7:3: connections.crm2.config.base_url: missing required property`,
				`FILE:7:3: connections.crm2.config.token: missing required property`,
			},
		},
		{
			name: "wrong types and values in plugin config",
			yaml: "version: 1\nconnections:\n  crm:\n    connector: hubspot\n    config:\n      base_url: 9101\n      token: pat-1\n" +
				"      page_size: 0\n      auth: {mode: basic}\n",
			want: []string{
				`FILE:6:17: connections.crm.config.base_url: expected string, got number`,
				`FILE:8:18: connections.crm.config.page_size: expected a number >= 1`,
				`FILE:9:20: connections.crm.config.auth.mode: expected "oauth" or "key"`,
			},
		},
		{
			name: "missing nested property and unknown property",
			yaml: "version: 1\nconnections:\n  crm:\n    connector: hubspot\n    config:\n      base_url: http://a\n      token: pat-1\n" +
				"      auth: {}\n      pagesize: 5\n",
			want: []string{
				`FILE:8:7: connections.crm.config.auth.mode: missing required property`,
				`FILE:9:7: connections.crm.config.pagesize: unknown property (did you mean "page_size"? expected one of: base_url, token, page_size, auth)`,
			},
		},
		{
			name: "unknown stream",
			yaml: checkHead + "  - name: p\n    from: {connection: crm, stream: contcts}\n    to: {connection: helpdesk, stream: orders}\n",
			want: []string{
				`FILE:12:37: pipelines[0].from.stream: connector "hubspot" has no stream "contcts" (did you mean "contacts"? streams: contacts, companies)`,
				`FILE:13:40: pipelines[0].to.stream: connector "zendesk" has no stream "orders" (streams: users, tickets, ticket_audit)`,
			},
		},
		{
			name: "stream without write or read capability",
			yaml: checkHead + "  - name: p\n    from: {connection: helpdesk, stream: ticket_audit}\n    to: {connection: crm, stream: companies}\n",
			want: []string{
				`FILE:12:42: pipelines[0].from.stream: stream "ticket_audit" of connector "zendesk" cannot be read (readable streams: users, tickets)`,
				`FILE:13:35: pipelines[0].to.stream: stream "companies" of connector "hubspot" cannot be written (writable streams: contacts)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameLines(t, checkErrors(t, tt.yaml), tt.want)
		})
	}
}

func TestCheckOK(t *testing.T) {
	c := mustLoad(t, checkHead)
	if err := c.Check(installed()); err != nil {
		t.Fatalf("Check = %v (%T), want nil", err, err)
	}
}

func TestSecrets(t *testing.T) {
	t.Setenv("HUBSPOT_TOKEN", "pat-from-env")
	t.Setenv("CLIENT_SECRET", "cs-42")
	c := mustLoad(t, `version: 1
connections:
  crm:
    connector: hubspot
    config: {base_url: http://a, token: "${HUBSPOT_TOKEN}", auth: {client_secret: "${CLIENT_SECRET}", mode: oauth}}
  crm2:
    connector: hubspot
    config: {base_url: http://b, token: "", auth: {mode: key}}
  unknown: {connector: nope, config: {token: not-a-known-secret}}
  files: {connector: file, config: {dir: /data}}
`)
	got := c.Secrets(installed())
	slices.Sort(got)
	if want := []string{"cs-42", "pat-from-env"}; !slices.Equal(got, want) {
		t.Errorf("Secrets = %q, want %q", got, want)
	}
}

// TestSecretsInArraysAndMaps follows the secrets of a schema into arrays,
// maps and secret objects.
func TestSecretsInArraysAndMaps(t *testing.T) {
	specs := map[string]sdk.Spec{"multi": {Name: "multi", Version: "1.0.0", ConfigSchema: `{"type":"object","properties":{
		"accounts":{"type":"array","items":{"type":"object","properties":{"api_key":{"type":"string","secret":true}}}},
		"streams":{"type":"object","additionalProperties":{"type":"object","properties":{"token":{"type":"string","secret":true}}}},
		"oauth":{"type":"object","secret":true}}}`}}
	c := mustLoad(t, `version: 1
connections:
  m:
    connector: multi
    config:
      accounts: [{api_key: key-1, name: a}, {api_key: key-2, name: b}]
      streams: {s1: {token: tok-1}, s2: {token: tok-2}}
      oauth: {client_id: cid-9, refresh: {token: ref-7}}
`)
	got := c.Secrets(specs)
	slices.Sort(got)
	if want := []string{"cid-9", "key-1", "key-2", "ref-7", "tok-1", "tok-2"}; !slices.Equal(got, want) {
		t.Errorf("Secrets = %q, want %q", got, want)
	}
}

// TestErrorsNeverContainSecrets puts secret values where every kind of
// config error would be tempted to quote them.
func TestErrorsNeverContainSecrets(t *testing.T) {
	const secret = "sk-live-abcdef123456"
	t.Setenv("SECRET_TOKEN", secret)
	c := mustLoad(t, `version: 1
connections:
  a: {connector: hubspot, config: {base_url: http://a, token: "${SECRET_TOKEN}"}}
  b: {connector: hubspot, config: {base_url: http://b, token: "pat-ok", auth: {client_secret: [x], mode: "${SECRET_TOKEN}"}}}
  c: {connector: hubspot, config: {base_url: "${SECRET_TOKEN}", token: 12345}}
`)
	err := c.Check(installed())
	if err == nil {
		t.Fatal("Check = nil, want errors")
	}
	text := err.Error()
	for _, s := range append(c.Secrets(installed()), secret, "12345") {
		if strings.Contains(text, s) {
			t.Errorf("errors contain the secret %q:\n%s", s, text)
		}
	}
	// The errors still say what is wrong.
	for _, want := range []string{
		`connections.a.config.token: does not match the pattern "^pat-"`,
		`connections.b.config.auth.client_secret: expected string, got array`,
		`connections.b.config.auth.mode: expected "oauth" or "key"`,
		`connections.c.config.token: expected string, got number`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("errors lack %q:\n%s", want, text)
		}
	}
}

func TestCheckRedactsAsALastResort(t *testing.T) {
	errs := Errors{{File: "f", Msg: `got "hunter2hunter2" and "hunter2"`}}
	redact(errs, []string{"hunter2", "hunter2hunter2"})
	if got, want := errs[0].Msg, `got "[redacted]" and "[redacted]"`; got != want {
		t.Errorf("redacted message = %q, want %q", got, want)
	}
}

func TestCheckBadConnectorSchema(t *testing.T) {
	c := mustLoad(t, "version: 1\nconnections:\n  a: {connector: bad}\n  b: {connector: either}\n")
	specs := map[string]sdk.Spec{
		"bad":    {Name: "bad", Version: "1", ConfigSchema: `{"type": 5}`},
		"either": {Name: "either", Version: "1", ConfigSchema: `{"oneOf": [{"required": ["x"]}, {"required": ["y"]}]}`},
	}
	got := strings.Split(strings.ReplaceAll(c.Check(specs).Error(), c.File, "FILE"), "\n")
	if len(got) != 2 ||
		!strings.HasPrefix(got[0], `FILE:3:18: connections.a.connector: connector "bad" has an invalid config schema (a bug in the connector): compiling: `) ||
		got[1] != `FILE:4:3: connections.b.config: does not match any of the forms the connector's config schema allows` {
		t.Errorf("errors:\n%s", strings.Join(got, "\n"))
	}
}

// TestAPatternErrorSaysWhatThePropertyWants: a value the pattern refuses
// is told what the property wants, from its description, not only the
// regular expression.
func TestAPatternErrorSaysWhatThePropertyWants(t *testing.T) {
	specs := map[string]sdk.Spec{"shop": {Name: "shop", Version: "1.0.0", ConfigSchema: `{"type":"object","properties":{
		"shop":{"type":"string","pattern":"^[a-z0-9-]+(\\.myshopify\\.com)?$","description":"The shop: acme or acme.myshopify.com."},
		"code":{"type":"string","pattern":"^[A-Z]{3}$"}}}`}}
	c := mustLoad(t, `version: 1
connections:
  s: {connector: shop, config: {shop: "https://acme.myshopify.com", code: "eu"}}
`)
	err := c.Check(specs)
	if err == nil {
		t.Fatal("Check = nil, want errors")
	}
	for _, want := range []string{
		`connections.s.config.shop: does not match the pattern "^[a-z0-9-]+(\\.myshopify\\.com)?$": expected the shop: acme or acme.myshopify.com` + "\n",
		`connections.s.config.code: does not match the pattern "^[A-Z]{3}$"` + "\n",
	} {
		if !strings.Contains(err.Error()+"\n", want) {
			t.Errorf("errors lack %q:\n%s", want, err)
		}
	}
}
