package shopify

import (
	"testing"

	"github.com/tidwall/gjson"
)

func TestDeliveryStatus(t *testing.T) {
	for in, want := range map[string]string{
		`{"status":"success","shipment_status":null}`:                 deliveryShipped,
		`{"status":"success","shipment_status":"label_printed"}`:      deliveryShipped,
		`{"status":"success","shipment_status":"out_for_delivery"}`:   deliveryInTransit,
		`{"status":"success","shipment_status":"attempted_delivery"}`: deliveryInTransit,
		`{"status":"success","shipment_status":"delivered"}`:          deliveryDelivered,
		`{"status":"success","shipment_status":"failure"}`:            deliveryFailed,
		`{"status":"error","shipment_status":null}`:                   deliveryFailed,
		`{"status":"cancelled","shipment_status":"in_transit"}`:       deliveryCancelled,
	} {
		if got := deliveryStatus(gjson.Parse(in)); got != want {
			t.Errorf("deliveryStatus(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestAddFieldsKeepsTheObjectAsItCame(t *testing.T) {
	for in, want := range map[string]string{
		`{"id":1, "x" : [1,2]}`: `{"id":1, "x" : [1,2],"a":"b","late":true}`,
		` {} `:                  `{"a":"b","late":true}`,
	} {
		if got := string(addFields([]byte(in), field{"a", "b"}, field{"late", true})); got != want || !gjson.Valid(got) {
			t.Errorf("addFields(%s) = %s, want %s", in, got, want)
		}
	}
}
