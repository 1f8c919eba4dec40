package sdktest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// semverPattern is a semantic version: MAJOR.MINOR.PATCH with optional
// pre-release and build parts, no leading zeros, no "v".
var semverPattern = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// specProblems lists what is wrong with a spec, one sentence each.
func specProblems(spec sdk.Spec) []string {
	var problems []string
	if err := spec.Validate(); err != nil {
		problems = append(problems, fmt.Sprintf("spec.Validate: %v", err))
	}
	if !semverPattern.MatchString(spec.Version) {
		problems = append(problems, fmt.Sprintf("version %q: want a semantic version MAJOR.MINOR.PATCH (1.0.0)", spec.Version))
	}
	switch spec.Kind {
	case sdk.CRM, sdk.Ticketing, sdk.Survey, sdk.SupplyChain, sdk.Generic:
	default:
		problems = append(problems, fmt.Sprintf("system kind %q: want one of crm, ticketing, survey, supply_chain, generic", spec.Kind))
	}
	if _, err := compileConfigSchema(spec.ConfigSchema); err != nil {
		problems = append(problems, fmt.Sprintf("config schema: %v", err))
	} else if paths := unmarkedSecrets(spec.ConfigSchema); len(paths) > 0 {
		what := "looks like a credential but is not"
		if len(paths) > 1 {
			what = "look like credentials but are not"
		}
		problems = append(problems, fmt.Sprintf("config schema: %s %s marked \"secret\": true "+
			"(the core redacts only marked properties from logs, errors and stored copies)", strings.Join(quoteAll(paths), ", "), what))
	}
	problems = append(problems, streamsProblems(spec.Streams)...)
	return problems
}

// streamsProblems lists what is wrong with a list of streams.
func streamsProblems(streams []sdk.StreamSpec) []string {
	var problems []string
	seen := map[string]bool{}
	for i, st := range streams {
		if st.Name != "" && seen[st.Name] {
			problems = append(problems, fmt.Sprintf("stream %q is declared twice", st.Name))
		}
		seen[st.Name] = true
		for _, p := range streamProblems(st) {
			if st.Name == "" {
				p = fmt.Sprintf("stream %d: %s", i, p)
			} else {
				p = fmt.Sprintf("stream %q: %s", st.Name, p)
			}
			problems = append(problems, p)
		}
	}
	return problems
}

// streamProblems lists what is wrong with one stream.
func streamProblems(st sdk.StreamSpec) []string {
	var problems []string
	if st.Name == "" {
		problems = append(problems, "has no name")
	}
	if len(st.PrimaryKey) == 0 {
		problems = append(problems, "declares no primary_key: records cannot be identified")
	} else if slices.Contains(st.PrimaryKey, "") {
		problems = append(problems, fmt.Sprintf("primary_key %q holds an empty path", st.PrimaryKey))
	}
	switch st.Canonical {
	case sdk.CanonicalCustomer, sdk.CanonicalInteraction, sdk.CanonicalOther:
	default:
		problems = append(problems, fmt.Sprintf("canonical_kind %q: want customer, interaction or other", st.Canonical))
	}
	if st.Canonical == sdk.CanonicalInteraction && st.InteractionKind == "" {
		problems = append(problems, "is an interaction stream without an interaction_kind (ticket, comment, survey_response, order...)")
	}
	c := st.Capabilities
	if !c.Read && !c.IncrementalRead && !c.Write && !c.Delete && !c.Webhook {
		problems = append(problems, "declares no capability (read, incremental_read, write, delete, webhook)")
	}
	if c.IncrementalRead && !c.Read {
		problems = append(problems, "declares incremental_read without read")
	}
	if _, err := compileRecordSchema(st.Schema); err != nil {
		problems = append(problems, fmt.Sprintf("record schema: %v", err))
	}
	return problems
}

// streamDifferences lists how got differs from want in what the core
// relies on: keys, cursor, kind and capabilities.
func streamDifferences(want, got sdk.StreamSpec) []string {
	var diffs []string
	if !slices.Equal(want.PrimaryKey, got.PrimaryKey) {
		diffs = append(diffs, fmt.Sprintf("primary_key %q, spec says %q", got.PrimaryKey, want.PrimaryKey))
	}
	if want.CursorField != got.CursorField {
		diffs = append(diffs, fmt.Sprintf("cursor_field %q, spec says %q", got.CursorField, want.CursorField))
	}
	if want.Canonical != got.Canonical {
		diffs = append(diffs, fmt.Sprintf("canonical_kind %q, spec says %q", got.Canonical, want.Canonical))
	}
	if want.Capabilities != got.Capabilities {
		diffs = append(diffs, fmt.Sprintf("capabilities %+v, spec says %+v", got.Capabilities, want.Capabilities))
	}
	return diffs
}

// unmarkedSecrets returns the paths of the properties of a config schema
// whose names look like credentials and that are not marked "secret": true,
// at any depth: "token", "auth.client_secret", "accounts[].api_key",
// "streams.*.password".
func unmarkedSecrets(schema string) []string {
	var out []string
	walkSchema(gjson.Parse(schema), "", &out)
	return out
}

func walkSchema(s gjson.Result, path string, out *[]string) {
	if !s.IsObject() {
		return
	}
	join := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	s.Get("properties").ForEach(func(name, prop gjson.Result) bool {
		p := join(name.String())
		if looksLikeCredential(name.String()) && !prop.Get("secret").Bool() {
			*out = append(*out, p)
		}
		walkSchema(prop, p, out)
		return true
	})
	for _, kw := range []string{"patternProperties", "$defs", "definitions"} {
		s.Get(gjson.Escape(kw)).ForEach(func(_, sub gjson.Result) bool {
			walkSchema(sub, join("*"), out)
			return true
		})
	}
	walkSchema(s.Get("additionalProperties"), join("*"), out)
	walkSchema(s.Get("items"), path+"[]", out)
	walkSchema(s.Get("not"), path, out)
	for _, kw := range []string{"allOf", "anyOf", "oneOf", "prefixItems"} {
		for _, sub := range s.Get(kw).Array() {
			walkSchema(sub, path, out)
		}
	}
}

// credentialWords are the last words of property names that hold a
// credential; credentialPairs, the last two words.
var (
	credentialWords = map[string]bool{"token": true, "password": true, "passwd": true, "passphrase": true, "secret": true, "apikey": true}
	credentialPairs = map[[2]string]bool{{"api", "key"}: true, {"private", "key"}: true, {"access", "key"}: true, {"secret", "key"}: true}
)

// looksLikeCredential reports whether a property name names a credential
// (token, password, secret, api_key, apikey, client_secret, private_key,
// access_token...): whether its last word, in snake, kebab or camel case,
// is one, so that "token" and "apiToken" do while "token_url" does not.
func looksLikeCredential(name string) bool {
	words := splitWords(name)
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	if credentialWords[last] {
		return true
	}
	return len(words) > 1 && credentialPairs[[2]string{words[len(words)-2], last}]
}

// splitWords splits a name into lower-case words at separators and at
// lower-to-upper case changes: "clientSecret" and "client_secret" both
// give [client secret].
func splitWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	runes := []rune(name)
	for i, r := range runes {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(runes[i-1]) ||
			(i+1 < len(runes) && unicode.IsLower(runes[i+1]) && unicode.IsUpper(runes[i-1]))):
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
