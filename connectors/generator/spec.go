package generator

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.1.0"

// customerSchema is the JSON Schema of a customers record.
const customerSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["id", "email", "first_name", "last_name", "phone", "company", "country", "created_at", "updated_at", "bio"],
  "properties": {
    "id": {"type": "string", "pattern": "^cus-[0-9]{8,}$"},
    "email": {"type": "string", "format": "email"},
    "first_name": {"type": "string"},
    "last_name": {"type": "string"},
    "phone": {"type": "string"},
    "company": {"type": "string"},
    "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "bio": {"type": "string"}
  }
}`

// interactionSchema is the JSON Schema of an interactions record.
const interactionSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["id", "customer_id", "type", "status", "subject", "created_at", "updated_at", "body"],
  "properties": {
    "id": {"type": "string", "pattern": "^int-[0-9]{8,}$"},
    "customer_id": {"type": "string", "pattern": "^cus-[0-9]{8,}$"},
    "type": {"enum": ["ticket", "comment", "survey_response", "order", "fulfilment"]},
    "status": {"type": "string"},
    "subject": {"type": "string"},
    "score": {"type": "integer", "minimum": 0, "maximum": 10},
    "amount": {"type": "number", "minimum": 0},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "body": {"type": "string"}
  }
}`

// Spec describes the connector and its two streams.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:    "generator",
		Version: Version,
		Kind:    sdk.Generic,
		Description: "Synthetic customers and their interactions, for load tests and pipeline dry runs: " +
			"deterministic (record i of a stream depends only on the seed, the stream and i), " +
			"of a configured size, and read incrementally as count grows.",
		ConfigSchema: sdk.ConfigSchemaOf[config](),
		Streams: []sdk.StreamSpec{
			{
				Name:         StreamCustomers,
				Description:  "People, keyed cus-00000001 upwards, each padded to record_size by its bio.",
				Canonical:    sdk.CanonicalCustomer,
				PrimaryKey:   []string{"id"},
				Capabilities: sdk.Capabilities{Read: true, IncrementalRead: true},
				Schema:       customerSchema,
				CanonicalFields: map[string]string{
					"email": "email", "first_name": "first_name", "last_name": "last_name", "phone": "phone",
					"company": "company", "country": "country", "created_at": "created_at", "updated_at": "updated_at",
				},
			},
			{
				Name: StreamInteractions,
				Description: "Tickets, comments, survey responses, orders and fulfilments (the type field says which), " +
					"keyed int-00000001 upwards, each of an existing customer and padded to record_size by its body.",
				Canonical:       sdk.CanonicalInteraction,
				InteractionKind: "mixed",
				PrimaryKey:      []string{"id"},
				Capabilities:    sdk.Capabilities{Read: true, IncrementalRead: true},
				Schema:          interactionSchema,
				CanonicalFields: map[string]string{
					"customer_id": "customer_id", "interaction_type": "type", "status": "status", "subject": "subject",
					"body": "body", "score": "score", "amount": "amount", "occurred_at": "created_at", "updated_at": "updated_at",
				},
			},
		},
	}
}
