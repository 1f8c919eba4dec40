// Package sandbox is a Zendesk Support emulator for tests and the demo: it
// serves, on 127.0.0.1, the part of the Zendesk REST API (/api/v2) that the
// zendesk connector uses, with Zendesk's paths, JSON shapes, headers and
// status codes, over seeded, realistic users, tickets and comments.
//
// What it emulates:
//
//   - the incremental cursor exports of users and tickets
//     (GET /api/v2/incremental/{users,tickets}/cursor.json with start_time,
//     then cursor=after_cursor until end_of_stream), which leave out items
//     changed in the last minute of the sandbox's clock, with cursors in
//     the shape of Zendesk's;
//   - the time-based incremental ticket events export
//     (GET /api/v2/incremental/ticket_events.json?start_time=, with
//     include=comment_events), over an audit log of every ticket update
//     (creations, comments, field changes, comment redactions), paged from
//     end_time inclusive, a page never splitting a second;
//   - comment redaction (PUT /api/v2/tickets/{id}/comments/{id}/redact.json);
//   - lists (GET /api/v2/{users,tickets}.json) with cursor paging
//     (page[size], page[after]) or offset paging (page, per_page), and an
//     external_id filter; single users and tickets; ticket comments;
//   - ticket creation with Idempotency-Key (a repeat with the same key and
//     body replays the first answer with x-idempotency-lookup: hit; the
//     same key with another body is refused with 400) and ticket updates;
//   - users create_or_update and create_or_update_many, the latter an
//     asynchronous job polled at GET /api/v2/job_statuses/{id}.json, run in
//     the background once its duration has passed (jobs may run out of
//     submission order), at most 30 queued or running per account;
//   - users update_many by id (PUT /api/v2/users/update_many.json with
//     {"users":[{"id":..,...}]}, or ?ids= with one {"user":{...}}), a job
//     like create_or_update_many whose results are {"id","action":"update",
//     "status","success"}, never creating a user (a missing id fails with
//     RecordNotFound), and PUT /api/v2/users/{id}.json;
//   - Basic "{email}/token:{token}" and Bearer authentication;
//   - rate limits: 700 requests a minute for the account and 10 a minute
//     for the incremental exports, with X-Rate-Limit, X-Rate-Limit-Remaining
//     (and on lists ratelimit-limit, -remaining, -reset), and 429 answers
//     with Retry-After and a plain-text body;
//   - signed webhook deliveries (X-Zendesk-Webhook-Signature) for tests.
//
// Faults (5xx, 429 storms, latency, dropped connections, truncated bodies)
// come from the shared kit (github.com/cxhub/cxhub/sdk/sandbox), set from Go
// through Kit or over the admin endpoints under /_sandbox/. Edits for
// incremental tests (touch records, add comments, move the clock) are Go
// methods and admin endpoints under /_sandbox/zendesk/.
//
// The seeded users are people from the shared kit.People, half of them the
// same people as the HubSpot sandbox's contacts with their email spelled
// differently (case, surrounding spaces), so that a customer 360 built from
// both sandboxes has real matching to do.
//
// It is not a complete Zendesk: no organizations, groups, triggers, views,
// search or attachments, no deletion, and one account per sandbox.
package sandbox
