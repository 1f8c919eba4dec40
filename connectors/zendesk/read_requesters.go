package zendesk

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/gjson"
)

// withRequesters adds to each ticket of an export page its requester,
// side-loaded by include=users, as "requester": {"id", "email", "name"}, so
// that a pipeline can reach a ticket's requester by email. A ticket whose
// requester was not side-loaded is left as it is.
func withRequesters(tickets []gjson.Result, users gjson.Result) []gjson.Result {
	byID := map[int64]gjson.Result{}
	for _, u := range users.Array() {
		byID[u.Get("id").Int()] = u
	}
	if len(byID) == 0 {
		return tickets
	}
	out := make([]gjson.Result, len(tickets))
	for i, t := range tickets {
		out[i] = t
		u, ok := byID[t.Get("requester_id").Int()]
		if !ok || !t.IsObject() || t.Get("requester").Exists() {
			continue
		}
		req, err := json.Marshal(map[string]any{"id": u.Get("id").Int(), "email": u.Get("email").String(), "name": u.Get("name").String()})
		if err != nil {
			continue
		}
		raw := `{"requester":` + string(req)
		if rest := strings.TrimLeft(t.Raw[1:], " \t\r\n"); strings.HasPrefix(rest, "}") {
			raw += rest
		} else {
			raw += "," + rest
		}
		out[i] = gjson.Parse(raw)
	}
	return out
}
