package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/identity"
	idsqlite "github.com/cxhub/cxhub/core/identity/sqlite"
	"github.com/spf13/cobra"
)

// newCustomersCmd is `cxhub customers`: the customer index (one customer
// across every system), read through the hub.
func newCustomersCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "customers",
		Short: "Search customers, show one's profile and timeline, explain how its records were joined",
		Long: "The customer index joins the records of every canonical customer and interaction stream that a pipeline " +
			"reads (see docs/customers.md). A customer is named by its id (cx-42), an email, a phone number, or a " +
			"source record as connection/stream/key.",
	}
	var limit int
	search := &cobra.Command{
		Use:   "search <text>",
		Short: "List customers whose email, phone, name or other field contains text",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 1 {
				return fmt.Errorf("--limit: expected 1 or more, got %d", limit)
			}
			cfg, err := a.h().CheckedConfig(cmd.Context())
			if err != nil {
				return a.reportConfigError(err)
			}
			if err := indexOff(cfg); err != nil {
				return err
			}
			if noStateYet(cfg) {
				if a.json() {
					return printJSON(a.opts.stdout, []identity.Summary{})
				}
				a.nothingYet(cfg, "customers")
				return nil
			}
			out, err := a.h().CustomerSearch(cmd.Context(), args[0], limit)
			if err != nil {
				return a.reportConfigError(err)
			}
			if a.json() {
				return printJSON(a.opts.stdout, out)
			}
			t := newTable(a.opts.stdout, "ID", "NAME", "EMAIL", "PHONE", "RECORDS", "SYSTEMS")
			for _, s := range out {
				t.row(s.ID, dash(s.Name), dash(s.Email), dash(s.Phone), fmt.Sprint(s.Records), strings.Join(s.Systems, " "))
			}
			t.flush()
			return nil
		},
	}
	search.Flags().IntVarP(&limit, "limit", "n", 50, "at most this many customers (at least 1)")
	show := &cobra.Command{
		Use:   "show <id|email|phone>",
		Short: "Show a customer's profile and the timeline of every interaction",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.noCustomersYet(cmd.Context()); err != nil {
				return err
			}
			p, err := a.h().Customer(cmd.Context(), args[0])
			if err != nil {
				return a.reportConfigError(err)
			}
			if a.json() {
				return printJSON(a.opts.stdout, p)
			}
			a.printProfile(p)
			return nil
		},
	}
	explain := &cobra.Command{
		Use:   "explain <id|email|phone>",
		Short: "Show which records make a customer, joined on what, through which rule",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.noCustomersYet(cmd.Context()); err != nil {
				return err
			}
			ex, err := a.h().CustomerExplain(cmd.Context(), args[0])
			if err != nil {
				return a.reportConfigError(err)
			}
			if a.json() {
				return printJSON(a.opts.stdout, ex)
			}
			a.printExplanation(ex)
			return nil
		},
	}
	cmd.AddCommand(search, show, explain)
	return cmd
}

// noCustomersYet fails when the config is wrong, or when its state does not
// exist yet: nothing has run, so no customer is indexed, and a query must
// not create the state to say so.
func (a *app) noCustomersYet(ctx context.Context) error {
	cfg, err := a.h().CheckedConfig(ctx)
	if err != nil {
		return a.reportConfigError(err)
	}
	if err := indexOff(cfg); err != nil {
		return err
	}
	if noStateYet(cfg) {
		return fmt.Errorf("no customers indexed yet: nothing has run with %s (its state file %s does not exist yet); "+
			"run a pipeline that reads customer data first", cfg.File, cfg.State.Path)
	}
	return nil
}

// indexOff fails when cfg does not turn the customer index on
// (hub.UsesCustomerIndex) and no index file is left
// from an earlier config that did: a query would otherwise create an empty
// index and answer "nothing". A PostgreSQL state's index is not looked for.
func indexOff(cfg *config.Config) error {
	if hub.UsesCustomerIndex(cfg) {
		return nil
	}
	if cfg.State.Driver != "" && cfg.State.Driver != "sqlite" {
		return nil
	}
	if _, err := os.Stat(idsqlite.Path(cfg.State.Path)); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return fmt.Errorf("%s does not turn the customer index on, so it holds no customers: "+
		"add a customers: section (customers: {} for the default rules) and a pipeline that reads customer data; see docs/customers.md", cfg.File)
}

func (a *app) printProfile(p identity.Profile) {
	w := a.opts.stdout
	fmt.Fprintf(w, "Customer %s (%d records)\n\n", p.ID, p.Records)
	t := newTable(w, "FIELD", "VALUE", "FROM")
	fields := make([]string, 0, len(p.Fields))
	for f := range p.Fields {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		v := p.Fields[f]
		t.row(f, truncate(v.Value, 60), v.Source.String())
	}
	t.row("emails", dash(strings.Join(p.Emails, ", ")), "")
	t.row("phones", dash(strings.Join(p.Phones, ", ")), "")
	systems := make([]string, 0, len(p.ExternalIDs))
	for s := range p.ExternalIDs {
		systems = append(systems, s)
	}
	slices.Sort(systems)
	for _, s := range systems {
		t.row("id in "+s, strings.Join(p.ExternalIDs[s], ", "), "")
	}
	for f, v := range p.Consent {
		t.row("consent "+f, v.Value, v.Source.String())
	}
	t.flush()
	fmt.Fprintf(w, "\nTimeline (%d interactions)\n", len(p.Timeline))
	if len(p.Timeline) == 0 {
		return
	}
	t = newTable(w, "WHEN", "SYSTEM", "KIND", "SUMMARY", "STATUS", "SCORE", "AMOUNT", "RECORD")
	for _, it := range p.Timeline {
		t.row(formatTime(it.OccurredAt), it.System, dash(it.Kind), dash(truncate(it.Summary, 50)), dash(it.Status),
			dash(it.Score), dash(it.Amount), it.Source.Stream+"/"+it.Source.Key)
	}
	t.flush()
}

func (a *app) printExplanation(ex identity.Explanation) {
	w := a.opts.stdout
	fmt.Fprintf(w, "Customer %s is %d records:\n", ex.ID, len(ex.Records))
	for _, r := range ex.Records {
		fmt.Fprintf(w, "  %s (%s)\n", r.Ref, r.Kind)
	}
	fmt.Fprintln(w, "\nJoined on:")
	if len(ex.Joins) == 0 {
		fmt.Fprintln(w, "  nothing: one record")
	}
	for _, j := range ex.Joins {
		refs := make([]string, len(j.Records))
		for i, r := range j.Records {
			refs[i] = r.String()
		}
		fmt.Fprintf(w, "  %s %s (rule: %s)\n    %s\n", j.Type, j.Value, strings.Join(j.Rules, ", "), strings.Join(refs, "\n    "))
	}
	if len(ex.Refused) > 0 {
		fmt.Fprintln(w, "\nNot joined on:")
		for _, r := range ex.Refused {
			fmt.Fprintf(w, "  %s %s, on %d records: %s\n", r.Type, r.Value, r.Records, r.Why)
		}
	}
}
