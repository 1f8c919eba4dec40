// Package hubspot is the cxhub connector for the HubSpot CRM (API v3): it
// reads and writes contacts and companies (customers) and notes
// (interactions with a contact), and receives HubSpot's webhooks. It is a
// Source, a Destination and a WebhookHandler, and builds to the plugin
// binary cxhub-connector-hubspot (see cmd/cxhub-connector-hubspot).
//
// Reads go through the search endpoint in order of last-modified date;
// the checkpoint is that date and an id, {"ts":<ms>,"id":"<id>"}, and a
// read from it returns exactly what changed after it (scan explains how
// objects sharing a date, and HubSpot's 10,000-result cap, are handled).
// Writes upsert: contacts by email, companies and notes by a unique key
// property (cxhub_key unless the config says otherwise), 100 per request;
// a record HubSpot refuses in a 207 answer fails alone with HubSpot's
// message. README.md is the reference: streams, config, semantics, limits.
//
// The sandbox subpackage is a HubSpot emulator for tests and the demo. This
// package is not a general HubSpot client: it knows the three streams
// above and nothing of deals, tickets, owners or pipelines.
package hubspot
