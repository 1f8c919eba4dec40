// Package httpx is the HTTP toolkit that cxhub's vendor connectors use to
// talk to JSON REST APIs (HubSpot, Zendesk, SurveyMonkey, Shopify,
// Salesforce and the like).
//
// A [Client] is made for one vendor API with [New]. Its [Client.Do] sends a
// [Request] and returns the whole [Response] body, already read, and it takes
// care of what every vendor connector would otherwise write again:
//
//   - credentials ([Bearer], [Basic], [Header], [AuthFunc]), sent only to the
//     BaseURL's scheme and host, never to a link pointing elsewhere;
//   - retries with jittered exponential backoff for transient failures, and
//     waits of the length a 429's Retry-After (or the rate-limit headers) asks
//     for; every wait is announced to the core first ([sdk.Waiting]), so
//     that it is not taken for a hang, and a wait longer than
//     Options.MaxWait is handed back to the core as [sdk.RateLimited]
//     instead of being slept;
//   - client-side rate limiting per bucket, from limits known in advance
//     ([RateLimits.Static]), from the vendor's rate-limit headers
//     ([RateLimits.Headers]) and from a vendor's leaky bucket and its
//     "used/size" header ([RateLimits.Leaky], [LeakyBucket]), so that a
//     connector slows down before the vendor answers 429;
//   - errors with the kind the core acts on ([sdk.AuthError],
//     [sdk.RateLimited], [sdk.Transient], [sdk.BadRecord], [sdk.ConfigError])
//     around an [*Error] that carries the vendor's message;
//   - pagination as a Go iterator ([Client.Pages]) with helpers for the usual
//     schemes: a cursor in the body ([CursorInBody], [CursorInJSONBody]), a
//     next link ([NextURL], [LinkHeader]) and page numbers ([PageNumber]).
//
// Response bodies stay bytes: read fields with gjson ([Response.Get]).
//
// What it is not for: it is not a general HTTP client (no streaming of large
// downloads or uploads, no multipart, no cookies), it knows nothing of any
// particular vendor (a connector supplies paths, limits, header names and a
// Classify function where the vendor departs from the usual status codes), and
// it does not decide what to do with a record that failed: it only gives the
// failure its kind, and the core decides.
package httpx
