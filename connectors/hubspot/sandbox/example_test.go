package sandbox_test

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/tidwall/gjson"
)

// A sandbox serves HubSpot's API on the loopback: list two contacts as a
// client would.
func Example() {
	sb, err := sandbox.New(sandbox.Options{Seed: 1, Contacts: 3, Companies: 1, Notes: 1,
		Now: func() time.Time { return time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		panic(err)
	}
	srv, err := sb.Start("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/crm/v3/objects/contacts?limit=2&properties=email", nil)
	req.Header.Set("Authorization", "Bearer "+sandbox.DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, c := range gjson.GetBytes(body, "results").Array() {
		fmt.Println(c.Get("id"), c.Get("properties.email"))
	}
	fmt.Println("more:", gjson.GetBytes(body, "paging.next.after").Exists())
	fmt.Println("remaining in the window:", resp.Header.Get("X-HubSpot-RateLimit-Remaining"))
	// Output:
	// 1001 margaret.thompson.0@northwind.example
	// 1002 jean.stroustrup.1@contoso.example
	// more: true
	// remaining in the window: 99
}
