package hubspot

import (
	"fmt"
	"slices"
)

// object is what the connector knows of one HubSpot object type, which is
// also one stream.
type object struct {
	// name is the stream and the path segment: /crm/v3/objects/{name}.
	name string
	// modified is the last-modified property: reads follow it.
	modified string
	// properties are read unless the config adds more.
	properties []string
	// readOnly are properties HubSpot sets itself; a write drops them.
	readOnly []string
}

var objects = map[string]object{
	streamContacts: {
		name: streamContacts, modified: "lastmodifieddate",
		properties: []string{"email", "firstname", "lastname", "phone", "mobilephone", "company", "jobtitle", "website",
			"address", "city", "state", "zip", "country", "lifecyclestage", "hs_lead_status", "hubspot_owner_id",
			"createdate", "lastmodifieddate", "hs_object_id"},
		readOnly: []string{"hs_object_id", "createdate", "lastmodifieddate"},
	},
	streamCompanies: {
		name: streamCompanies, modified: "hs_lastmodifieddate",
		properties: []string{"name", "domain", "website", "phone", "industry", "numberofemployees", "annualrevenue",
			"address", "city", "state", "zip", "country", "description", "lifecyclestage", "hubspot_owner_id",
			"createdate", "hs_lastmodifieddate", "hs_object_id"},
		readOnly: []string{"hs_object_id", "createdate", "hs_lastmodifieddate"},
	},
	streamNotes: {
		name: streamNotes, modified: "hs_lastmodifieddate",
		properties: []string{"hs_note_body", "hs_timestamp", "hubspot_owner_id", "hs_attachment_ids",
			"hs_createdate", "hs_lastmodifieddate", "hs_object_id"},
		readOnly: []string{"hs_object_id", "hs_createdate", "hs_lastmodifieddate"},
	},
}

// objectOf returns the object type of stream, or a config error.
func objectOf(stream string) (object, error) {
	o, ok := objects[stream]
	if !ok {
		return object{}, fmt.Errorf("no stream %q: the hubspot connector has contacts, companies and notes", stream)
	}
	return o, nil
}

// readProperties returns the properties a read asks for: the defaults and
// the config's extra ones, once each.
func (o object) readProperties(extra []string) []string {
	out := slices.Clone(o.properties)
	for _, p := range extra {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
