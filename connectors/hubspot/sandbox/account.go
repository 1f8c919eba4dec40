package sandbox

import (
	"net/http"
	"strings"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// serveAccount answers GET /account-info/v3/details.
func (s *Sandbox) serveAccount(w http.ResponseWriter, _ *http.Request) {
	kit.WriteJSON(w, http.StatusOK, map[string]any{
		"portalId": s.opts.PortalID, "accountType": "STANDARD", "timeZone": "Europe/London",
		"companyCurrency": "EUR", "additionalCurrencies": []string{}, "utcOffset": "+00:00",
		"utcOffsetMilliseconds": 0, "uiDomain": "app.hubspot.com", "dataHostingLocation": "eu1",
	})
}

// serveProperty answers GET /crm/v3/properties/{type}/{name}: the
// definition of one property, 404 if the type has none of that name.
func (s *Sandbox) serveProperty(w http.ResponseWriter, r *http.Request) {
	t, ok := s.objectType(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	if !t.has(name) {
		s.fail(w, http.StatusNotFound, catNotFound, "Unable to find property %s for object type %s", name, t.name)
		return
	}
	typ, field := "string", "text"
	switch t.kindOf(name) {
	case number:
		typ, field = "number", "number"
	case datetime:
		typ, field = "datetime", "date"
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{
		"name": name, "label": strings.ReplaceAll(name, "_", " "), "type": typ, "fieldType": field,
		"groupName": strings.TrimSuffix(t.name, "s") + "information", "hasUniqueValue": t.isUnique(name),
		"hidden": false, "formField": false, "archived": false,
		"modificationMetadata": map[string]bool{"archivable": true, "readOnlyDefinition": !strings.HasPrefix(name, "cxhub_"),
			"readOnlyValue": t.isReadOnly(name)},
	})
}
