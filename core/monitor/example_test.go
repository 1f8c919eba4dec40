package monitor_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/cxhub/cxhub/core/monitor"
)

// A receiver written in Go checks each notification with Verify before it
// trusts it: the raw body as received, the request's headers, its clock.
func ExampleVerify() {
	secret := "my-receiver-secret"
	body := []byte(`{"version":1}`)
	header := http.Header{}
	header.Set(monitor.HeaderTimestamp, "1796612400")
	header.Set(monitor.HeaderSignature, monitor.Sign(secret, "1796612400", body))
	fmt.Println(header.Get(monitor.HeaderSignature))

	now := time.Unix(1796612400, 0).Add(30 * time.Second)
	fmt.Println(monitor.Verify(secret, header, body, now))
	fmt.Println(monitor.Verify(secret, header, []byte(`{"version":2}`), now))
	fmt.Println(monitor.Verify(secret, header, body, now.Add(time.Hour)))
	// Output:
	// sha256=da1655f368d62b4795b5a7560e321aaec1ed0b6b343cac51606130efa74c1b21
	// <nil>
	// webhook signature does not match
	// webhook timestamp is out of tolerance: 1h0m30s old, tolerance 5m0s
}
