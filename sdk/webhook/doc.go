// Package webhook holds the checks a connector's HandleWebhook runs on a
// delivery before it trusts it: the HMAC signature ([Signer]), the age of
// the delivery's timestamp ([CheckTimestamp] and the Parse functions), a
// delivery id not seen before ([ReplayGuard]), and required headers
// ([HeaderValue]).
//
// Every vendor we speak to signs the same way, with small differences: an
// HMAC over some concatenation of the request's parts (the raw body, often a
// timestamp, sometimes the method and URL), encoded as base64 or hex, perhaps
// behind a prefix such as "sha256=". A connector describes its vendor's
// recipe with a [Signer] and passes the parts in the vendor's order; the
// package examples show HubSpot v3, Zendesk, Shopify, Typeform and
// GitHub-style signatures.
//
// Every verification failure is an [sdk.AuthError], which is what
// HandleWebhook must return for a delivery it refuses. Messages name what was
// wrong but never the secret or the signature that was expected.
//
// This package is not a webhook receiver: it serves no HTTP, decodes no
// bodies and knows no vendor's headers. Parsing the events a delivery carries
// belongs to the connector.
package webhook
