package zendesk

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.1.2" // 0.1.2: webhook replays are remembered per connection; a webhook ticket carries its requester

// The streams.
const (
	StreamUsers          = "users"
	StreamTickets        = "tickets"
	StreamTicketComments = "ticket_comments"
)

// Spec describes the connector and its three streams.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:         "zendesk",
		Version:      Version,
		Kind:         sdk.Ticketing,
		Description:  "Zendesk Support: users, tickets and their comments, read by incremental export; users upserted (updated by id when linked) and tickets created or updated.",
		ConfigSchema: sdk.ConfigSchemaOf[config](),
		Streams: []sdk.StreamSpec{
			{
				Name:         StreamUsers,
				Description:  "End users, agents and admins, from the incremental user export. Written by update_many when linked (TargetID: that user, by id), else by create_or_update_many, matched on external_id, else email.",
				Canonical:    sdk.CanonicalCustomer,
				PrimaryKey:   []string{"id"},
				CursorField:  "updated_at",
				Capabilities: sdk.Capabilities{Read: true, IncrementalRead: true, Write: true, Webhook: true},
				CanonicalFields: map[string]string{
					"email": "email", "name": "name", "phone": "phone", "external_id": "external_id",
					"updated_at": "updated_at",
				},
			},
			{
				Name:            StreamTickets,
				Description:     "Tickets, from the incremental ticket export. Written by create (with an Idempotency-Key) or, when linked, update.",
				Canonical:       sdk.CanonicalInteraction,
				InteractionKind: "ticket",
				PrimaryKey:      []string{"id"},
				CursorField:     "updated_at",
				Capabilities:    sdk.Capabilities{Read: true, IncrementalRead: true, Write: true, Webhook: true},
				CanonicalFields: map[string]string{
					"subject": "subject", "status": "status", "occurred_at": "created_at", "updated_at": "updated_at",
					"customer_id": "requester_id", "requester_id": "requester_id", "external_id": "external_id",
					"priority": "priority",
				},
			},
			{
				Name:            StreamTicketComments,
				Description:     "Comments added (or redacted) since the last read, from the incremental ticket events export, with the ticket's id added as ticket_id.",
				Canonical:       sdk.CanonicalInteraction,
				InteractionKind: "comment",
				PrimaryKey:      []string{"id"},
				Capabilities:    sdk.Capabilities{Read: true, IncrementalRead: true},
				CanonicalFields: map[string]string{
					"body": "body", "occurred_at": "created_at", "ticket_id": "ticket_id", "author_id": "author_id",
				},
			},
		},
	}
}
