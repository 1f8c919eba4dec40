// Package zendesk is the cxhub connector for Zendesk Support: it reads
// users, tickets and ticket comments incrementally, upserts users, creates
// and updates tickets, and turns Zendesk webhook deliveries into records.
// It builds to the plugin binary cxhub-connector-zendesk (see
// cmd/cxhub-connector-zendesk); package sandbox beside it is a Zendesk
// emulator for tests and the demo.
//
// It is not a general Zendesk client: organizations, groups, help center
// content, attachments and ticket deletion are out of its scope.
//
// # Reading
//
// users and tickets come from Zendesk's cursor-based incremental exports
// (GET /api/v2/incremental/{users,tickets}/cursor.json): the first read
// starts at start_time (0: everything), then follows after_cursor until
// end_of_stream. Each page is emitted, then checkpointed with its
// after_cursor ({"cursor": "..."}); a later read resumes with ?cursor=, so
// it returns every item changed since, in (updated_at, id) order. Zendesk
// leaves out items changed in the last minute; they come in a later read.
// A ticket with status "deleted" and a user with active false are Delete
// records.
//
// ticket_comments comes from the time-based incremental ticket events
// export (GET /api/v2/incremental/ticket_events.json?start_time=..
// &include=comment_events): one request per page of up to 1,000 ticket
// updates, each update's Comment child events emitted as comments with the
// ticket's id added as "ticket_id"; a redacted comment (or one made
// private) is fetched again and emitted as it is now. Its checkpoint is
// the last second read and the ids of that second's events, which the next
// page (asked from that second, inclusive) gives again. A checkpoint of the
// former per-ticket reader (the ticket export's cursor) is upgraded: the
// read starts an hour before the cursor's time, and says so in the log.
//
// The incremental exports allow about 10 requests a minute: the connector
// paces them (incremental_requests_per_minute) and every other request
// (requests_per_minute) with sliding windows, so that it does not meet
// Zendesk's 429 in steady state, and honours Retry-After when it does.
// One HTTP client per account and credentials is kept for the connector's
// life, so concurrent reads and writes share those limits.
//
// # Writing
//
// users: each record is a user object, flat ({"email":..,"name":..,
// "external_id":..,"phone":..}) or wrapped ({"user":{...}}). A record with
// a TargetID (the user an earlier write made or matched, from the core's
// links) updates that user by id, with update_many ({"users":[{"id":..,
// ...}]}), and never creates one: a two-way sync sends only the changed
// fields, without the email. If that user is gone from Zendesk (the update
// fails and GET /users/{id} is a 404 or an inactive user), the record is
// upserted by its email or external_id instead, or, without either, is a
// bad record saying so. Any other record needs an email or an external_id
// and goes to create_or_update_many. Either way 100 users go in a job;
// jobs are pipelined (the next submitted while earlier ones are polled,
// within 10 jobs in flight per account, shared by its writers), except
// that a job carrying a user of an unfinished earlier job waits for it, so
// that the later change stays. Each job's results, placed by their
// index (else, in an update job, by the user's id; else by position, when
// there is one per user), become the records' results: Created and Updated are written, a result with an error is a bad
// record carrying Zendesk's error and details, and a user without a result
// fails alone (Transient). A job that fails as a whole fails the batch
// (Transient), once the jobs beside it have finished. Without a TargetID,
// Zendesk matches on external_id, else email, so writing a record twice
// updates one user.
//
// tickets: each record is a ticket object, flat or wrapped
// ({"ticket":{...}}), e.g. {"subject":..,"comment":{"body":..},
// "requester":{"email":..,"name":..},"external_id":..,"status":..}. Without
// a TargetID it is created (POST /api/v2/tickets.json) with an
// Idempotency-Key derived from the account, the stream written and the
// source record's stream and key (IdempotencyKey), so a create retried
// after a lost answer returns the first ticket. With a TargetID, the
// linked ticket is updated (PUT), leaving out the requester and a comment
// equal to the ticket's latest; a ticket gone from Zendesk is a bad record.
//
// # Webhooks
//
// HandleWebhook checks X-Zendesk-Webhook-Signature against webhook_secret
// and the timestamp (5 minutes' tolerance), then fetches the ticket or
// user the event is about and returns it as a record. Only
// ticket.soft_deleted, ticket.permanently_deleted and user.deleted give a
// Delete record without a fetch.
//
// See README.md for the configuration, the error mapping and the sandbox.
package zendesk
