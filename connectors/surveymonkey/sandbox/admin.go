package sandbox

import (
	"encoding/json"
	"net/http"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// adminPrefix is where this sandbox's own admin endpoints live.
const adminPrefix = kit.AdminPrefix + "surveymonkey/"

// routeAdmin adds the admin endpoints, for scripts and the demo:
//
//	POST touch    {"survey_id":"400000001","count":3}      the oldest count responses are edited now
//	POST add      {"survey_id":"400000001","count":2}      count new responses, now
//	POST respond  {"survey_id":"400000001","email":"a@x.com","first_name":"Ann","last_name":"Lee","choice":2,"comment":"..."}
//	POST quota    {"day_remaining":0}                      the day's quota left for every token
//	POST webhook  {"survey_id":"...","response_id":"..."}   a signed response_completed delivery: {"headers":{...},"body":"..."}
//	GET  contacts?list=500000001                            a contact list's contacts
func (s *Sandbox) routeAdmin(mux *http.ServeMux) {
	mux.HandleFunc("POST "+adminPrefix+"touch", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			SurveyID string `json:"survey_id"`
			Count    int    `json:"count"`
		}
		if !decode(w, r, &req) {
			return
		}
		var ids []string
		for _, x := range s.Responses(req.SurveyID) {
			if len(ids) < req.Count {
				ids = append(ids, x.ID)
			}
		}
		at, err := s.Touch(req.SurveyID, ids...)
		if err != nil || len(ids) < req.Count {
			kit.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "touch: not that many responses in survey " + req.SurveyID})
			return
		}
		kit.WriteJSON(w, http.StatusOK, map[string]any{"touched": ids, "date_modified": formatTime(at)})
	})
	mux.HandleFunc("POST "+adminPrefix+"add", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			SurveyID string `json:"survey_id"`
			Count    int    `json:"count"`
		}
		if !decode(w, r, &req) {
			return
		}
		added, err := s.Add(req.SurveyID, req.Count)
		if err != nil {
			kit.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		ids := make([]string, 0, len(added))
		for _, x := range added {
			ids = append(ids, x.ID)
		}
		kit.WriteJSON(w, http.StatusOK, map[string]any{"added": ids})
	})
	mux.HandleFunc("POST "+adminPrefix+"respond", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			SurveyID  string `json:"survey_id"`
			Email     string `json:"email"`
			FirstName string `json:"first_name"`
			LastName  string `json:"last_name"`
			Choice    int    `json:"choice"`
			Comment   string `json:"comment"`
		}
		if !decode(w, r, &req) {
			return
		}
		x, err := s.AddResponse(req.SurveyID, req.Email, req.FirstName, req.LastName, req.Choice, req.Comment)
		if err != nil {
			kit.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		kit.WriteJSON(w, http.StatusOK, map[string]any{"id": x.ID, "date_modified": formatTime(x.Modified)})
	})
	mux.HandleFunc("POST "+adminPrefix+"quota", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			DayRemaining *int `json:"day_remaining"`
		}
		if !decode(w, r, &req) || req.DayRemaining == nil {
			if req.DayRemaining == nil {
				kit.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": `want {"day_remaining": n}`})
			}
			return
		}
		s.SetDayRemaining(*req.DayRemaining)
		kit.WriteJSON(w, http.StatusOK, map[string]any{"day_remaining": *req.DayRemaining})
	})
	mux.HandleFunc("POST "+adminPrefix+"webhook", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			SurveyID   string `json:"survey_id"`
			ResponseID string `json:"response_id"`
		}
		if !decode(w, r, &req) {
			return
		}
		body, h, err := s.Delivery(req.SurveyID, req.ResponseID)
		if err != nil {
			kit.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		headers := map[string]string{}
		for k := range h {
			headers[k] = h.Get(k)
		}
		kit.WriteJSON(w, http.StatusOK, map[string]any{"headers": headers, "body": string(body)})
	})
	mux.HandleFunc("GET "+adminPrefix+"contacts", func(w http.ResponseWriter, r *http.Request) {
		out := []map[string]any{}
		for _, c := range s.Contacts(r.URL.Query().Get("list")) {
			out = append(out, map[string]any{"id": c.ID, "email": c.Email, "first_name": c.FirstName, "last_name": c.LastName})
		}
		kit.WriteJSON(w, http.StatusOK, map[string]any{"contacts": out})
	})
}

// decode reads a JSON admin request, answering 400 itself on failure.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		kit.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "admin request: " + err.Error()})
		return false
	}
	return true
}
