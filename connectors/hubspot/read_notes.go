package hubspot

import (
	"context"
	"encoding/json"

	"github.com/cxhub/cxhub/sdk/httpx"
)

// notesContacts returns the enrich function of the notes stream: the
// search endpoint answers without associations, so they are read for each
// page with POST /crm/v4/associations/notes/contacts/batch/read, and given
// as the value of each note's "associations", as the list endpoint shows
// them: {"contacts":{"results":[{"id":"1001","type":"note_to_contact"}]}}.
// A note without contacts gets no associations member (HubSpot reports it
// among the answer's errors, which are therefore not failures).
func notesContacts(client *httpx.Client) func(ctx context.Context, ids []string) (map[string][]byte, error) {
	return func(ctx context.Context, ids []string) (map[string][]byte, error) {
		inputs := make([]map[string]string, len(ids))
		for i, id := range ids {
			inputs[i] = map[string]string{"id": id}
		}
		resp, err := client.Do(ctx, &httpx.Request{Method: "POST", Path: "/crm/v4/associations/notes/contacts/batch/read",
			Body: map[string]any{"inputs": inputs}, Idempotent: true})
		if err != nil {
			return nil, err
		}
		type ref struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		}
		out := map[string][]byte{}
		for _, r := range resp.Get("results").Array() {
			refs := []ref{}
			for _, to := range r.Get("to").Array() {
				refs = append(refs, ref{ID: to.Get("toObjectId").String(), Type: "note_to_contact"})
			}
			member := map[string]map[string][]ref{"contacts": {"results": refs}}
			b, err := json.Marshal(member)
			if err != nil {
				return nil, err
			}
			out[r.Get("from.id").String()] = b
		}
		return out, nil
	}
}
