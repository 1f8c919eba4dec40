package sandbox

import (
	"net/http"
	"net/url"
	"strconv"
)

// baseURL is the API root as the client called it, for hrefs and links.
func baseURL(r *http.Request) string { return "http://" + r.Host + "/v3" }

// paging reads page and per_page (default 50, at most maxPer).
func paging(r *http.Request, maxPer int) (page, per int, msg string) {
	page, per = 1, 50
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, "Invalid value for page: " + v
		}
		page = n
	}
	if v := r.URL.Query().Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPer {
			return 0, 0, "Invalid value for per_page: " + v + " (1 to " + strconv.Itoa(maxPer) + ")"
		}
		per = n
	}
	return page, per, ""
}

// pageOf cuts items to one page and returns the body's list fields:
// per_page, page, total and links (next only when there is a next page).
func pageOf[T any](r *http.Request, path string, items []T, page, per int) ([]T, map[string]any) {
	from := min((page-1)*per, len(items))
	to := min(from+per, len(items))
	link := func(p int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(per))
		return baseURL(r) + path + "?" + q.Encode()
	}
	last := max(1, (len(items)+per-1)/per)
	links := map[string]any{"self": link(page), "last": link(last)}
	if to < len(items) {
		links["next"] = link(page + 1)
	}
	if page > 1 {
		links["prev"] = link(page - 1)
	}
	return items[from:to], map[string]any{"per_page": per, "page": page, "total": len(items), "links": links}
}

func (s *Sandbox) serveMe(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"id": "300000001", "username": "northwind-cx", "first_name": "Ops",
		"last_name": "Team", "email": "ops@northwind.example", "account_type": "enterprise", "language": "en"})
}

func (s *Sandbox) serveSurveys(w http.ResponseWriter, r *http.Request) {
	page, per, msg := paging(r, 1000)
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	s.mu.Lock()
	all := make([]map[string]any, 0, len(s.surveys))
	for _, sv := range s.surveys {
		all = append(all, map[string]any{"id": sv.ID, "title": sv.Title, "nickname": "", "href": baseURL(r) + "/surveys/" + sv.ID})
	}
	s.mu.Unlock()
	data, body := pageOf(r, "/surveys", all, page, per)
	body["data"] = data
	writeJSON(w, http.StatusOK, body)
}

// survey returns the survey with id; s.mu must be held.
func (s *Sandbox) survey(id string) *Survey {
	for _, sv := range s.surveys {
		if sv.ID == id {
			return sv
		}
	}
	return nil
}

// surveyOr404 returns the survey the path's {id} names, or answers 404
// as SurveyMonkey does and returns nil. s.mu is held.
func (s *Sandbox) surveyOr404(w http.ResponseWriter, r *http.Request) *Survey {
	sv := s.survey(r.PathValue("id"))
	if sv == nil {
		writeError(w, http.StatusNotFound, "There was an error retrieving the requested resource: survey "+url.PathEscape(r.PathValue("id")))
	}
	return sv
}

// serveSurvey shows one survey without its pages (GET /surveys/{id}).
func (s *Sandbox) serveSurvey(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.surveyOr404(w, r)
	if sv == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": sv.ID, "title": sv.Title, "nickname": "", "language": "en", "question_count": len(sv.Questions),
		"page_count": 1, "response_count": len(s.responses[sv.ID]), "date_created": formatTime(sv.Created),
		"date_modified": formatTime(sv.Modified), "href": baseURL(r) + "/surveys/" + sv.ID,
	})
}

func (s *Sandbox) serveDetails(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.surveyOr404(w, r)
	if sv == nil {
		return
	}
	questions := make([]map[string]any, 0, len(sv.Questions))
	for i, q := range sv.Questions {
		qj := map[string]any{"id": q.ID, "position": i + 1, "family": q.Family, "subtype": q.Subtype, "visible": true,
			"headings": []map[string]any{{"heading": q.Heading}}, "href": baseURL(r) + "/surveys/" + sv.ID + "/pages/" + sv.PageID + "/questions/" + q.ID}
		if len(q.Choices) > 0 {
			choices := make([]map[string]any, 0, len(q.Choices))
			for _, c := range q.Choices {
				choices = append(choices, map[string]any{"id": c.ID, "text": c.Text, "position": c.Position, "visible": true})
			}
			qj["answers"] = map[string]any{"choices": choices}
		}
		questions = append(questions, qj)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": sv.ID, "title": sv.Title, "nickname": "", "language": "en", "question_count": len(sv.Questions),
		"page_count": 1, "response_count": len(s.responses[sv.ID]), "date_created": formatTime(sv.Created),
		"date_modified": formatTime(sv.Modified), "href": baseURL(r) + "/surveys/" + sv.ID,
		"pages": []map[string]any{{"id": sv.PageID, "position": 1, "title": "", "question_count": len(sv.Questions), "questions": questions}},
	})
}
