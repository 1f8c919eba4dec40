package sandbox_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	"github.com/tidwall/gjson"
)

// A sandbox with three NPS responses, read two at a time from the bulk
// endpoint as SurveyMonkey serves it, with its rate-limit headers.
func Example() {
	sb, err := sandbox.New(sandbox.Options{Seed: 1, NPSResponses: 3, CSATResponses: -1, PlainResponses: -1})
	if err != nil {
		panic(err)
	}
	srv, err := sb.Start("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v3/surveys/"+sandbox.NPSSurveyID+
		"/responses/bulk?per_page=2&sort_by=date_modified&sort_order=ASC", nil)
	req.Header.Set("Authorization", "Bearer "+sandbox.DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println("status:", resp.StatusCode)
	fmt.Println("total:", gjson.GetBytes(body, "total"), "on this page:", gjson.GetBytes(body, "data.#"))
	fmt.Println("next page:", gjson.GetBytes(body, "links.next").String() != "")
	fmt.Println("per minute:", resp.Header.Get(sandbox.MinuteLimitHeader), "per day:", resp.Header.Get(sandbox.DayLimitHeader))
	// Output:
	// status: 200
	// total: 3 on this page: 2
	// next page: true
	// per minute: 120 per day: 500
}
