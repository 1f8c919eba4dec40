package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// render writes a response as the API shows it; simple adds the question
// headings and the answers' texts, as simple=true does.
func (s *Sandbox) render(r *http.Request, sv *Survey, x *Response, simple bool) map[string]any {
	questions := []map[string]any{}
	for _, q := range sv.Questions {
		var answers []map[string]any
		for _, a := range x.Answers {
			if a.QuestionID != q.ID {
				continue
			}
			aj := map[string]any{}
			if a.ChoiceID != "" {
				aj["choice_id"] = a.ChoiceID
				if c, ok := q.choice(a.ChoiceID); ok && simple {
					aj["simple_text"] = c.Text
				}
			} else {
				aj["text"] = a.Text
				if simple {
					aj["simple_text"] = a.Text
				}
			}
			answers = append(answers, aj)
		}
		if len(answers) == 0 {
			continue
		}
		qj := map[string]any{"id": q.ID, "answers": answers}
		if simple {
			qj["heading"] = q.Heading
			qj["family"], qj["subtype"] = q.Family, q.Subtype
		}
		questions = append(questions, qj)
	}
	metadata := map[string]any{}
	if x.Email != "" {
		metadata["contact"] = map[string]any{
			"email":      map[string]any{"type": "string", "value": x.Email},
			"first_name": map[string]any{"type": "string", "value": x.FirstName},
			"last_name":  map[string]any{"type": "string", "value": x.LastName},
		}
	}
	href := baseURL(r) + "/surveys/" + sv.ID + "/responses/" + x.ID
	return map[string]any{
		"id": x.ID, "recipient_id": "", "collection_mode": "default", "response_status": x.Status,
		"custom_value": "", "first_name": x.FirstName, "last_name": x.LastName, "email_address": x.Email,
		"ip_address": "192.0.2.10", "logic_path": map[string]any{}, "metadata": metadata, "page_path": []string{},
		"collector_id": x.CollectorID, "survey_id": sv.ID, "custom_variables": x.CustomVariables,
		"edit_url": "https://www.surveymonkey.com/r/?sm=" + x.ID, "analyze_url": "https://www.surveymonkey.com/analyze/browse/" + sv.ID + "?respondent_id=" + x.ID,
		"total_time": int(x.Modified.Sub(x.Created).Seconds()), "date_modified": formatTime(x.Modified),
		"date_created": formatTime(x.Created), "href": href,
		"pages": []map[string]any{{"id": sv.PageID, "questions": questions}},
	}
}

// parseQueryTime reads start_modified_at and the like: YYYY-MM-DDTHH:MM:SS,
// in UTC unless an offset is given.
func parseQueryTime(v string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05", time.RFC3339, timeLayout} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// serveBulk lists a survey's responses with their answers. Filters:
// start_modified_at and end_modified_at (inclusive, to the second),
// sort_by=date_modified with sort_order ASC or DESC (responses sharing a
// second keep their order by id), page and per_page (at most 100).
func (s *Sandbox) serveBulk(w http.ResponseWriter, r *http.Request) {
	page, per, msg := paging(r, 100)
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	q := r.URL.Query()
	var from, to time.Time
	for name, dst := range map[string]*time.Time{"start_modified_at": &from, "end_modified_at": &to} {
		if v := q.Get(name); v != "" {
			t, ok := parseQueryTime(v)
			if !ok {
				writeError(w, http.StatusBadRequest, "Invalid value for "+name+": "+v+" (want YYYY-MM-DDTHH:MM:SS)")
				return
			}
			*dst = t
		}
	}
	if sb := q.Get("sort_by"); sb != "" && sb != "date_modified" {
		writeError(w, http.StatusBadRequest, "Invalid value for sort_by: "+sb)
		return
	}
	desc := strings.EqualFold(q.Get("sort_order"), "DESC")
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.survey(r.PathValue("id"))
	if sv == nil {
		writeError(w, http.StatusNotFound, "There was an error retrieving the requested resource: survey "+r.PathValue("id"))
		return
	}
	matching := []*Response{}
	for _, x := range s.responses[sv.ID] {
		if (!from.IsZero() && x.Modified.Before(from)) || (!to.IsZero() && x.Modified.After(to)) {
			continue
		}
		matching = append(matching, x)
	}
	slices.SortStableFunc(matching, func(a, b *Response) int {
		c := a.Modified.Compare(b.Modified)
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if desc {
			return -c
		}
		return c
	})
	items, body := pageOf(r, "/surveys/"+sv.ID+"/responses/bulk", matching, page, per)
	data := make([]map[string]any, 0, len(items))
	simple := q.Get("simple") == "true"
	for _, x := range items {
		data = append(data, s.render(r, sv, x, simple))
	}
	body["data"] = data
	writeJSON(w, http.StatusOK, body)
}

// serveResponse shows one response with its answers.
func (s *Sandbox) serveResponse(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.survey(r.PathValue("id"))
	if sv != nil {
		for _, x := range s.responses[sv.ID] {
			if x.ID == r.PathValue("rid") {
				writeJSON(w, http.StatusOK, s.render(r, sv, x, r.URL.Query().Get("simple") == "true"))
				return
			}
		}
	}
	writeError(w, http.StatusNotFound, "There was an error retrieving the requested resource: response "+r.PathValue("rid"))
}
