package httpx

import (
	"context"
	"net/http"
	"testing"
)

func benchServer(b *testing.B) *Client {
	srv := serve(b, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"results":[{"id":"1","properties":{"email":"a@x.com"}}],"paging":{"next":{"after":"1"}}}`)
	})
	return newClient(b, srv.URL, Options{Auth: Bearer("t")})
}

func BenchmarkDo(b *testing.B) {
	c := benchServer(b)
	req := &Request{Path: "/crm/v3/objects/contacts"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Do(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDoParallel(b *testing.B) {
	c := benchServer(b)
	req := &Request{Path: "/crm/v3/objects/contacts"}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Do(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
