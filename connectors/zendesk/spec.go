package zendesk

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.1.0"

// The streams.
const (
	StreamUsers          = "users"
	StreamTickets        = "tickets"
	StreamTicketComments = "ticket_comments"
)

// configSchema is the JSON Schema of a connection's config.
const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "zendesk connector",
  "type": "object",
  "additionalProperties": false,
  "required": ["email", "token"],
  "anyOf": [{"required": ["subdomain"]}, {"required": ["base_url"]}],
  "properties": {
    "subdomain": {
      "type": "string",
      "pattern": "^[A-Za-z0-9][A-Za-z0-9-]*$",
      "description": "The Zendesk account's subdomain: acme for https://acme.zendesk.com. Give this or base_url."
    },
    "base_url": {
      "type": "string",
      "pattern": "^https?://",
      "description": "The account's URL instead of a subdomain (https://support.acme.com, or a sandbox's http://127.0.0.1:8111); /api/v2 is added. Plain http is accepted for loopback hosts only."
    },
    "email": {
      "type": "string",
      "minLength": 1,
      "description": "Email of the agent or admin whose API token this is."
    },
    "token": {
      "type": "string",
      "minLength": 1,
      "secret": true,
      "description": "API token (Admin Center > Apps and integrations > Zendesk API), sent as Basic {email}/token:{token}."
    },
    "webhook_secret": {
      "type": "string",
      "secret": true,
      "description": "Signing secret of the Zendesk webhook that calls cxhub; needed to receive webhooks."
    },
    "start_time": {
      "type": "integer",
      "minimum": 0,
      "default": 0,
      "description": "Unix time (seconds) a first incremental read starts from; 0 reads everything."
    },
    "page_size": {
      "type": "integer",
      "minimum": 1,
      "maximum": 1000,
      "default": 1000,
      "description": "Items per page of the incremental exports (each page ends with a checkpoint)."
    },
    "incremental_requests_per_minute": {
      "type": "integer",
      "minimum": 1,
      "default": 10,
      "description": "Pace of the incremental export requests: Zendesk allows 10 a minute (30 with the High Volume add-on)."
    },
    "requests_per_minute": {
      "type": "integer",
      "minimum": 1,
      "default": 700,
      "description": "Pace of all other requests: the account's API limit, which depends on the plan (200 to 2500)."
    },
    "rate_window": {
      "type": "string",
      "default": "1m",
      "description": "The window the two paces above count in, as a Go duration. Only tests against a sandbox shorten it."
    }
  }
}`

// Spec describes the connector and its three streams.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:         "zendesk",
		Version:      Version,
		Kind:         sdk.Ticketing,
		Description:  "Zendesk Support: users, tickets and their comments, read by incremental export; users upserted and tickets created or updated.",
		ConfigSchema: configSchema,
		Streams: []sdk.StreamSpec{
			{
				Name:         StreamUsers,
				Description:  "End users, agents and admins, from the incremental user export. Written by create_or_update_many, matched on external_id, else email.",
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
				Description:     "Comments of the tickets changed since the last read (all comments of each such ticket), with the ticket's id added as ticket_id.",
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
