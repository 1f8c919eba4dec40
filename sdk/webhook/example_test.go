package webhook_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/webhook"
)

func ExampleCheckTimestamp() {
	at, err := webhook.ParseUnixMillis("1714557600000")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, now := range []time.Time{
		at.Add(5 * time.Minute),         // exactly at the tolerance
		at.Add(6 * time.Minute),         // too old
		at.Add(-2 * time.Minute),        // signed in the future
		at.Add(-500 * time.Millisecond), // a little clock skew
	} {
		err := webhook.CheckTimestamp(at, now, 5*time.Minute)
		fmt.Println(sdk.KindOf(err), err)
	}
	// Output:
	// unknown <nil>
	// auth webhook timestamp is out of tolerance: 6m0s old, tolerance 5m0s
	// unknown <nil>
	// unknown <nil>
}

func ExampleReplayGuard() {
	guard := webhook.NewReplayGuard(10*time.Minute, 1000)
	start := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

	fmt.Println(guard.Seen("delivery-1", start))                     // first time
	fmt.Println(guard.Seen("delivery-1", start.Add(time.Minute)))    // a retry
	fmt.Println(guard.Seen("delivery-2", start.Add(time.Minute)))    // another delivery
	fmt.Println(guard.Seen("delivery-1", start.Add(11*time.Minute))) // forgotten
	// Output:
	// false
	// true
	// false
	// false
}

func ExampleHeaderValue() {
	h := http.Header{}
	h.Set("X-Shopify-Webhook-Id", "b54557e4")

	id, err := webhook.HeaderValue(h, "x-shopify-webhook-id")
	fmt.Printf("%q %v\n", id, err)
	_, err = webhook.HeaderValue(h, "X-Shopify-Hmac-Sha256")
	fmt.Println(sdk.KindOf(err), err)
	// Output:
	// "b54557e4" <nil>
	// auth missing header X-Shopify-Hmac-Sha256
}
