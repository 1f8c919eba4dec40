package surveymonkey

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.3.0" // 0.3.0: response_deleted webhooks give deletes; 0.2.1: Check and reads name survey_ids on an unknown survey; /details only for a survey with something to emit; 0.2.0: base_url over plain http only to a loopback host

// The streams' names.
const (
	streamSurveys   = "surveys"
	streamResponses = "responses"
	streamContacts  = "contacts"
)

// Spec describes the connector.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:    "surveymonkey",
		Version: Version,
		Kind:    sdk.Survey,
		Description: "SurveyMonkey: surveys, their responses (with question and answer texts, the respondent's email, " +
			"and NPS or CSAT scores), read incrementally by date_modified per survey; contacts written into a contact list; " +
			"response_completed webhooks become response records. A spent daily quota ends a read cleanly at its checkpoint.",
		ConfigSchema: sdk.ConfigSchemaOf[config](),
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
