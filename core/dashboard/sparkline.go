package dashboard

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/cxhub/cxhub/core/state"
)

// Sparkline geometry, in SVG user units.
const (
	sparkW, sparkH = 120, 28
	sparkRuns      = 20 // the most recent runs drawn
)

// sparkline draws the throughput (records per second) of the most
// recent finished runs, oldest on the left, as an inline SVG. runs are
// newest first, as the state lists them. The SVG holds only numbers we
// computed and a title we wrote, so it is safe HTML.
func sparkline(runs []state.Run) template.HTML {
	var pts []float64
	for _, r := range runs {
		if !r.FinishedAt.IsZero() {
			pts = append(pts, throughput(r))
		}
		if len(pts) == sparkRuns {
			break
		}
	}
	if len(pts) == 0 {
		return template.HTML(`<span class="muted">no runs yet</span>`)
	}
	// Oldest first.
	for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
		pts[i], pts[j] = pts[j], pts[i]
	}
	peak := 0.0
	for _, p := range pts {
		peak = max(peak, p)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="spark" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="throughput of the last %d runs, peak %.0f records/s">`,
		sparkW, sparkH, sparkW, sparkH, len(pts), peak)
	fmt.Fprintf(&b, `<title>last %d runs: peak %.0f records/s, latest %.0f records/s</title>`, len(pts), peak, pts[len(pts)-1])
	b.WriteString(`<polyline fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" points="`)
	var x, y float64
	for i, p := range pts {
		x = float64(sparkW) / 2
		if len(pts) > 1 {
			x = 2 + float64(i)*float64(sparkW-4)/float64(len(pts)-1)
		}
		y = float64(sparkH) - 2
		if peak > 0 {
			y = float64(sparkH) - 2 - p/peak*float64(sparkH-4)
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", x, y)
	}
	fmt.Fprintf(&b, `"/><circle cx="%.1f" cy="%.1f" r="2.5" fill="currentColor"/></svg>`, x, y)
	return template.HTML(b.String())
}
