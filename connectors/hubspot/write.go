package hubspot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// OpenWriter opens a write session of one stream. For companies and notes
// written by a key property (when the config sets one), it checks that
// HubSpot has that property and that its values are unique, so that a
// missing property is reported once, as a configuration error, rather than
// by every record.
func (c *Connector) OpenWriter(ctx context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	obj, err := objectOf(req.Stream)
	if err != nil {
		return nil, sdk.ConfigError(err)
	}
	client, err := c.client(cfg, 0)
	if err != nil {
		return nil, err
	}
	w := &writer{client: client, obj: obj, key: cfg.keyProperty(req.Stream), made: map[string]string{}, log: sdk.Logger(ctx)}
	if w.key != "" && obj.name != streamContacts {
		if err := w.checkKeyProperty(ctx); err != nil {
			client.CloseIdleConnections()
			return nil, err
		}
	}
	return w, nil
}

// writer is a write session of one stream. The core calls Write once at
// a time.
type writer struct {
	client *httpx.Client
	obj    object
	// key is the unique property records are upserted by: email for
	// contacts, the config's key property (or "" for none) for the others.
	key string
	// made maps the key of each record this session created an object for
	// to that object's id (see createOnce).
	made map[string]string
	log  *slog.Logger
}

// checkKeyProperty reads the key property's definition.
func (w *writer) checkKeyProperty(ctx context.Context) error {
	field := singular(w.obj.name) + "_key_property"
	resp, err := w.client.Get(ctx, "/crm/v3/properties/"+w.obj.name+"/"+url.PathEscape(w.key), nil)
	switch {
	case httpx.StatusOf(err) == http.StatusNotFound:
		return sdk.ConfigError(fmt.Errorf("%s: HubSpot has no %s property %q: create it (single-line text, "+
			"unique values) or set %s to \"\" to create %s without it", field, w.obj.name, w.key, field, w.obj.name))
	case err != nil:
		return fmt.Errorf("read the definition of %s property %q (%s): %w", w.obj.name, w.key, field, err)
	case !resp.Get("hasUniqueValue").Bool():
		return sdk.ConfigError(fmt.Errorf("%s: the %s property %q does not require unique values, so HubSpot "+
			"cannot upsert by it: choose one that does, or set %s to \"\"", field, w.obj.name, w.key, field))
	}
	return nil
}

// Write writes a batch and returns one result per record, in order. Each
// stream has its own way (see write_contacts.go, write_companies.go,
// write_notes.go); a record HubSpot refuses fails alone, as a bad record
// with HubSpot's message.
func (w *writer) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	results := make([]sdk.Result, len(req.Records))
	var err error
	switch w.obj.name {
	case streamContacts:
		err = w.writeContacts(ctx, req.Records, results)
	case streamCompanies:
		err = w.writeCompanies(ctx, req.Records, results)
	case streamNotes:
		err = w.writeNotes(ctx, req.Records, results)
	}
	if err != nil {
		if ctx.Err() != nil {
			return sdk.WriteResponse{}, ctx.Err()
		}
		return sdk.WriteResponse{}, fmt.Errorf("write %d %s to hubspot: %w", len(req.Records), w.obj.name, err)
	}
	return sdk.WriteResponse{Results: results}, nil
}

// Close releases the writer's connections.
func (w *writer) Close(context.Context) error {
	w.client.CloseIdleConnections()
	return nil
}

// settle turns outcomes into results.
func settle(results []sdk.Result, outcomes map[int]outcome) {
	for at, o := range outcomes {
		if o.err != nil {
			results[at] = sdk.Failed(o.err)
		} else {
			results[at] = sdk.Written(o.id, o.created)
		}
	}
}

// refuseDelete fails a delete: the connector does not archive objects.
func (w *writer) refuseDelete(rec sdk.Record) sdk.Result {
	return sdk.Failed(badRecord(w.obj.name, rec, errors.New("a delete: the hubspot connector does not delete (archive) objects")))
}
