// Package sandbox is a local emulator of the HubSpot CRM v3 API, served on
// 127.0.0.1, for the HubSpot connector's tests and for the demo.
//
// It serves the endpoints the connector uses, with HubSpot's JSON shapes:
// object lists paged by paging.next.after, the search endpoint (filter
// groups, operators, sorts, the 10,000-result cap answered with a 400),
// batch read, create, update and upsert with 207 partial failures, v4
// association batch read and create, account details and property
// definitions. Every property value is a string. Requests need a Bearer
// token; the rolling ten-second limit and the separate search limit answer
// 429 with HubSpot's body and X-HubSpot-RateLimit-* headers.
//
// The data is seeded from the shared people of
// github.com/cxhub/cxhub/sdk/sandbox (the same seed gives the same people
// in every vendor sandbox): contacts, companies, and notes associated with
// contacts. Tests edit records with Go methods (Touch, Update, Add,
// Replace) and read them back (Object, Objects, Find); the same edits are
// served over admin endpoints under /_sandbox/hubspot/ for the demo and for
// tests of a built binary. Fault injection (5xx, 429 storms, latency,
// dropped connections, truncated bodies) comes from the shared Kit, under
// /_sandbox/faults.
//
// It is not HubSpot: it keeps everything in memory, knows only the
// properties listed in properties.go (plus Options.Properties), has a
// search-index lag only when Options.IndexLag asks for one, and answers
// batch results in reverse input order (real HubSpot promises no order, so
// clients must not rely on one).
package sandbox
