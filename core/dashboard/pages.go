package dashboard

import (
	"errors"
	"fmt"
	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/internal/suggest"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

// pipelineRow is one pipeline of the overview.
type pipelineRow struct {
	Pipeline
	Status      string // paused, running sync, succeeded, failed, never run
	StatusClass string
	Runs        []state.Run // recent, newest first
	Moved       int64       // records written by the recent runs
}

func statusOf(p Pipeline) (string, string) {
	switch {
	case p.Paused:
		return "paused", "warn"
	case p.Running != "":
		return "running " + p.Running, "info"
	case p.LastRun == nil:
		return "never run", "muted"
	default:
		return string(p.LastRun.Status), runClass(p.LastRun.Status)
	}
}

// connectionTable is the connections' health, rendered generically.
// allFiring bounds a list of the firing alerts: no bound in practice, as
// at most one alert fires per key (kind and connection or pipeline).
const allFiring = 1 << 20

// overviewAlerts is how many firing alerts, the newest, the overview lists.
const overviewAlerts = 50

type overviewPage struct {
	Pipelines   []pipelineRow
	Firing      []state.Alert // the newest overviewAlerts
	FiringCount int           // every one
	Connections table
	Now         time.Time
}

func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	ps, err := d.backend.Pipelines(ctx)
	if err != nil {
		d.fail(w, r, v, err)
		return
	}
	page := overviewPage{Now: time.Now()}
	for _, p := range ps {
		row := pipelineRow{Pipeline: p}
		row.Status, row.StatusClass = statusOf(p)
		if row.Runs, err = d.backend.Runs(ctx, p.Name, sparkRuns); err != nil {
			d.fail(w, r, v, err)
			return
		}
		for _, run := range row.Runs {
			row.Moved += run.Counts.Written
		}
		page.Pipelines = append(page.Pipelines, row)
	}
	if page.Firing, err = d.backend.Alerts(ctx, state.AlertFiring, allFiring); err != nil {
		d.fail(w, r, v, err)
		return
	}
	page.FiringCount = len(page.Firing)
	if len(page.Firing) > overviewAlerts {
		page.Firing = page.Firing[:overviewAlerts]
	}
	conns, err := d.backend.Connections(ctx)
	if err != nil {
		d.fail(w, r, v, err)
		return
	}
	page.Connections = tableOf(conns)
	d.render(w, r, v, http.StatusOK, "overview", "Overview", "overview", page)
}

type pipelinePage struct {
	Pipeline
	// Gone: the config no longer has the pipeline, but the state holds its
	// history; the page shows that history, without actions or config.
	Gone                bool
	Status, StatusClass string
	Runs                []state.Run
	Config              string
}

func (d *Dashboard) pipeline(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	name := r.PathValue("name")
	ps, err := d.backend.Pipelines(ctx)
	if err != nil {
		d.fail(w, r, v, err)
		return
	}
	var page pipelinePage
	found := false
	for _, p := range ps {
		if p.Name == name {
			page.Pipeline, found = p, true
		}
	}
	if !found {
		if !d.pipelineKnown(w, r, v, name, ps) {
			return
		}
		page.Pipeline, page.Gone = Pipeline{Name: name}, true
	}
	if page.Runs, err = d.backend.Runs(ctx, name, 50); err != nil {
		d.fail(w, r, v, err)
		return
	}
	if page.Gone {
		if len(page.Runs) > 0 {
			page.LastRun = &page.Runs[0]
		}
		// Counted, not loaded: a pipeline removed with thousands of
		// pending dead letters must not load their payloads for a number.
		if page.DeadLetters, err = d.backend.CountDeadLetters(ctx, name, state.DeadLetterPending); err != nil {
			d.fail(w, r, v, err)
			return
		}
	}
	page.Status, page.StatusClass = statusOf(page.Pipeline)
	if !page.Gone {
		if page.Config, err = d.backend.PipelineConfig(ctx, name); err != nil {
			d.fail(w, r, v, err)
			return
		}
	}
	d.render(w, r, v, http.StatusOK, "pipeline", name, "overview", page)
}

