package benchmark

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
)

// Targets are the figures issue 6 asks of this machine.
const (
	TargetOfCeiling     = 50.0  // percent of the ceiling, end to end
	TargetRecordsPerSec = 150e3 // end to end
	TargetPeakMB        = 150.0 // cxhub's peak RSS at the largest count
	TargetOfMin         = 110.0 // vendor-bound wall time, percent of the theoretical minimum
	TargetTooMany       = 1.0   // percent of vendor requests answered 429
)

// Print writes the report as plain-text tables: medians with (min–max).
func (r *Report) Print(out io.Writer) {
	o := r.Options
	fmt.Fprintf(out, "cxhub bench — %s, %s/%s, %d CPUs, %s; %d runs per throughput figure, %d per memory and vendor figure\n",
		r.Started.Format("2006-01-02 15:04"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), o.Runs, o.RunsSlow)
	fmt.Fprintf(out, "records of ~%d bytes, batches of %d, %d records per throughput run; figures are median (min–max)\n\n",
		o.RecordBytes, o.BatchSize, o.Records)

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "THROUGHPUT\trecords/s\tMB/s\tcore CPU ns/record\tcore allocs/record\t% of ceiling")
	row := func(t Throughput) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.RecordsPerSec.Format("%.0f"), t.MBPerSec.Format("%.0f"),
			t.CoreNsPerRecord.Format("%.0f"), t.AllocsPerRec.Format("%.2f"), t.OfCeiling.Format("%.0f"))
	}
	row(r.Ceiling)
	for _, p := range r.Pipelines {
		row(p)
	}
	tw.Flush()

	if len(r.Memory) > 0 {
		fmt.Fprintln(out)
		var names []string
		for _, m := range r.Memory {
			for n := range m.PeakMB {
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
		slices.SortFunc(names, func(a, b string) int { // cxhub first
			if a == "cxhub" || b == "cxhub" {
				return map[bool]int{true: -1, false: 1}[a == "cxhub"]
			}
			return strings.Compare(a, b)
		})
		tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "PEAK RSS (MB)\t%s\twall s\n", strings.Join(names, "\t"))
		for _, m := range r.Memory {
			fmt.Fprintf(tw, "%d records", m.Records)
			for _, n := range names {
				f := m.PeakMB[n]
				if f == nil {
					f = &Figure{}
				}
				fmt.Fprintf(tw, "\t%s", f.Format("%.0f"))
			}
			fmt.Fprintf(tw, "\t%s\n", m.Elapsed.Format("%.1f"))
		}
		tw.Flush()
	}

	if v := r.Vendor; v != nil {
		fmt.Fprintln(out)
		tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "VENDOR-BOUND\twall s\tmin s: requests ÷ rate\t% of min\tmin s with the window's burst\trequests\tanswered 429\t% 429")
		fmt.Fprintf(tw, "%d contacts → HubSpot sandbox (%s)\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Contacts, v.Limit,
			v.Seconds.Format("%.1f"), v.MinSeconds.Format("%.1f"), v.OfMin.Format("%.0f"), v.BurstMinSeconds.Format("%.1f"),
			v.Requests.Format("%.0f"), v.TooMany.Format("%.0f"), v.TooManyPercent.Format("%.1f"))
		tw.Flush()
	}

	if w := r.Webhook; w != nil {
		fmt.Fprintln(out)
		tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "WEBHOOK → DESTINATION\tdeliveries\tp50 ms\tp99 ms\tmax ms")
		fmt.Fprintf(tw, "signed Shopify orders/create at %d/s → cxhub serve → file\t%d\t%s\t%s\t%s\n", w.Rate, w.Deliveries,
			w.P50.Format("%.0f"), w.P99.Format("%.0f"), w.Max.Format("%.0f"))
		tw.Flush()
	}

	r.printCustomers(out)
	r.printTwoWay(out)
	fmt.Fprintln(out)
	for _, t := range r.Targets() {
		fmt.Fprintln(out, t)
	}
	fmt.Fprintf(out, "\nmeasured in %s\n", r.Elapsed.Round(1e9))
}

// Targets says, target by target, whether this report meets it.
func (r *Report) Targets() []string {
	var out []string
	check := func(ok bool, format string, args ...any) {
		verdict := "MET   "
		if !ok {
			verdict = "MISSED"
		}
		out = append(out, verdict+" "+fmt.Sprintf(format, args...))
	}
	if len(r.Pipelines) > 0 && r.Pipelines[0].RecordsPerSec.Runs() > 0 {
		p := r.Pipelines[0]
		check(p.OfCeiling.Median() >= TargetOfCeiling, "end to end at %.0f%% of the ceiling (target ≥ %.0f%%)", p.OfCeiling.Median(), TargetOfCeiling)
		check(p.RecordsPerSec.Median() >= TargetRecordsPerSec, "end to end at %.0f records/s (target ≥ %.0f)", p.RecordsPerSec.Median(), TargetRecordsPerSec)
	}
	if n := len(r.Memory); n > 0 {
		first, last := r.Memory[0].PeakMB["cxhub"], r.Memory[n-1].PeakMB["cxhub"]
		if first != nil && last != nil {
			check(last.Max() <= TargetPeakMB, "cxhub peak RSS %.0f MB at %d records (target ≤ %.0f MB)", last.Max(), r.Memory[n-1].Records, TargetPeakMB)
			check(last.Median() <= first.Median()*1.25+10, "cxhub peak RSS flat: %.0f MB at %d records, %.0f MB at %d (target: within 25%% + 10 MB)",
				first.Median(), r.Memory[0].Records, last.Median(), r.Memory[n-1].Records)
		}
	}
	if v := r.Vendor; v != nil {
		check(v.OfMin.Median() <= TargetOfMin, "vendor-bound sync at %.0f%% of the theoretical minimum (target ≤ %.0f%%)", v.OfMin.Median(), TargetOfMin)
		check(v.TooManyPercent.Max() <= TargetTooMany, "vendor-bound sync: at most %.1f%% of requests answered 429 (target ≤ %.0f%%)", v.TooManyPercent.Max(), TargetTooMany)
	}
	if w := r.Webhook; w != nil {
		target := float64(TargetWebhookP99.Milliseconds())
		check(w.P99.Max() <= target, "webhook → destination p99 %.0f ms at %d deliveries/s (target ≤ %.0f ms)", w.P99.Max(), w.Rate, target)
	}
	r.customerTargets(check)
	r.twoWayTargets(check)
	return out
}
