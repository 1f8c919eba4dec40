package surveymonkey

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.1.0"

// The streams' names.
const (
	streamSurveys   = "surveys"
	streamResponses = "responses"
	streamContacts  = "contacts"
)

const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "surveymonkey connector",
  "type": "object",
  "additionalProperties": false,
  "required": ["token"],
  "properties": {
    "token": {"type": "string", "minLength": 1, "secret": true,
      "description": "Access token of the SurveyMonkey app, sent as a Bearer token. Scopes: surveys_read, responses_read_detail, contacts_read and contacts_write (to write contacts)."},
    "base_url": {"type": "string", "pattern": "^https?://", "default": "https://api.surveymonkey.com/v3",
      "description": "Root of the SurveyMonkey API (/v3 is added when missing). Change it only for a sandbox, a proxy or another data centre (api.eu.surveymonkey.com)."},
    "survey_ids": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": true,
      "description": "The surveys to read. Empty (the default): every survey the token can see, listed at each read."},
    "nps_questions": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": true,
      "description": "Question ids whose answer is an NPS score (0 to 10). Without it, a question whose choices are exactly 0 to 10 is taken for NPS."},
    "csat_questions": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": true,
      "description": "Question ids whose answer is a CSAT score: the chosen choice's position (1 to the number of choices). Without it, a closed question with 3 to 7 choices whose heading asks how satisfied is taken for CSAT."},
    "contact_list_id": {"type": "string",
      "description": "The contact list that writes of the contacts stream add to (the audience of the next survey). Needed only to write."},
    "api_key": {"type": "string", "secret": true, "description": "The app's API key (client id), which SurveyMonkey sends in Sm-Apikey with webhooks. Needed only to receive webhooks."},
    "api_secret": {"type": "string", "secret": true,
      "description": "The app's secret: with api_key it makes the key that signs webhooks (Sm-Signature). Needed only to receive webhooks."},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100,
      "description": "Responses per request of the bulk endpoint (SurveyMonkey allows 100)."},
    "start_modified_at": {"type": "string", "format": "date-time",
      "description": "Optional: a first read starts at responses modified at or after this time (RFC 3339) instead of the beginning."},
    "requests_per_minute": {"type": "integer", "minimum": 1, "default": 120,
      "description": "Pace of requests until SurveyMonkey's X-Ratelimit-App-Global-Minute headers say the real limit (120 for draft apps)."},
    "max_retries": {"type": "integer", "minimum": -1, "maximum": 20, "default": 0,
      "description": "Retries of a failed request (5xx, dropped connection, 429) before the call fails; 0 means the SDK's default (4), -1 none."}
  }
}`

// Spec describes the connector.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:    "surveymonkey",
		Version: Version,
		Kind:    sdk.Survey,
		Description: "SurveyMonkey: surveys, their responses (with question and answer texts, the respondent's email, " +
			"and NPS or CSAT scores), read incrementally by date_modified per survey; contacts written into a contact list; " +
			"response_completed webhooks become response records. A spent daily quota ends a read cleanly at its checkpoint.",
		ConfigSchema: configSchema,
		Streams: []sdk.StreamSpec{
			{
				Name:         streamSurveys,
				Description:  "The surveys read (survey_ids, or all): id, title, counts, dates and their questions with family, subtype and score_kind. A full read each time.",
				Canonical:    sdk.CanonicalOther,
				PrimaryKey:   []string{"id"},
				Capabilities: sdk.Capabilities{Read: true},
			},
			{
				Name: streamResponses,
				Description: "Survey responses: id, survey_id, survey_title, response_status, dates, email/first_name/last_name of the " +
					"respondent, answers [{question_id, question, answer}], comment (the first free-text answer), and for a survey " +
					"with an NPS or CSAT question score, score_kind (nps|csat), score_question and, for NPS, nps_category " +
					"(promoter|passive|detractor). Incremental by date_modified, per survey.",
				Canonical:       sdk.CanonicalInteraction,
				InteractionKind: "survey_response",
				PrimaryKey:      []string{"id"},
				CursorField:     "date_modified",
				Capabilities:    sdk.Capabilities{Read: true, IncrementalRead: true, Webhook: true},
				CanonicalFields: map[string]string{
					"customer_email": "email", "occurred_at": "date_modified", "summary": "comment", "score": "score",
					"status": "response_status", "updated_at": "date_modified",
				},
			},
			{
				Name: streamContacts,
				Description: "Contacts added to the contact list contact_list_id: email (required), first_name, last_name, " +
					"custom_fields. An email the list holds already is not added again; an invalid one fails with SurveyMonkey's reason.",
				Canonical:    sdk.CanonicalCustomer,
				PrimaryKey:   []string{"email"},
				Capabilities: sdk.Capabilities{Write: true},
				CanonicalFields: map[string]string{
					"email": "email", "first_name": "first_name", "last_name": "last_name",
				},
			},
		},
	}
}
