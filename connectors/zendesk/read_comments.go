package zendesk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// commentFetchers is how many tickets' comments are fetched at once. The
// client's rate limits pace them together.
const commentFetchers = 4

// emitComments fetches the comments of each ticket of an export page and
// emits them, ticket by ticket in the page's order. A deleted ticket, or one
// gone since the export, has none.
func emitComments(ctx context.Context, cl *httpx.Client, stream string, tickets []gjson.Result, out sdk.Emitter) error {
	results := make([][]sdk.Record, len(tickets))
	fetchCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error // the first failure; the others are its cancellations
	)
	next := make(chan int)
	for range min(commentFetchers, len(tickets)) {
		wg.Go(func() {
			for i := range next {
				recs, err := ticketComments(fetchCtx, cl, stream, tickets[i])
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					continue
				}
				results[i] = recs
			}
		})
	}
feed:
	for i := range tickets {
		select {
		case next <- i:
		case <-fetchCtx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, recs := range results {
		if len(recs) == 0 {
			continue
		}
		if err := out.Emit(recs...); err != nil {
			return err
		}
	}
	return nil
}

// ticketComments returns the comments of one exported ticket as records,
// each with the ticket's id added as ticket_id.
func ticketComments(ctx context.Context, cl *httpx.Client, stream string, ticket gjson.Result) ([]sdk.Record, error) {
	if ticketDeleted(ticket) {
		return nil, nil
	}
	id := ticket.Get("id").Int()
	var recs []sdk.Record
	first := &httpx.Request{Path: "/tickets/" + strconv.FormatInt(id, 10) + "/comments.json"}
	for resp, err := range cl.Pages(ctx, first, httpx.NextURL("next_page")) {
		if err != nil {
			var he *httpx.Error
			if errors.As(err, &he) && he.Status == http.StatusNotFound {
				return nil, nil // deleted since the export
			}
			return nil, fmt.Errorf("read comments of zendesk ticket %d: %w", id, err)
		}
		for _, c := range resp.Get("comments").Array() {
			recs = append(recs, sdk.Record{Stream: stream, Key: c.Get("id").String(),
				Data: sdk.WithField([]byte(c.Raw), "ticket_id", strconv.AppendInt(nil, id, 10)), UpdatedAt: parseTime(c.Get("created_at").String())})
		}
	}
	return recs, nil
}
