package zendesk

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// OpenWriter returns a writer of users (upserted in bulk) or tickets
// (created with an Idempotency-Key, or updated when linked).
func (c *Connector) OpenWriter(_ context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	cl, err := c.client(cfg, false)
	if err != nil {
		return nil, err
	}
	switch req.Stream {
	case StreamUsers:
		return &usersWriter{cl: cl, opts: c.opts, slots: c.jobSlots(httpx.AccountKey(cfg.apiURL, cfg.Email, cfg.Token))}, nil
	case StreamTickets:
		return &ticketsWriter{cl: cl, account: cfg.apiURL, stream: req.Stream}, nil
	case StreamTicketComments:
		return nil, sdk.ConfigError(errors.New("stream ticket_comments cannot be written: write tickets, with a comment, instead"))
	}
	return nil, sdk.ConfigError(fmt.Errorf("no stream %q to write (zendesk writes users and tickets)", req.Stream))
}

// decodeObject reads a record's data (sdk.DecodeObject); wrapper names the
// key ("user", "ticket") under which the object may also come, as
// Zendesk's API takes it. Fields that only Zendesk sets (id, url,
// created_at, updated_at) are dropped, so that records read from another
// Zendesk can be written as they are.
func decodeObject(r sdk.Record, wrapper string) (sdk.Object, error) {
	o, err := sdk.DecodeObject(r, wrapper)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"id", "url", "created_at", "updated_at"} {
		delete(o, k)
	}
	return o, nil
}

// recordResult sorts a write's failure: a bad record fails alone; any
// other (refused credentials, an outage past the retries, a cancelled
// context) fails the batch.
func recordResult(err error) (sdk.Result, error) {
	if sdk.KindOf(err) == sdk.KindBadRecord {
		return sdk.Failed(err), nil
	}
	return sdk.Result{}, err
}

// vendorError is a BadRecord for a refused write with Zendesk's own words.
func vendorError(r sdk.Record, what string, err error) error {
	var he *httpx.Error
	if errors.As(err, &he) && len(he.Body) > 0 {
		if msg := vendorMessage(he.Body); msg != "" {
			return sdk.RecordErrorf(r, "zendesk refused to %s (%d): %s", what, he.Status, msg)
		}
	}
	return sdk.RecordErrorf(r, "%s: %w", what, err)
}

func trimmedEqual(a, b string) bool { return strings.TrimSpace(a) == strings.TrimSpace(b) }
