package hubspot

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.3.0" // 0.3.0: read_deletes (opt-in): reads of contacts and companies emit deletes for archived objects. 0.2.1: a webhook merge event deletes the objects merged away; every type's dates are dropped from writes; webhooks ignore other portals' events

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
		Description: "HubSpot CRM: contacts (customers), companies (other data: not people) and notes (interactions with a contact). " +
			"A first read lists every object, then searches for the changes made meanwhile; later reads search by " +
			"last-modified date from the checkpoint. Writes upsert contacts by email, and create companies and notes " +
			"(with the note's contact) or update them by the core's links, or upsert them by an optional unique key " +
			"property; 100 per request. Webhooks return the changed contacts and companies. With read_deletes (opt-in), reads of " +
			"contacts and companies also list the archived (deleted) objects and emit a delete for each archived since the last " +
			"read: one more request per read for each 100 archived objects, from the account's shared rate budget.",
		ConfigSchema: sdk.ConfigSchemaOf[config](),
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
				Name: streamCompanies,
				Description: "HubSpot companies. Not customer data: a company is not a person, so the customer index leaves " +
					"them out (its switchboard number and its name would otherwise join and name its contacts). " +
					"Writes update the linked company (TargetID), else create one, or upsert by company_key_property when it is set.",
				Canonical:    sdk.CanonicalOther,
				PrimaryKey:   []string{"id"},
				CursorField:  "properties.hs_lastmodifieddate",
				Capabilities: sdk.Capabilities{Read: true, IncrementalRead: true, Write: true, Webhook: true},
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
