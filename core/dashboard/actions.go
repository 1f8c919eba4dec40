package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// pipelineAction is trigger, pause or resume of one pipeline.
func (d *Dashboard) pipelineAction(w http.ResponseWriter, r *http.Request, v *viewer) {
	name := r.PathValue("name")
	back := "/ui/pipelines/" + url.PathEscape(name)
	var err error
	var done string
	switch r.PathValue("action") {
	case "trigger":
		err, done = d.backend.Trigger(r.Context(), name), "Sync of "+name+" requested: it runs after any run in flight."
	case "pause":
		err, done = d.backend.SetPaused(r.Context(), name, true), name+" is paused: no scheduled run starts until it is resumed."
	case "resume":
		err, done = d.backend.SetPaused(r.Context(), name, false), name+" is resumed."
	default:
		d.errorPage(w, r, v, http.StatusNotFound, "No such action: "+r.PathValue("action"))
		return
	}
	if err != nil {
		status := backendStatus(err)
		if status == http.StatusInternalServerError {
			d.log.Error("dashboard action failed", "path", r.URL.Path, "error", err)
		}
		if status == http.StatusNotFound {
			d.errorPage(w, r, v, status, err.Error())
			return
		}
		d.done(w, r, v, back, flash{Message: err.Error()})
		return
	}
	if next := r.PostFormValue("back"); next == "overview" {
		back = "/"
	}
	d.done(w, r, v, back, flash{OK: true, Message: done})
}

// formIDs reads the selected dead letters' ids (fields "id"), each once.
func formIDs(r *http.Request) ([]int64, error) {
	if err := r.ParseForm(); err != nil {
		return nil, fmt.Errorf("read form: %w", err)
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("id: expected a positive number, got %q", v)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// deadLetterAction replays or discards the selected dead letters. A
// replay goes pipeline by pipeline, each through its pipeline's worker.
// Before either, every id goes through the checks the API makes
// (Backend.CheckDeadLetters): if any is refused — no dead letter has it,
// it is no longer pending, or, on a page filtered to one pipeline, it is
// another pipeline's — nothing is done and the page says which and why.
func (d *Dashboard) deadLetterAction(w http.ResponseWriter, r *http.Request, v *viewer) {
	action := r.PathValue("action")
	if action != "replay" && action != "discard" {
		d.errorPage(w, r, v, http.StatusNotFound, "No such action: "+action)
		return
	}
	ids, err := formIDs(r)
	if err != nil {
		d.errorPage(w, r, v, http.StatusBadRequest, err.Error())
		return
	}
	back := "/ui/dead-letters"
	pipeline := "" // the page's pipeline filter, which a replay keeps to
	if q := r.PostFormValue("query"); q != "" {
		if vals, err := url.ParseQuery(q); err == nil {
			back += "?" + q
			if action == "replay" {
				pipeline = vals.Get("pipeline")
			}
		}
	}
	if len(ids) == 0 {
		d.done(w, r, v, back, flash{Message: "Nothing selected: tick the dead letters to act on."})
		return
	}
	ctx := r.Context()
	refused, err := d.backend.CheckDeadLetters(ctx, pipeline, ids)
	if err != nil {
		d.fail(w, r, v, err)
		return
	}
	if len(refused) > 0 {
		why := make([]string, len(refused))
		for i, rf := range refused {
			why[i] = rf.Why
		}
		verb := map[string]string{"replay": "replayed", "discard": "discarded"}[action]
		scope := ""
		if pipeline != "" {
			scope = " through " + pipeline
		}
		d.done(w, r, v, back, flash{Message: fmt.Sprintf("Nothing was %s: %d of the %d selected dead letters cannot be %s%s (%s). "+
			"The page shows them as they are now: select again and retry.", verb, len(refused), len(ids), verb, scope, strings.Join(why, "; "))})
		return
	}
	switch action {
	case "discard":
		n, err := d.backend.Discard(ctx, ids)
		if err != nil {
			d.fail(w, r, v, err)
			return
		}
		d.done(w, r, v, back, flash{OK: n == int64(len(ids)), Message: fmt.Sprintf("Discarded %d of %d selected dead letters.", n, len(ids))})
	case "replay":
		dls, err := d.backend.DeadLetters(ctx, DeadLetterFilter{IDs: ids})
		if err != nil {
			d.fail(w, r, v, err)
			return
		}
		byPipeline := map[string][]int64{}
		for _, dl := range dls {
			byPipeline[dl.Pipeline] = append(byPipeline[dl.Pipeline], dl.ID)
		}
		var parts []string
		ok := len(dls) == len(ids)
		if !ok {
			parts = append(parts, fmt.Sprintf("%d of the selected dead letters no longer exist.", len(ids)-len(dls)))
		}
		pipelines := make([]string, 0, len(byPipeline))
		for p := range byPipeline {
			pipelines = append(pipelines, p)
		}
		slices.Sort(pipelines)
		for _, p := range pipelines {
			res, err := d.backend.Replay(ctx, p, byPipeline[p])
			if err != nil {
				ok = false
				parts = append(parts, fmt.Sprintf("Replay of %s not done: %v.", p, err))
				continue
			}
			c := res.Counts
			msg := fmt.Sprintf("Replay of %d from %s (run %d): %s: written %d, dead-lettered again %d.",
				len(byPipeline[p]), p, res.RunID, res.Status, c.Written, c.DeadLettered)
			if res.Error != "" {
				msg += " " + res.Error
			}
			if res.Error != "" || c.DeadLettered > 0 || c.Written == 0 {
				ok = false
			}
			parts = append(parts, msg)
		}
		d.done(w, r, v, back, flash{OK: ok, Message: strings.Join(parts, " ")})
	}
}
