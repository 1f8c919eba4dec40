package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path"
	"strings"
)

// Rules say how records resolve into customers, and how a profile is
// built. They are the config file's customers section (see ParseRules);
// the zero value is not useful: start from DefaultRules.
type Rules struct {
	// Match lists the identifiers that join records: email, phone,
	// external_id (the ExternalIDs rules), links (the core's own links and
	// the customer_id of interactions). Default: all.
	Match []string `json:"match"`
	// Email normalisation beyond trimming and lower-casing.
	GmailDots bool `json:"gmail_dots"` // gmail.com/googlemail.com: dots in the local part do not count
	PlusTags  bool `json:"plus_tags"`  // "ann+news@x" is "ann@x"
	// DefaultRegion parses phone numbers written without a country code
	// (ISO 3166 region, default US).
	DefaultRegion string `json:"default_region"`
	// NeverMatch are glob patterns (path.Match) of normalised emails and
	// phones that never join records: shared mailboxes by default.
	NeverMatch []string `json:"never_match"`
	// MaxShared refuses as glue an email or phone that more than this many
	// customer records carry (default 10).
	MaxShared int `json:"max_shared"`
	// ExternalIDs are fields of one stream holding the keys of another's
	// records (a Zendesk user's external_id that is a HubSpot contact id).
	ExternalIDs []ExternalID `json:"external_ids"`
	// Profile says which value of a field a profile shows.
	Profile ProfileRules `json:"profile"`
}

// ExternalID: the Field of records of Connection.Stream holds the key of a
// record of RefersTo.
type ExternalID struct {
	Connection string `json:"connection"`
	Stream     string `json:"stream"`
	Field      string `json:"field"` // a gjson path in the source record
	RefersTo   struct {
		Connection string `json:"connection"`
		Stream     string `json:"stream"`
	} `json:"refers_to"`
}

// ProfileRules is survivorship per field: the value from the first
// connection of Sources that has one (source priority), else the most
// recent record's value.
type ProfileRules struct {
	// Default is "most_recent" or "priority" (then Sources is the order).
	Default string `json:"default"`
	// Sources is the default connection priority, most trusted first.
	Sources []string `json:"sources"`
	// Fields override per field: a list of connections (priority) or
	// the word most_recent.
	Fields map[string][]string `json:"fields"`
}

// The identifier types.
const (
	IDEmail = "email"
	IDPhone = "phone"
	IDRef   = "ref"
)

// The values of Rules.Match.
const (
	MatchEmail      = "email"
	MatchPhone      = "phone"
	MatchExternalID = "external_id"
	MatchLinks      = "links"
)

// DefaultRules are the rules without a customers section.
func DefaultRules() Rules {
	return Rules{
		Match:         []string{MatchEmail, MatchPhone, MatchExternalID, MatchLinks},
		DefaultRegion: "US",
		NeverMatch: []string{"info@*", "support@*", "help@*", "helpdesk@*", "no-reply@*", "noreply@*", "donotreply@*",
			"do-not-reply@*", "sales@*", "admin@*", "contact@*", "hello@*", "billing@*", "office@*", "team@*", "service@*"},
		MaxShared: 10,
		Profile:   ProfileRules{Default: "most_recent"},
	}
}

// Fingerprint identifies the rules that decide identifiers and joins: a
// new fingerprint means the clusters are derived again.
func (r Rules) Fingerprint() string {
	c := r
	c.Profile = ProfileRules{} // read at query time: a change needs no rebuild
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func (r Rules) matches(what string) bool {
	for _, m := range r.Match {
		if m == what {
			return true
		}
	}
	return false
}

// refused says why a normalised value never joins records ("" if it may).
func (r Rules) refused(value string) string {
	for _, p := range r.NeverMatch {
		if neverMatches(p, value) {
			return "never_match " + p
		}
	}
	return ""
}

// neverMatches is path.Match(pattern, value), with a short cut for the
// usual "info@*": a literal prefix and one * at the end, which matches
// any run of characters but '/'.
func neverMatches(pattern, value string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok && !strings.ContainsAny(prefix, `*?[]\`) {
		rest, ok := strings.CutPrefix(value, prefix)
		return ok && !strings.Contains(rest, "/")
	}
	ok, _ := path.Match(pattern, value)
	return ok
}

// externalIDs returns the rules for a stream.
func (r Rules) externalIDs(connection, stream string) []ExternalID {
	var out []ExternalID
	for _, e := range r.ExternalIDs {
		if e.Connection == connection && (e.Stream == "" || e.Stream == stream) {
			out = append(out, e)
		}
	}
	return out
}

// sourcesFor returns the connection priority of a profile field (nil:
// most recent).
func (r Rules) sourcesFor(field string) []string {
	if f, ok := r.Profile.Fields[field]; ok {
		if len(f) == 1 && f[0] == "most_recent" {
			return nil
		}
		return f
	}
	if strings.EqualFold(r.Profile.Default, "priority") {
		return r.Profile.Sources
	}
	return nil
}

// survivorRule says whether the profile rules name a survivorship rule
// for a field: a rule of its own, or priority by default.
func (r Rules) survivorRule(field string) bool {
	_, ok := r.Profile.Fields[field]
	return ok || strings.EqualFold(r.Profile.Default, "priority")
}
