// Package sandbox is a local emulator of the SurveyMonkey API v3 for tests
// and the demo: surveys (GET /surveys, /surveys/{id}) with their details (an NPS survey, a CSAT survey
// and a plain one), their responses through GET
// /surveys/{id}/responses/bulk (page and per_page, start_modified_at,
// sort_by=date_modified, links.next), single responses, contact lists and
// POST /contact_lists/{id}/contacts/bulk, Bearer auth, the
// X-Ratelimit-App-Global-Minute-* and -Day-* headers with SurveyMonkey's
// 429 body when either limit is spent, and signed response_completed
// webhook deliveries.
//
// Respondents are seeded from the shared population (sdk/sandbox People),
// so the people who answer surveys are the HubSpot sandbox's contacts and,
// for many, the Zendesk sandbox's users. Several responses share each
// date_modified second, as real traffic does, so that readers are tested
// on ties. Edits (Go methods and POST /_sandbox/surveymonkey/...) change
// responses for incremental tests; the kit (sdk/sandbox) injects faults.
//
// It is not a general SurveyMonkey emulator: no survey editing, collectors,
// messages or rollups.
package sandbox
