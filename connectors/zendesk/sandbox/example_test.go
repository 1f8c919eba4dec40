package sandbox_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/tidwall/gjson"
)

// Start a small sandbox and call it as a Zendesk client would.
func ExampleNew() {
	sb, err := sandbox.New(sandbox.Options{Seed: 1, Users: 20, Tickets: 30})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := sb.Start("127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/api/v2/incremental/tickets/cursor.json?start_time=0", nil)
	req.SetBasicAuth(sandbox.DefaultEmail+"/token", sandbox.DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Status, resp.Header.Get("X-Rate-Limit"))
	fmt.Println(len(gjson.GetBytes(body, "tickets").Array()), "tickets, end of stream:", gjson.GetBytes(body, "end_of_stream"))
	// Output:
	// 200 OK 700
	// 30 tickets, end of stream: true
}

// Seeded users are shared with the HubSpot sandbox, their emails spelled
// differently.
func ExampleSandbox_UsersByEmail() {
	sb, _ := sandbox.New(sandbox.Options{Seed: 1, Users: 10, Tickets: -1})
	for _, u := range sb.Users()[5:10] { // after the 5 agents
		same := sb.UsersByEmail(strings.ToLower(strings.TrimSpace(u.Email)))
		fmt.Printf("%q found by its lower-case email: %v\n", u.Email, len(same) == 1)
	}
	// Output:
	// "margaret.thompson.0@northwind.example" found by its lower-case email: true
	// "jean.turing.5001@woodgrove.example" found by its lower-case email: true
	// "Joan.lovelace.2@Fourthcoffee.example" found by its lower-case email: true
	// "shafi.borg.5003@blueyonder.example" found by its lower-case email: true
	// "  guido.lamport.4@wideworld.example " found by its lower-case email: true
}
