package zendesk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/cxhub/cxhub/sdk/webhook"
	"github.com/tidwall/gjson"
)

// Webhook headers Zendesk signs its deliveries with.
const (
	signatureHeader          = "X-Zendesk-Webhook-Signature"
	signatureTimestampHeader = "X-Zendesk-Webhook-Signature-Timestamp"
)

// HandleWebhook verifies a Zendesk webhook delivery and returns the object
// it is about, fetched whole: for a ticket event
// ("zen:event-type:ticket.*") the ticket with its requester (include=users),
// the tickets record a read gives; for a user
// event the user, as a users record. Only the deletion events
// (ticket.soft_deleted, ticket.permanently_deleted, user.deleted) give a
// Delete record without a fetch; for every other event, the object fetched
// says whether it is deleted, as in a read. An object gone by the time it
// is fetched gives none; any other event type gives none.
//
// The signature, base64(HMAC-SHA256(webhook_secret, timestamp + body)), and
// a timestamp within 5 minutes of now are required: without them the
// delivery is refused with an AuthError. When the fetch fails, its error is
// returned (Transient for an outage), so that the delivery is answered with
// an error and Zendesk sends it again. A delivery seen before (same event
// id) by the same connection within 10 minutes gives no records; another
// connection (another webhook of the account, with its own secret) gets
// the same event as new. The id is remembered once the
// records are returned: if the core fails after that and Zendesk sends the
// event again, the webhook gives nothing, and the next incremental read
// brings the change.
func (c *Connector) HandleWebhook(ctx context.Context, req sdk.WebhookRequest) (sdk.WebhookResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.WebhookResponse{}, err
	}
	if cfg.WebhookSecret == "" {
		return sdk.WebhookResponse{}, sdk.ConfigError(errNoWebhookSecret)
	}
	if err := c.verify(cfg, req); err != nil {
		return sdk.WebhookResponse{}, err
	}
	event := gjson.ParseBytes(req.Body)
	if !gjson.ValidBytes(req.Body) || !event.IsObject() {
		return sdk.WebhookResponse{}, sdk.BadRecord(errors.New("zendesk webhook: the body is not a JSON object"))
	}
	records, err := c.eventRecords(ctx, cfg, event)
	if err != nil {
		return sdk.WebhookResponse{}, err
	}
	if id := event.Get("id").String(); id != "" && c.replays.Seen(cfg.replayScope()+" "+id, c.opts.Now()) {
		return sdk.WebhookResponse{}, nil
	}
	return sdk.WebhookResponse{Records: records}, nil
}

// replayScope names the connection in the replay guard's keys, so that
// one connection's deliveries never hide another's: Zendesk sends an event
// with the same id to every webhook subscribed to it. It is a hash of what
// identifies the connection, never the secrets themselves.
func (c config) replayScope() string {
	return httpx.AccountKey(c.apiURL, c.Email, c.Token, c.WebhookSecret)[:24]
}

// verify checks the delivery's signature and timestamp.
func (c *Connector) verify(cfg config, req sdk.WebhookRequest) error {
	sig, err := webhook.HeaderValue(req.Header, signatureHeader)
	if err != nil {
		return fmt.Errorf("zendesk webhook: %w", err)
	}
	ts, err := webhook.HeaderValue(req.Header, signatureTimestampHeader)
	if err != nil {
		return fmt.Errorf("zendesk webhook: %w", err)
	}
	signer := webhook.Signer{Secret: []byte(cfg.WebhookSecret)}
	if err := signer.Verify(sig, []byte(ts), req.Body); err != nil {
		return fmt.Errorf("zendesk webhook: %w", err)
	}
	at, err := webhook.ParseTime(ts)
	if err != nil {
		return fmt.Errorf("zendesk webhook: %w", err)
	}
	if err := webhook.CheckTimestamp(at, c.opts.Now(), webhookTolerance); err != nil {
		return fmt.Errorf("zendesk webhook: %w", err)
	}
	return nil
}

// Zendesk's event types that mean the object itself was deleted.
const (
	eventTicketSoftDeleted        = "zen:event-type:ticket.soft_deleted"
	eventTicketPermanentlyDeleted = "zen:event-type:ticket.permanently_deleted"
	eventUserDeleted              = "zen:event-type:user.deleted"
)

// isDeletionEvent says whether an event type means its ticket or user was
// deleted. It is an exact match: user.identity_deleted (an email removed),
// user.group_membership_deleted, user.organization_membership_deleted and
// ticket.undeleted (a ticket restored) are about objects that still exist.
func isDeletionEvent(typ string) bool {
	switch typ {
	case eventTicketSoftDeleted, eventTicketPermanentlyDeleted, eventUserDeleted:
		return true
	}
	return false
}

// eventRecords fetches the object an event is about.
func (c *Connector) eventRecords(ctx context.Context, cfg config, event gjson.Result) ([]sdk.Record, error) {
	typ := event.Get("type").String()
	var stream, path, field string
	switch {
	case strings.HasPrefix(typ, "zen:event-type:ticket."):
		stream, path, field = StreamTickets, "/tickets/", "ticket"
	case strings.HasPrefix(typ, "zen:event-type:user."):
		stream, path, field = StreamUsers, "/users/", "user"
	default:
		return nil, nil
	}
	id := event.Get("detail.id").String()
	if id == "" { // the subject is "zen:ticket:35436"
		subject := event.Get("subject").String()
		id = subject[strings.LastIndexByte(subject, ':')+1:]
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return nil, sdk.BadRecord(fmt.Errorf("zendesk webhook %s: no %s id in detail.id or subject", typ, field))
	}
	id = strconv.FormatInt(n, 10) // "+7" and "007" name ticket 7, whose key and JSON id are 7
	if isDeletionEvent(typ) {
		return []sdk.Record{{Stream: stream, Key: id, Op: sdk.Delete, Data: []byte(`{"id":` + id + `}`)}}, nil
	}
	cl, err := c.client(cfg, false)
	if err != nil {
		return nil, err
	}
	var query url.Values
	if stream == StreamTickets {
		query = url.Values{"include": {"users"}} // the requester, as a read carries it
	}
	resp, err := cl.Get(ctx, path+id+".json", query)
	if err != nil {
		if httpx.StatusOf(err) == http.StatusNotFound {
			return nil, nil
		}
		return nil, webhook.FetchError(fmt.Errorf("zendesk webhook %s: fetch %s %s: %w", typ, field, id, err))
	}
	obj := resp.Get(field)
	if !obj.IsObject() {
		return nil, sdk.Transient(fmt.Errorf("zendesk webhook %s: the answer for %s %s has no %q object", typ, field, id, field))
	}
	items, deleted := []gjson.Result{obj}, userDeleted
	if stream == StreamTickets {
		items, deleted = withRequesters(items, resp.Get("users")), ticketDeleted
	}
	return exportRecords(stream, items, deleted), nil
}
