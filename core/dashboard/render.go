package dashboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// pageNames are the templates in templates/, each rendered inside layout.html.
var pageNames = []string{"customers", "customer", "customer-explain", "login", "overview", "pipeline", "dead-letters", "alerts", "error"}

func parsePages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// frame is what every page's layout needs.
type frame struct {
	Title     string
	Nav       string // the nav entry to mark current
	Viewer    *viewer
	Flash     *flash
	Customers bool // the customers backend is present
	Page      any
}

// render writes a page; its data is Page inside the layout.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, v *viewer, status int, name, title, nav string, page any) {
	f := frame{Title: title, Nav: nav, Viewer: v, Page: page}
	if v != nil {
		f.Flash = d.sessions.takeFlash(v.session.id)
	}
	_, f.Customers = d.backend.(Customers)
	var buf bytes.Buffer
	if err := d.pages[name].Execute(&buf, f); err != nil {
		d.log.Error("dashboard: render page", "page", name, "error", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// errorPage shows msg with status.
func (d *Dashboard) errorPage(w http.ResponseWriter, r *http.Request, v *viewer, status int, msg string) {
	d.render(w, r, v, status, "error", http.StatusText(status), "", struct {
		Status  int
		Message string
	}{status, msg})
}

var funcs = template.FuncMap{
	"ago":      ago,
	"until":    until,
	"stamp":    stamp,
	"duration": runDuration,
	"runClass": runClass,
	"pretty":   pretty,
	"minus":    func(a, b int) int { return a - b },
	"sparkline": func(runs []state.Run) template.HTML {
		return sparkline(runs)
	},
}

// ago says how long ago t was ("" for zero).
func ago(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := time.Since(t)
	if d < time.Second {
		return "just now"
	}
	return roughly(d) + " ago"
}

// until says how long until t ("now" when past, "" for zero).
func until(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := time.Until(t)
	if d <= 0 {
		return "now"
	}
	return "in " + roughly(d)
}

// roughly is a duration to the unit that matters.
func roughly(d time.Duration) string {
	switch {
	case d < time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

// stamp is a full timestamp for titles and tables.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// runDuration is how long a run took (so far, while running).
func runDuration(r state.Run) string {
	end := r.FinishedAt
	if end.IsZero() {
		end = time.Now()
	}
	d := end.Sub(r.StartedAt)
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}

// runClass is the CSS class of a run status.
func runClass(s state.RunStatus) string {
	switch s {
	case state.RunSucceeded:
		return "good"
	case state.RunFailed:
		return "bad"
	case state.RunInterrupted:
		return "warn"
	default:
		return "info"
	}
}

// throughput is a run's records per second (0 for a run not finished):
// those read, or for a replay, which reads nothing, those it handled.
func throughput(r state.Run) float64 {
	if r.FinishedAt.IsZero() {
		return 0
	}
	secs := math.Max(r.FinishedAt.Sub(r.StartedAt).Seconds(), 0.001)
	n := max(r.Counts.Read, r.Counts.Written+r.Counts.DeadLettered)
	return float64(n) / secs
}

// pretty indents a payload that is JSON, and leaves any other as it is.
func pretty(payload string) string {
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(payload), "", "  ") != nil {
		return payload
	}
	return buf.String()
}
