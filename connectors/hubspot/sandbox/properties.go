package sandbox

import "slices"

// kind is a property's value type, which decides how search filters and
// sorts compare it and which values a write may set.
type kind int8

const (
	text kind = iota
	number
	datetime
)

// objectType is what the sandbox knows of one HubSpot object type.
type objectType struct {
	name     string // "contacts": the path segment
	label    string // "CONTACT": as HubSpot's messages say it
	typeID   string // "0-1": the object type id of webhooks and v4 APIs
	modified string // the last-modified property
	created  string // the creation-date property
	// defaults are the properties returned when a request names none.
	defaults []string
	// props are the properties a write may set or a read may ask for.
	props map[string]kind
	// unique are the properties whose values identify one object (idProperty of an upsert).
	unique []string
	// readOnly properties are set by HubSpot; writes of them are refused.
	readOnly []string
	// touch is the property Touch changes besides the last-modified date.
	touch string
}

// The object types the sandbox serves. cxhub_key is the custom unique
// property the connector upserts companies and notes by (see the
// connector's README); contacts are upserted by email.
var objectTypes = map[string]*objectType{
	"contacts": {
		name: "contacts", label: "CONTACT", typeID: "0-1",
		modified: "lastmodifieddate", created: "createdate",
		defaults: []string{"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"},
		props: props(map[string]kind{"hs_object_id": number, "createdate": datetime, "lastmodifieddate": datetime},
			"email", "firstname", "lastname", "phone", "mobilephone", "company", "website", "jobtitle",
			"address", "city", "state", "zip", "country", "lifecyclestage", "hs_lead_status",
			"hubspot_owner_id", "industry", "cxhub_key"),
		unique:   []string{"email", "hs_object_id", "cxhub_key"},
		readOnly: []string{"hs_object_id", "createdate", "lastmodifieddate"},
		touch:    "hs_lead_status",
	},
	"companies": {
		name: "companies", label: "COMPANY", typeID: "0-2",
		modified: "hs_lastmodifieddate", created: "createdate",
		defaults: []string{"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"},
		props: props(map[string]kind{"hs_object_id": number, "createdate": datetime, "hs_lastmodifieddate": datetime,
			"numberofemployees": number, "annualrevenue": number},
			"name", "domain", "website", "phone", "address", "city", "state", "zip", "country", "industry",
			"description", "lifecyclestage", "hubspot_owner_id", "cxhub_key"),
		unique:   []string{"hs_object_id", "cxhub_key"},
		readOnly: []string{"hs_object_id", "createdate", "hs_lastmodifieddate"},
		touch:    "description",
	},
	"notes": {
		name: "notes", label: "NOTE", typeID: "0-46",
		modified: "hs_lastmodifieddate", created: "hs_createdate",
		defaults: []string{"hs_createdate", "hs_lastmodifieddate", "hs_object_id"},
		props: props(map[string]kind{"hs_object_id": number, "hs_createdate": datetime, "hs_lastmodifieddate": datetime,
			"hs_timestamp": datetime},
			"hs_note_body", "hubspot_owner_id", "hs_attachment_ids", "cxhub_key"),
		unique:   []string{"hs_object_id", "cxhub_key"},
		readOnly: []string{"hs_object_id", "hs_createdate", "hs_lastmodifieddate"},
		touch:    "hs_note_body",
	},
}

// props returns typed merged with the text properties names.
func props(typed map[string]kind, names ...string) map[string]kind {
	for _, n := range names {
		typed[n] = text
	}
	return typed
}

// has reports whether the type knows property p.
func (t *objectType) has(p string) bool { _, ok := t.props[p]; return ok }

// kindOf returns the value type of property p (text if unknown).
func (t *objectType) kindOf(p string) kind { return t.props[p] }

func (t *objectType) isUnique(p string) bool   { return slices.Contains(t.unique, p) }
func (t *objectType) isReadOnly(p string) bool { return slices.Contains(t.readOnly, p) }

// withExtra returns a copy of the types with extra properties (text) added.
func withExtra(extra map[string][]string) map[string]*objectType {
	out := make(map[string]*objectType, len(objectTypes))
	for name, t := range objectTypes {
		c := *t
		c.props = make(map[string]kind, len(t.props)+len(extra[name]))
		for p, k := range t.props {
			c.props[p] = k
		}
		for _, p := range extra[name] {
			if _, ok := c.props[p]; !ok {
				c.props[p] = text
			}
		}
		out[name] = &c
	}
	return out
}