// pipelineKnown reports whether name, which is none of the config's
// pipelines ps, names one the state holds the history of (see
// Backend.PipelineKnown). Otherwise it answers 404, naming the pipeline
// likely meant, and returns false: an empty page would read as "nothing
// there" for a misspelt name.
func (d *Dashboard) pipelineKnown(w http.ResponseWriter, r *http.Request, v *viewer, name string, ps []Pipeline) bool {
	known, err := d.backend.PipelineKnown(r.Context(), name)
	if err != nil {
		d.fail(w, r, v, err)
		return false
	}
	if known {
		return true
	}
	names := make([]string, 0, len(ps))
	for _, p := range ps {
		names = append(names, p.Name)
	}
	d.errorPage(w, r, v, http.StatusNotFound, fmt.Sprintf("No pipeline named %s %s: the config has none by that name, and the state holds no runs or dead letters of one.",
		strconv.Quote(name), suggest.Hint(name, "pipelines", names)))
	return false
}

type deadLettersPage struct {
	Filter    DeadLetterFilter
	Pipelines []string
	Kinds     []string // the error kinds to choose from
	Letters   []DeadLetter
	Statuses  []state.DeadLetterStatus
	Query     string // the filter and page as a query, to come back to after an action
	// Next is the link to the next page (after the last dead letter
	// shown), "" on the last page; First that to the first page, "" on it.
	Next, First template.URL
	// Total, on a page of several: how many dead letters of the pipeline
	// and status there are, of every reason.
	Total int64
}

// deadLetterLimit bounds one page of dead letters.
const deadLetterLimit = 200

func (d *Dashboard) deadLetters(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	q := r.URL.Query()
	f := DeadLetterFilter{Pipeline: q.Get("pipeline"), Kind: q.Get("kind"), Status: state.DeadLetterPending, Limit: deadLetterLimit}
	switch s := q.Get("status"); {
	case s == "all":
		f.Status = ""
	case s != "":
		f.Status = state.DeadLetterStatus(s)
		if !f.Status.Valid() {
			d.errorPage(w, r, v, http.StatusBadRequest, "status: expected pending, replayed, discarded or all, got "+strconv.Quote(s)+".")
			return
		}
	}
	if s := q.Get("after"); s != "" {
		var err error
		if f.AfterID, err = strconv.ParseInt(s, 10, 64); err != nil || f.AfterID < 0 {
			d.errorPage(w, r, v, http.StatusBadRequest, "after: expected the id of the last dead letter of the page before, got "+strconv.Quote(s)+": follow the page's Next page link, or drop after for the first page.")
			return
		}
	}
	ps, err := d.backend.Pipelines(ctx)
	if err != nil {
		d.fail(w, r, v, err)
		return
	}
	page := deadLettersPage{Filter: f, Statuses: []state.DeadLetterStatus{state.DeadLetterPending, state.DeadLetterReplayed, state.DeadLetterDiscarded}}
	for _, p := range ps {
		page.Pipelines = append(page.Pipelines, p.Name)
	}
	if f.Pipeline != "" && !slices.Contains(page.Pipelines, f.Pipeline) {
		// Not the config's: its history's, or a misspelt name (404).
		if !d.pipelineKnown(w, r, v, f.Pipeline, ps) {
			return
		}
		page.Pipelines = append(page.Pipelines, f.Pipeline)
	}
	status := string(f.Status)
	if status == "" {
		status = "all"
	}
	query := func(after int64) string {
		vals := url.Values{"pipeline": {f.Pipeline}, "kind": {f.Kind}, "status": {status}}
		if after > 0 {
			vals.Set("after", strconv.FormatInt(after, 10))
		}
		return vals.Encode()
	}
	page.Query = query(f.AfterID)
	// One more than a page: is there a next one?
	more := f
	more.Limit = deadLetterLimit + 1
	if page.Letters, err = d.backend.DeadLetters(ctx, more); err != nil {
		d.fail(w, r, v, err)
		return
	}
	if len(page.Letters) > deadLetterLimit {
		page.Letters = page.Letters[:deadLetterLimit]
		page.Next = template.URL("/ui/dead-letters?" + query(page.Letters[deadLetterLimit-1].ID))
	}
	if f.AfterID > 0 {
		page.First = template.URL("/ui/dead-letters?" + query(0))
	}
	if page.Next != "" || page.First != "" {
		if page.Total, err = d.backend.CountDeadLetters(ctx, f.Pipeline, f.Status); err != nil {
			d.fail(w, r, v, err)
			return
		}
	}
	page.Kinds = deadLetterKinds(f.Kind, page.Letters)
	d.render(w, r, v, http.StatusOK, "dead-letters", "Dead letters", "dead-letters", page)
}

