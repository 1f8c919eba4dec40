package sandbox

import (
	"encoding/json"
	"net/http"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// AdminPath is where the HubSpot sandbox's own admin endpoints live:
//
//	POST /_sandbox/hubspot/touch   {"object":"contacts","ids":["1001"]} or {"object":"contacts","count":10}
//	POST /_sandbox/hubspot/add     {"object":"contacts","count":10}
//	POST /_sandbox/hubspot/update  {"object":"contacts","id":"1001","properties":{"firstname":"Ada"}}
//	GET  /_sandbox/hubspot/objects/{object}[?property=email&value=a@x.com]
//	POST /_sandbox/hubspot/webhook {"url":"http://127.0.0.1:8080/hooks/hubspot","object":"contacts","ids":["1001"]}
//	GET  /_sandbox/hubspot/limits  the rate limits in force (Limits)
//
// The shared ones (stats, faults, fail-next) are under /_sandbox/.
const AdminPath = kit.AdminPrefix + "hubspot/"

// adminEdit is the body of the admin edits.
type adminEdit struct {
	Object     string            `json:"object"`
	IDs        []string          `json:"ids"`
	ID         string            `json:"id"`
	Count      int               `json:"count"`
	Properties map[string]string `json:"properties"`
	URL        string            `json:"url"`
}

// Limits are the sandbox's rate limits, as GET AdminPath+"limits" answers
// them: for a client (the bench) that compares a run with its minimum.
type Limits struct {
	// RateLimit requests per RateIntervalMS are allowed per token, rolling.
	RateLimit      int   `json:"rate_limit"`
	RateIntervalMS int64 `json:"rate_interval_ms"`
	// SearchLimit search requests per SearchIntervalMS.
	SearchLimit      int   `json:"search_limit"`
	SearchIntervalMS int64 `json:"search_interval_ms"`
	DailyLimit       int   `json:"daily_limit"`
	// Off is true when the rolling limits are off (Options.NoRateLimit).
	Off bool `json:"off"`
}

func (s *Sandbox) routeAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET "+AdminPath+"limits", func(w http.ResponseWriter, _ *http.Request) {
		o := s.opts
		kit.WriteJSON(w, http.StatusOK, Limits{
			RateLimit: o.RateLimit, RateIntervalMS: o.RateInterval.Milliseconds(),
			SearchLimit: o.SearchLimit, SearchIntervalMS: o.SearchInterval.Milliseconds(),
			DailyLimit: o.DailyLimit, Off: o.NoRateLimit,
		})
	})
	edit := func(path string, f func(adminEdit) (any, error)) {
		mux.HandleFunc("POST "+AdminPath+path, func(w http.ResponseWriter, r *http.Request) {
			var e adminEdit
			dec := json.NewDecoder(r.Body)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil {
				kit.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": path + ": " + err.Error()})
				return
			}
			out, err := f(e)
			if err != nil {
				kit.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			kit.WriteJSON(w, http.StatusOK, out)
		})
	}
	edit("touch", func(e adminEdit) (any, error) {
		if len(e.IDs) == 0 {
			ids, at, err := s.TouchOldest(e.Object, e.Count)
			return map[string]any{"ids": ids, "modified": formatTime(at)}, err
		}
		at, err := s.Touch(e.Object, e.IDs...)
		return map[string]any{"ids": e.IDs, "modified": formatTime(at)}, err
	})
	edit("add", func(e adminEdit) (any, error) {
		ids, err := s.Add(e.Object, e.Count)
		return map[string]any{"ids": ids}, err
	})
	edit("update", func(e adminEdit) (any, error) {
		at, err := s.Update(e.Object, e.ID, e.Properties)
		return map[string]any{"id": e.ID, "modified": formatTime(at)}, err
	})
	mux.HandleFunc("POST "+AdminPath+"webhook", func(w http.ResponseWriter, r *http.Request) {
		var e adminEdit
		if err := json.NewDecoder(r.Body).Decode(&e); err != nil {
			kit.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "webhook: " + err.Error()})
			return
		}
		events, err := s.Events(e.Object, e.IDs...)
		if err == nil {
			var status int
			status, err = s.Deliver(r.Context(), e.URL, events)
			if err == nil {
				kit.WriteJSON(w, http.StatusOK, map[string]any{"status": status, "events": len(events)})
				return
			}
		}
		kit.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	})
	mux.HandleFunc("GET "+AdminPath+"objects/{object}", func(w http.ResponseWriter, r *http.Request) {
		object, q := r.PathValue("object"), r.URL.Query()
		var objs []Object
		if p := q.Get("property"); p != "" {
			objs = s.Find(object, p, q.Get("value"))
		} else {
			objs = s.Objects(object)
		}
		if objs == nil {
			objs = []Object{}
		}
		kit.WriteJSON(w, http.StatusOK, map[string]any{"total": len(objs), "results": objs})
	})
}
