package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatusOf(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(context.Background(), "/gone", nil)
	if got := StatusOf(fmt.Errorf("update ticket 7: %w", err)); got != http.StatusNotFound {
		t.Errorf("StatusOf(a wrapped 404) = %d, want 404 (err %v)", got, err)
	}
	if got := StatusOf(&Error{Method: "GET", URL: "/x", Err: errors.New("connection refused")}); got != 0 {
		t.Errorf("StatusOf(no response) = %d, want 0", got)
	}
	if got := StatusOf(errors.New("not a call's")); got != 0 {
		t.Errorf("StatusOf(another error) = %d, want 0", got)
	}
	if got := StatusOf(nil); got != 0 {
		t.Errorf("StatusOf(nil) = %d, want 0", got)
	}
}
