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
//	  email: $customer.email                          # the profile's email
//	  customer: $customer.id                          # cx-42
//
// $customer.id, $customer.email, $customer.phone, $customer.<field> (a
// profile field: name, company, country...) and
// $customer.ids.<connection>.<stream> (the customer's first key there).
// The field is left out when the customer has no such value. A key made
// of digits only is written as a JSON number, any other value as a string.
const CustomerPrefix = "$customer."

// LinkLookup returns, for keys of a pipeline's source stream, the ids of
// the objects the core wrote them to in its destination stream (the
// core's links: state.Store.LookupLinks).
type LinkLookup func(ctx context.Context, from, to engine.Endpoint, keys []string) (map[string]string, error)

// Stage is the engine stage of the customer index: it indexes every record
// a pipeline reads from a canonical stream (with the core's links between
// the pipeline's ends), then fills the pipeline's $customer. map fields
// from each record's customer.
type Stage struct {
	ix     *Index
	links  LinkLookup
	enrich map[string][]enrichField // by pipeline
}

type enrichField struct {
	name string // destination field (dots nest)
	path string // after $customer.
}

var _ engine.Stage = (*Stage)(nil)

// NewStage returns the stage for cfg's pipelines. links may be nil.
func NewStage(ix *Index, cfg *config.Config, links LinkLookup) *Stage {
	s := &Stage{ix: ix, links: links, enrich: map[string][]enrichField{}}
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
	if s.ix.catalog.Indexed(b.From.Connection, b.From.Stream) {
		links, err := s.linksOf(ctx, b)
		if err != nil {
			return err
		}
		if _, err := s.ix.Ingest(ctx, b.From.Connection, b.From.Stream, b.In, links); err != nil {
			return err
		}
	}
	fields := s.enrich[b.Pipeline]
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

// linksOf returns the core's links of the batch's records to the
// pipeline's destination, as refs.
func (s *Stage) linksOf(ctx context.Context, b *engine.Batch) (map[string][]Link, error) {
	if s.links == nil || b.To.Connection == config.ProfilesConnection || !s.ix.rules.matches(MatchLinks) {
		return nil, nil
	}
	keys := make([]string, 0, len(b.In))
	for _, r := range b.In {
		if r.Key != "" {
			keys = append(keys, r.Key)
		}
	}
	ids, err := s.links(ctx, b.From, b.To, keys)
	if err != nil {
		return nil, fmt.Errorf("look up links: %w", err)
	}
	out := make(map[string][]Link, len(ids))
	for k, id := range ids {
		out[k] = []Link{{Ref{b.To.Connection, b.To.Stream, id}, "link " + b.Pipeline}}
	}
	return out, nil
}

// Value returns a profile value by its path after $customer. ("" if none).
func (p *Profile) Value(path string) string {
	switch {
	case path == "id":
		return p.ID
	case path == "email" && len(p.Emails) > 0:
		return p.Emails[0]
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
