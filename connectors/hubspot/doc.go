// Package hubspot is the cxhub connector for the HubSpot CRM (API v3): it
// reads and writes contacts (customers), companies (not people: outside
// the customer index) and notes (interactions with a contact), and
// receives HubSpot's webhooks. It is a
// Source, a Destination and a WebhookHandler, and builds to the plugin
// binary cxhub-connector-hubspot (see cmd/cxhub-connector-hubspot).
//
// A first read lists every object (GET /crm/v3/objects/{type}), then
// searches for the changes made while it listed (scan.full); later reads
// go through the search endpoint in order of last-modified date from the
// checkpoint, which is that date and an id, {"ts":<ms>,"id":"<id>"}, held
// search_lag behind the server's clock with the objects read since
// ("seen"), so that an object the search index shows late is still read
// (lagWindow), and return exactly what changed after it (scan explains how
// objects sharing a date, and HubSpot's 10,000-result cap, are handled).
// With read_deletes, a read of contacts or companies then lists the
// archived objects and emits a delete for each archived since the
// checkpoint's deletes watermark (scan.deletes, deletions). Writes go 100 per
// request: contacts are upserted by email; companies and notes are updated
// by the core's links (TargetID) or else created, unless the config names
// a unique key property to upsert them by, which makes writes exactly-once.
// A record HubSpot refuses in a 207 answer fails alone with HubSpot's
// message. README.md is the reference: streams, config, semantics, limits.
//
// The sandbox subpackage is a HubSpot emulator for tests and the demo. This
// package is not a general HubSpot client: it knows the three streams
// above and nothing of deals, tickets, owners or pipelines.
package hubspot
