package sandbox

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// objectJSON is an object as HubSpot's v3 APIs answer it.
type objectJSON struct {
	ID                 string               `json:"id"`
	Properties         map[string]*string   `json:"properties"`
	CreatedAt          string               `json:"createdAt"`
	UpdatedAt          string               `json:"updatedAt"`
	Archived           bool                 `json:"archived"`
	ArchivedAt         string               `json:"archivedAt,omitempty"`
	Associations       map[string]assocPage `json:"associations,omitempty"`
	New                *bool                `json:"new,omitempty"`
	ObjectWriteTraceID string               `json:"objectWriteTraceId,omitempty"`
}

// assocPage lists an object's associations of one type, as the list and
// read endpoints answer with ?associations=.
type assocPage struct {
	Results []assocRef `json:"results"`
}

type assocRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// render returns o with the properties asked for: the type's defaults when
// none are named, else the named ones that exist (null when unset) and the
// id and dates, which HubSpot always returns.
func render(t *objectType, o *crmObject, props []string) objectJSON {
	names := t.defaults
	if len(props) > 0 {
		names = append([]string{"hs_object_id", t.created, t.modified}, props...)
	}
	out := objectJSON{ID: strconv.FormatInt(o.id, 10), Properties: map[string]*string{},
		CreatedAt: formatTime(o.created), UpdatedAt: formatTime(o.updated)}
	if !o.archivedAt.IsZero() {
		out.Archived, out.ArchivedAt = true, formatTime(o.archivedAt)
	}
	for _, p := range names {
		if !t.has(p) {
			continue
		}
		if v, ok := o.props[p]; ok {
			out.Properties[p] = &v
		} else {
			out.Properties[p] = nil
		}
	}
	return out
}

// withAssociations adds o's associations of the asked types (only notes
// to contacts exist in the sandbox).
func (j *objectJSON) withAssociations(t *objectType, o *crmObject, types []string) {
	if t.name != "notes" || !slices.Contains(types, "contacts") || len(o.contacts) == 0 {
		return
	}
	page := assocPage{}
	for _, c := range o.contacts {
		page.Results = append(page.Results, assocRef{ID: strconv.FormatInt(c, 10), Type: "note_to_contact"})
	}
	j.Associations = map[string]assocPage{"contacts": page}
}

// listParam returns the values of a list parameter, given repeated
// (properties=a&properties=b) or comma-separated (properties=a,b).
func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// encodeAfter writes a list cursor as HubSpot's look: the base64 of the
// last id and a newline, URL-escaped ("NTI1Cg%3D%3D").
func encodeAfter(id int64) string {
	return url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10) + "\n")))
}

// decodeAfter reads a list cursor, escaped or not; a plain number is
// accepted too.
func decodeAfter(after string) (int64, bool) {
	if unescaped, err := url.PathUnescape(after); err == nil {
		after = unescaped
	}
	if n, err := strconv.ParseInt(after, 10, 64); err == nil {
		return n, true
	}
	raw, err := base64.StdEncoding.DecodeString(after)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	return n, err == nil
}
