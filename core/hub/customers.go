package hub

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/identity"
	idpostgres "github.com/cxhub/cxhub/core/identity/postgres"
	idsqlite "github.com/cxhub/cxhub/core/identity/sqlite"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

// customerIndex is the hub's customer index (package identity), opened on
// first use: for writing (with the stage that feeds it) by the hub that
// holds the state's writer lock, read-only otherwise.
type customerIndex struct {
	mu     sync.Mutex
	store  identity.Store
	ix     *identity.Index
	writer bool
	stage  *identity.Stage
	links  identity.LinkLookup
}

// closeTimeout bounds how long closing the hub waits for the index to take
// in what the stage queued; the rest is indexed when the index is next
// opened for writing.
const closeTimeout = 5 * time.Minute

func (c *customerIndex) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.store == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	err := c.ix.Close(ctx)
	err = errors.Join(err, c.store.Close())
	c.store, c.ix, c.stage, c.writer = nil, nil, nil, false
	return err
}

// reloadCustomers makes the customer index follow a reloaded config (Hub.Reload):
// a writer takes the new rules, catalog and $customer. fields at once —
// its customers derived again if the rules changed, before the next sync
// or query uses them — and a read-only view is dropped, to be opened
// again under the new rules on next use. rules are cfg's, already parsed.
func (h *Hub) reloadCustomers(ctx context.Context, cfg *config.Config, rules identity.Rules) error {
	cat := h.catalog(cfg)
	c := &h.customers
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ix == nil {
		return nil
	}
	if !c.writer {
		err := c.store.Close()
		c.store, c.ix = nil, nil
		return err
	}
	ix, err := c.ix.Reopen(ctx, rules, cat)
	if err != nil {
		return err
	}
	c.ix, c.stage = ix, identity.NewStage(ix, cfg, c.links)
	return nil
}

// openCustomerStore opens the customer index for writing where the
// config's state is: a file beside a SQLite state (identity/sqlite), the
// same database as a PostgreSQL state (identity/postgres, which several
// workers may write at once).
func openCustomerStore(ctx context.Context, cfg *config.Config) (identity.Store, error) {
	if cfg.State.Driver == "postgres" {
		return idpostgres.Open(ctx, cfg.State.DSN)
	}
	path, err := indexPath(cfg)
	if err != nil {
		return nil, err
	}
	return idsqlite.Open(path)
}

// indexPath is where the customer index of a SQLite state lives: beside
// its state file (see identity/sqlite).
func indexPath(cfg *config.Config) (string, error) {
	if cfg.State.Path == "" {
		return "", fmt.Errorf("the customer index needs a state path (state.path in %s)", cfg.File)
	}
	return idsqlite.Path(cfg.State.Path), nil
}

// catalog is what each connection's streams are, from the checked
// config's specs.
func (h *Hub) catalog(cfg *config.Config) identity.Catalog {
	h.mu.Lock()
	defer h.mu.Unlock()
	return catalogOf(cfg, h.specs)
}

// catalogOf is what each connection's streams are, from specs by
// connector name.
func catalogOf(cfg *config.Config, specs map[string]sdk.Spec) identity.Catalog {
	cat := identity.Catalog{}
	for name, conn := range cfg.Connections {
		if spec, ok := specs[conn.Connector]; ok {
			cat[name] = spec
		}
	}
	return cat
}

// profileSourceErrors refuses each pipeline to the profile store whose
// source stream is not customer or interaction data: the index would take
// nothing from it. A source whose connector has no spec in cat is left to
// config.Check, which reports the unknown connector.
func profileSourceErrors(cfg *config.Config, cat identity.Catalog) config.Errors {
	var errs config.Errors
	listed := 0 // the index in the pipelines list, for the key
	for _, p := range cfg.Pipelines {
		i := listed
		if p.Sync == nil {
			listed++
		}
		if p.To.Connection != config.ProfilesConnection {
			continue
		}
		spec, ok := cat[p.From.Connection]
		if !ok || cat.Indexed(p.From.Connection, p.From.Stream) {
			continue
		}
		key := fmt.Sprintf("pipelines[%d].to.profiles", i)
		if p.Sync != nil {
			key = fmt.Sprintf("pipeline %s: to.profiles", p.Name)
		}
		errs = append(errs, &config.Error{File: cfg.File, Line: p.Pos.Line, Column: p.Pos.Column, Key: key,
			Msg: fmt.Sprintf("pipeline %q reads %s.%s, which is not customer or interaction data (connector %q's spec does not mark it so), so the profile store would index nothing: expected a customer or interaction stream as the source",
				p.Name, p.From.Connection, p.From.Stream, spec.Name)})
	}
	return errs
}

