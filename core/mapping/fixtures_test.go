package mapping

import (
	"encoding/json"
	"testing"
)

// customer is a realistic HubSpot-style contact, about 450 bytes, with every
// property sent as a string the way HubSpot does.
const customer = `{"id":"51","properties":{"email":"ada.lovelace@example.com","firstname":"Ada","lastname":"Lovelace","phone":"+44 20 7946 0958","company":"Analytical Engines Ltd","lifecyclestage":"customer","hs_lead_status":"OPEN","score":"9","createdate":"2024-03-01T09:30:00.000Z","lastmodifieddate":"2025-01-15T17:45:12.345Z"},"createdAt":"2024-03-01T09:30:00.000Z","updatedAt":"2025-01-15T17:45:12.345Z","archived":false,"tags":["vip","newsletter"],"address":{"city":"London","country":"GB"}}`

// customerFields is a typical map: a path, a template, nested fields, a
// constant.
var customerFields = []Field{
	{Name: "email", Expr: "properties.email"},
	{Name: "name", Expr: "{{properties.firstname}} {{properties.lastname}}"},
	{Name: "external_id", Expr: "id"},
	{Name: "user_fields.phone", Expr: "properties.phone"},
	{Name: "role", Const: json.RawMessage(`"end-user"`)},
}

// checkJSON fails the test unless b is valid JSON for encoding/json, which is
// what the destination side decodes with.
func checkJSON(t testing.TB, b []byte) {
	t.Helper()
	if !json.Valid(b) {
		t.Fatalf("output is not valid JSON: %s", b)
	}
}
