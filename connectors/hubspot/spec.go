package hubspot

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.1.0"

// configSchema is the JSON Schema of a connection's config.
const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "hubspot connector",
  "type": "object",
  "additionalProperties": false,
  "required": ["token"],
  "properties": {
    "token": {
      "type": "string",
      "minLength": 1,
      "secret": true,
      "description": "Access token of a HubSpot private app (or an OAuth access token), sent as a Bearer token. Scopes: crm.objects.contacts.read and .write, crm.objects.companies.read and .write, and those your account asks for notes."
    },
    "base_url": {
      "type": "string",
      "pattern": "^https?://",
      "default": "https://api.hubapi.com",
      "description": "Root of the HubSpot API. Change it only to talk to a sandbox or a proxy."
    },
    "contact_properties": {
      "type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": true,
      "description": "Contact properties to read, in addition to the connector's defaults (email, names, phone, company, address, lifecycle...)."
    },
    "company_properties": {
      "type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": true,
      "description": "Company properties to read, in addition to the defaults (name, domain, phone, industry, address...)."
    },
    "note_properties": {
      "type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": true,
      "description": "Note properties to read, in addition to the defaults (hs_note_body, hs_timestamp, owner)."
    },
    "company_key_property": {
      "type": "string",
      "default": "",
      "description": "Optional. A company property with unique values (such as cxhub_key, created in HubSpot as single-line text with 'require unique values') that writes upsert companies by, so that a retried write never makes a second company. Empty (the default): a company never written before is created, and one written before is updated by the id the core linked it to; a create whose answer was lost in transit may then leave a duplicate when it is retried."
    },
    "note_key_property": {
      "type": "string",
      "default": "",
      "description": "Optional. The same for notes: a note property with unique values to upsert notes by; empty (the default) creates notes and updates them by the core's links."
    },
    "search_requests_per_second": {
      "type": "integer",
      "minimum": 1,
      "maximum": 100,
      "default": 4,
      "description": "Pace of the search endpoint, which incremental reads use. HubSpot allows about 4 to 5 per second per account, shared by every app using it."
    },
    "search_lag": {
      "type": "string",
      "default": "30s",
      "pattern": "^(0|([0-9]+(\\.[0-9]*)?(ns|us|µs|ms|s|m|h))+)$",
      "description": "How far behind HubSpot's clock a read's checkpoint stays, as a Go duration (30s, 1m; 0 turns it off). HubSpot's search index shows a change a few seconds after it is made, so an object can appear after newer ones were read: the next read searches again from this far back and skips what it already sent. Set it above the longest index delay you expect."
    },
    "client_secret": {
      "type": "string",
      "secret": true,
      "description": "The app's client secret, which signs webhook deliveries (X-HubSpot-Signature-v3). Needed only to receive webhooks."
    },
    "webhook_url": {
      "type": "string",
      "pattern": "^https?://",
      "description": "The public URL HubSpot calls for webhooks, as set in the app (https://hooks.example.com/hubspot). The signature covers the full URL, which the proxy in front of cxhub may rewrite: this says what it was."
    }
  }
}`

// The streams' names.
const (
	streamContacts  = "contacts"
	streamCompanies = "companies"
	streamNotes     = "notes"
)

// Spec describes the connector.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:    "hubspot",
		Version: Version,
		Kind:    sdk.CRM,
		Description: "HubSpot CRM: contacts and companies (customers) and notes (interactions with a contact). " +
			"A first read lists every object, then searches for the changes made meanwhile; later reads search by " +
			"last-modified date from the checkpoint. Writes upsert contacts by email, and create companies and notes " +
			"(with the note's contact) or update them by the core's links, or upsert them by an optional unique key " +
			"property; 100 per request. Webhooks return the changed contacts and companies.",
		ConfigSchema: configSchema,
		Streams: []sdk.StreamSpec{
			{
				Name:         streamContacts,
				Description:  "HubSpot contacts: one record per contact, the object as HubSpot answers it ({id, properties, createdAt, updatedAt, archived}). Writes upsert by email.",
				Canonical:    sdk.CanonicalCustomer,
				PrimaryKey:   []string{"id"},
				CursorField:  "properties.lastmodifieddate",
				Capabilities: sdk.Capabilities{Read: true, IncrementalRead: true, Write: true, Webhook: true},
				CanonicalFields: map[string]string{
					"email": "properties.email", "first_name": "properties.firstname", "last_name": "properties.lastname",
					"phone": "properties.phone", "company": "properties.company", "city": "properties.city",
					"country": "properties.country", "updated_at": "properties.lastmodifieddate",
				},
			},
			{
				Name:         streamCompanies,
				Description:  "HubSpot companies. Writes update the linked company (TargetID), else create one, or upsert by company_key_property when it is set.",
				Canonical:    sdk.CanonicalCustomer,
				PrimaryKey:   []string{"id"},
				CursorField:  "properties.hs_lastmodifieddate",
				Capabilities: sdk.Capabilities{Read: true, IncrementalRead: true, Write: true, Webhook: true},
				CanonicalFields: map[string]string{
					"name": "properties.name", "domain": "properties.domain", "phone": "properties.phone",
					"city": "properties.city", "country": "properties.country", "updated_at": "properties.hs_lastmodifieddate",
				},
			},
			{
				Name: streamNotes,
				Description: "HubSpot notes, with the contacts each is associated with under associations.contacts.results. " +
					"Writes take hs_note_body, hs_timestamp and contact_id or contact_email; they update the linked note (TargetID), " +
					"else create one associated with the contact, or upsert by note_key_property when it is set.",
				Canonical:       sdk.CanonicalInteraction,
				InteractionKind: "note",
				PrimaryKey:      []string{"id"},
				CursorField:     "properties.hs_lastmodifieddate",
				Capabilities:    sdk.Capabilities{Read: true, IncrementalRead: true, Write: true},
				CanonicalFields: map[string]string{
					"customer_id": "associations.contacts.results.0.id", "body": "properties.hs_note_body",
					"occurred_at": "properties.hs_timestamp", "updated_at": "properties.hs_lastmodifieddate",
				},
			},
		},
	}
}
