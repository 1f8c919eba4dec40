// Package surveymonkey is the cxhub connector for SurveyMonkey (API v3): it
// reads surveys and their responses (the survey_response interactions of
// the customer model), writes contacts into a contact list (the audience of
// the next survey), and turns response_completed webhooks into response
// records. It is a Source, a Destination and a WebhookHandler, and builds to
// the plugin binary cxhub-connector-surveymonkey.
//
// Responses are read per survey from GET /surveys/{id}/responses/bulk in
// order of date_modified from a per-survey checkpoint ({"at": second, "ids":
// ids read at that second}), so that responses sharing a second are neither
// lost nor sent twice (read_responses.go explains the paging). Every record
// carries the questions' and answers' texts (from /surveys/{id}/details,
// fetched once per survey and run, only when it has a response to emit),
// the respondent's email, and, for a survey with an NPS or CSAT question,
// its score (score.go). Requests are
// paced by SurveyMonkey's per-minute headers; a spent daily quota ends the
// read cleanly at its last checkpoint (httpx.QuotaExhausted).
//
// The sandbox subpackage is a SurveyMonkey emulator for tests and the
// demo. README.md is the reference, and lists what of SurveyMonkey's API
// could not be confirmed. This package is not a general SurveyMonkey client:
// no survey editing, collectors, messages or rollups.
package surveymonkey
