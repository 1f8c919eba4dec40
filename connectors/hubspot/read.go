package hubspot

import (
	"context"
	"fmt"

	"github.com/cxhub/cxhub/sdk"
)

// maxSearchPage is the most results HubSpot's search answers per request.
const maxSearchPage = 200

// Read reads each requested stream. Without a checkpoint (or with one it
// cannot parse) it reads everything: the list endpoint, then a catch-up
// search for the changes made meanwhile (see scan.full). From a checkpoint
// it reads what changed since, in order of last-modified date, through the
// search endpoint (see scan.run), with checkpoints as it goes, held
// search_lag behind the server's clock (see lagWindow). With read_deletes,
// a read of contacts or companies then lists the archived objects and
// emits a delete for each archived since the last read (see scan.deletes).
// Every read of a stream ends with a checkpoint.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return err
	}
	client, err := c.client(cfg, 0)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	page := maxSearchPage
	if req.BatchSize > 0 && req.BatchSize < page {
		page = req.BatchSize
	}
	log := sdk.Logger(ctx)
	for _, st := range req.Streams {
		obj, err := objectOf(st.Stream)
		if err != nil {
			return sdk.ConfigError(err)
		}
		from, err := parseState(st.State)
		if err != nil {
			log.Warn("hubspot: unreadable checkpoint: reading the stream from the start (repeats, never gaps)",
				"stream", st.Stream, "error", err)
			from = position{}
		}
		s := &scan{client: client, obj: obj, props: obj.readProperties(cfg.extraProperties(st.Stream)),
			page: page, out: out, log: log, lag: cfg.lag}
		if obj.name == streamNotes {
			s.enrich, s.enrichField = notesContacts(client), "associations"
		}
		if cfg.ReadDeletes && obj.name != streamNotes {
			s.del = newDeletions(from)
		}
		if from.isStart() {
			err = s.full(ctx)
		} else {
			err = s.run(ctx, from)
		}
		if err == nil && s.del != nil {
			err = s.deletes(ctx)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("read hubspot %s: %w", st.Stream, readError(err))
		}
	}
	return nil
}