// customerWriter opens the index for writing (under the state's writer
// lock, which the caller holds): its rules are derived again if they
// changed since the index was last written.
func (h *Hub) customerWriter(ctx context.Context) (*identity.Index, *identity.Stage, error) {
	cfg, err := h.CheckedConfig(ctx)
	if err != nil {
		return nil, nil, err
	}
	st, err := h.Store()
	if err != nil {
		return nil, nil, err
	}
	c := &h.customers
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writer {
		return c.ix, c.stage, nil
	}
	rules, err := identity.ParseRules(cfg.Customers, cfg.File)
	if err != nil {
		return nil, nil, err
	}
	if c.store != nil {
		_ = c.store.Close()
		c.store, c.ix = nil, nil
	}
	store, err := openCustomerStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	ix, err := identity.Open(ctx, store, rules, h.catalog(cfg))
	if err != nil {
		_ = store.Close()
		return nil, nil, err
	}
	links := func(ctx context.Context, from, to engine.Endpoint, keys []string) (map[string]string, error) {
		return st.LookupLinks(ctx, from.Connection, from.Stream, to.Connection, to.Stream, keys)
	}
	c.store, c.ix, c.writer, c.stage, c.links = store, ix, true, identity.NewStage(ix, cfg, links), links
	return ix, c.stage, nil
}

// customerStage returns the index's stage when the config uses the
// customer index — a customers section, a pipeline to the profile store,
// or a map field read from $customer. — and nil otherwise: indexing costs
// every sync of customer data, so a config asks for it. It refuses a
// profile-store pipeline whose source is not customer or interaction data.
func (h *Hub) customerStage(ctx context.Context, cfg *config.Config) (engine.Stage, error) {
	if errs := profileSourceErrors(cfg, h.catalog(cfg)); len(errs) > 0 {
		return nil, errs // CheckedConfig and Reload refuse such a config: this guards the rest
	}
	if !UsesCustomerIndex(cfg) {
		return nil, nil
	}
	_, stage, err := h.customerWriter(ctx)
	if err != nil {
		return nil, fmt.Errorf("open the customer index: %w", err)
	}
	return stage, nil
}

// UsesCustomerIndex reports whether cfg turns the customer index on: a
// customers: section, a pipeline to the profiles connection, or a mapping
// that reads customer.* fields.
func UsesCustomerIndex(cfg *config.Config) bool {
	if cfg.Customers != nil {
		return true
	}
	for _, p := range cfg.Pipelines {
		if p.To.Connection == config.ProfilesConnection {
			return true
		}
		for _, f := range p.Map {
			if strings.HasPrefix(f.Expr, identity.CustomerPrefix) {
				return true
			}
		}
	}
	return false
}

// CustomerIndex returns the index for queries: the hub's writer if it has
// one, else the writer opened now (which re-derives customers if the rules
// changed), else — while another cxhub process syncs — a read-only view.
func (h *Hub) CustomerIndex(ctx context.Context) (*identity.Index, error) {
	c := &h.customers
	c.mu.Lock()
	ix, writer := c.ix, c.writer
	c.mu.Unlock()
	if ix != nil && !writer {
		return ix, nil
	}
	if ix == nil {
		var err error
		ix, _, err = h.customerWriter(ctx)
		if err != nil && errors.Is(err, state.ErrLocked) {
			return h.customerView(ctx)
		}
		if err != nil {
			return nil, err
		}
	}
	// Answers include every batch a sync of this hub queued.
	if err := ix.Flush(ctx); err != nil {
		return nil, err
	}
	return ix, nil
}

// customerView opens the index read-only, while another cxhub process
// writes it: batches that process queued and has not indexed yet are not
// in its answers.
func (h *Hub) customerView(ctx context.Context) (*identity.Index, error) {
	c := &h.customers
	cfg, err := h.CheckedConfig(ctx)
	if err != nil {
		return nil, err
	}
	rules, err := identity.ParseRules(cfg.Customers, cfg.File)
	if err != nil {
		return nil, err
	}
	path, err := indexPath(cfg)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no customers indexed yet (%s): run a pipeline that reads customer data: %w", path, identity.ErrNotFound)
	}
	store, err := idsqlite.OpenReadOnly(path)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ix != nil {
		_ = store.Close()
		return c.ix, nil
	}
	c.store, c.ix = store, identity.OpenView(store, rules, h.catalog(cfg))
	return c.ix, nil
}

// CustomerSearch lists up to limit customers whose email, phone, name or
// other field contains text.
func (h *Hub) CustomerSearch(ctx context.Context, text string, limit int) ([]identity.Summary, error) {
	ix, err := h.CustomerIndex(ctx)
	if err != nil {
		return nil, err
	}
	out, err := ix.Search(ctx, text, limit)
	if out == nil {
		out = []identity.Summary{}
	}
	return out, err
}

// Customer returns the profile and timeline of the customer a query names:
// an id (cx-42), an email, a phone number or connection/stream/key. The
// error wraps identity.ErrNotFound when there is none.
func (h *Hub) Customer(ctx context.Context, query string) (identity.Profile, error) {
	ix, err := h.CustomerIndex(ctx)
	if err != nil {
		return identity.Profile{}, err
	}
	id, err := ix.Find(ctx, query)
	if err != nil {
		return identity.Profile{}, err
	}
	return ix.Profile(ctx, id)
}

// CustomerExplain says which records make the customer a query names,
// joined on what, through which rule.
func (h *Hub) CustomerExplain(ctx context.Context, query string) (identity.Explanation, error) {
	ix, err := h.CustomerIndex(ctx)
	if err != nil {
		return identity.Explanation{}, err
	}
	id, err := ix.Find(ctx, query)
	if err != nil {
		return identity.Explanation{}, err
	}
	return ix.Explain(ctx, id)
}