// deadLetterKinds are the reasons to filter dead letters by: the error
// kinds a connector's failure can have (sdk.ErrorKind), which the state
// holds dead letters of, then any other among those shown and the one
// chosen.
func deadLetterKinds(chosen string, shown []DeadLetter) []string {
	var kinds []string
	for k := sdk.ErrorKind(0); !strings.HasPrefix(k.String(), "kind("); k++ {
		kinds = append(kinds, k.String())
	}
	for _, dl := range shown {
		if !slices.Contains(kinds, dl.ErrorKind) {
			kinds = append(kinds, dl.ErrorKind)
		}
	}
	if chosen != "" && !slices.Contains(kinds, chosen) {
		kinds = append(kinds, chosen)
	}
	return kinds
}

// resolvedAlerts is how many resolved alerts, the newest, the alerts page
// lists.
const resolvedAlerts = 200

type alertsPage struct {
	Firing, Resolved []state.Alert
	ResolvedCut      bool // there are more resolved alerts than listed
}

func (d *Dashboard) alerts(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	var page alertsPage
	var err error
	if page.Firing, err = d.backend.Alerts(ctx, state.AlertFiring, allFiring); err == nil {
		page.Resolved, err = d.backend.Alerts(ctx, state.AlertResolved, resolvedAlerts+1)
	}
	if len(page.Resolved) > resolvedAlerts {
		page.Resolved, page.ResolvedCut = page.Resolved[:resolvedAlerts], true
	}
	if err != nil {
		d.fail(w, r, v, err)
		return
	}
	d.render(w, r, v, http.StatusOK, "alerts", "Alerts", "alerts", page)
}

// customersPage is the customer search: the query and what it found.
type customersPage struct {
	Query   string
	Results []identity.Summary
	Error   string
}

func (d *Dashboard) customers(w http.ResponseWriter, r *http.Request, v *viewer) {
	page := customersPage{Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	if page.Query != "" {
		res, err := d.backend.(Customers).CustomerSearch(r.Context(), page.Query, 50)
		switch {
		case errors.Is(err, identity.ErrNotFound):
			page.Error = err.Error()
		case err != nil:
			d.fail(w, r, v, err)
			return
		}
		page.Results = res
	}
	d.render(w, r, v, http.StatusOK, "customers", "Customers", "customers", page)
}

// customerPage is one customer: the profile, its ids by system, and the
// timeline newest first.
type customerPage struct {
	Profile  identity.Profile
	Fields   []customerField
	IDs      []customerIDs
	Timeline []identity.Interaction
}

type customerField struct{ Name, Value, From string }

type customerIDs struct {
	System string
	IDs    []string
}

func (d *Dashboard) customer(w http.ResponseWriter, r *http.Request, v *viewer) {
	p, err := d.backend.(Customers).Customer(r.Context(), r.PathValue("query"))
	if d.customerLookupFailed(w, r, v, err) {
		return
	}
	page := customerPage{Profile: p}
	for _, name := range slices.Sorted(maps.Keys(p.Fields)) {
		f := p.Fields[name]
		page.Fields = append(page.Fields, customerField{Name: name, Value: f.Value, From: fieldSource(f)})
	}
	for _, sys := range slices.Sorted(maps.Keys(p.ExternalIDs)) {
		page.IDs = append(page.IDs, customerIDs{System: sys, IDs: p.ExternalIDs[sys]})
	}
	page.Timeline = slices.Clone(p.Timeline)
	slices.Reverse(page.Timeline)
	d.render(w, r, v, http.StatusOK, "customer", p.ID, "customers", page)
}

// customerExplainPage is why a customer's records are one customer: the
// records, the identifiers joining them (each through its rules), and the
// shared values that join nothing.
type customerExplainPage struct {
	Explanation identity.Explanation
}

func (d *Dashboard) customerExplain(w http.ResponseWriter, r *http.Request, v *viewer) {
	e, err := d.backend.(Customers).CustomerExplain(r.Context(), r.PathValue("query"))
	if d.customerLookupFailed(w, r, v, err) {
		return
	}
	d.render(w, r, v, http.StatusOK, "customer-explain", "Why "+e.ID, "customers", customerExplainPage{Explanation: e})
}

// customerLookupFailed answers a failed customer lookup — 404 for an
// unknown customer, else the failure's page — and reports whether err was
// one.
func (d *Dashboard) customerLookupFailed(w http.ResponseWriter, r *http.Request, v *viewer, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, identity.ErrNotFound):
		d.errorPage(w, r, v, http.StatusNotFound, err.Error())
	default:
		d.fail(w, r, v, err)
	}
	return true
}

// fieldSource names the record a profile field came from.
func fieldSource(f identity.FieldValue) string { return f.Source.String() }
