package identity

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/tidwall/sjson"
)

// CustomerPrefix starts a map expression that reads the customer's
// profile instead of the source record:
//
//	map:
//	  requester_id: $customer.ids.helpdesk.users   # the customer's key in helpdesk's users
//	  email: $customer.email                          # the profile's surviving email
//	  customer: $customer.id                          # cx-42
//
// $customer.id, $customer.email and $customer.phone (the profile's
// surviving email and phone fields, normalised: see Profile.Value),
// $customer.<field> (a profile field, survivorship applied: name,
// company, country...) and $customer.ids.<connection>.<stream> (the
// customer's first key there).
// The field is left out when the customer has no such value. A key made
// of digits only is written as a JSON number, any other value as a string.
const CustomerPrefix = "$customer."

// LinkLookup returns, for keys of a pipeline's source stream, the ids of
// the objects the core wrote them to in its destination stream (the
// core's links: state.Store.LookupLinks).
type LinkLookup func(ctx context.Context, from, to engine.Endpoint, keys []string) (map[string]string, error)

// Stage is the engine stage of the customer index: it queues every batch
// a pipeline reads from a canonical stream, durably, for the index to
// resolve in the background (with the core's links between the pipeline's
// ends), so a sync does not wait for the resolution; it fills the
// pipeline's $customer. map fields from each record's customer, which for
// a pipeline that has such fields means waiting for its batch to be
// indexed first.
//
// The batch is queued before the sync commits it: a record the sync
// committed is indexed, whenever the process stops (a batch left queued
// is indexed when the next hub opens the index with a stage). A batch
// queued but not committed is indexed too, and read again by the next
// sync: indexing a record twice changes nothing.
type Stage struct {
	ix     *Index
	enrich map[string][]enrichField // by pipeline
}

type enrichField struct {
	name string // destination field (dots nest)
	path string // after $customer.
}

var _ engine.Stage = (*Stage)(nil)

// NewStage returns the stage for cfg's pipelines, and starts indexing the
// index's queue in the background (once per Index: Index.Close stops it).
// links may be nil. The Index must have been opened for writing.
func NewStage(ix *Index, cfg *config.Config, links LinkLookup) *Stage {
	if ix.queue == nil {
		ix.queue = ix.startIndexer(links)
	}
	s := &Stage{ix: ix, enrich: map[string][]enrichField{}}
	for _, p := range cfg.Pipelines {
		for _, f := range p.Map {
			if rest, ok := strings.CutPrefix(f.Expr, CustomerPrefix); ok && f.Const == nil {
				s.enrich[p.Name] = append(s.enrich[p.Name], enrichField{f.Name, rest})
			}
		}
	}
	return s
}

// Process indexes the batch's source records and enriches its output.
func (s *Stage) Process(ctx context.Context, b *engine.Batch) error {
	fields := s.enrich[b.Pipeline]
	if s.ix.catalog.Indexed(b.From.Connection, b.From.Stream) {
		q := queued{pipeline: b.Pipeline, from: Ref{Connection: b.From.Connection, Stream: b.From.Stream},
			to: Ref{Connection: b.To.Connection, Stream: b.To.Stream}, recs: b.In}
		if err := s.ix.queue.enqueue(ctx, q); err != nil {
			return err
		}
		if len(fields) > 0 {
			if err := s.ix.Flush(ctx); err != nil {
				return err
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return s.ix.store.View(ctx, func(tx Tx) error {
		cache := map[int64]*Profile{}
		for i := range b.Out {
			src := b.In[b.OutFrom[i]]
			r, ok, err := tx.Get(Ref{b.From.Connection, b.From.Stream, src.Key}, false)
			if err != nil {
				return err
			}
			if !ok || r.Customer == 0 {
				continue
			}
			p, ok := cache[r.Customer]
			if !ok {
				ms, err := tx.Members(r.Customer)
				if err != nil {
					return err
				}
				pr := s.ix.profileOf(r.Customer, ms)
				p, cache[r.Customer] = &pr, &pr
			}
			for _, f := range fields {
				v := p.Value(f.path)
				if v == "" {
					continue
				}
				data, err := sjson.SetRawBytes(b.Out[i].Data, f.name, jsonValue(v))
				if err != nil {
					return fmt.Errorf("set %s from %s%s: %w", f.name, CustomerPrefix, f.path, err)
				}
				b.Out[i].Data = data
			}
		}
		return nil
	})
}

// Value returns a profile value by its path after $customer. ("" if
// none). email and phone are the surviving email and phone fields (as
// Fields shows them, survivorship applied), normalised, the first address
// of a field holding several; for a customer whose customer records have
// none (or a Profile read back from JSON), the first of Emails and Phones.
func (p *Profile) Value(path string) string {
	switch {
	case path == "id":
		return p.ID
	case path == "email" && p.email != "":
		return p.email
	case path == "email" && len(p.Emails) > 0:
		return p.Emails[0]
	case path == "phone" && p.phone != "":
		return p.phone
	case path == "phone" && len(p.Phones) > 0:
		return p.Phones[0]
	case strings.HasPrefix(path, "ids."):
		if keys := p.ExternalIDs[strings.TrimPrefix(path, "ids.")]; len(keys) > 0 {
			return keys[0]
		}
		return ""
	}
	return p.Fields[path].Value
}

// jsonValue encodes v: digits only (and short enough) as a number.
func jsonValue(v string) []byte {
	if len(v) <= 15 && strings.Trim(v, "0123456789") == "" && (v == "0" || v[0] != '0') {
		return []byte(v)
	}
	return []byte(strconv.Quote(v))
}
