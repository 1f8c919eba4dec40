package sandbox

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSearchFiltersAndSorts(t *testing.T) {
	s, c := testSandbox(t, Options{Contacts: 40})
	all := s.Objects("contacts")
	pivot := all[len(all)/2]
	ms := pivot.UpdatedAt.UnixMilli()
	count := func(f func(o Object) bool) int {
		n := 0
		for _, o := range all {
			if f(o) {
				n++
			}
		}
		return n
	}
	id, _ := strconv.Atoi(pivot.ID)
	tests := []struct {
		name   string
		groups string
		want   int
	}{
		{"EQ email, any case", fmt.Sprintf(`[{"filters":[{"propertyName":"email","operator":"EQ","value":%q}]}]`, strings.ToUpper(pivot.Properties["email"])), 1},
		{"GT date", fmt.Sprintf(`[{"filters":[{"propertyName":"lastmodifieddate","operator":"GT","value":"%d"}]}]`, ms),
			count(func(o Object) bool { return o.UpdatedAt.UnixMilli() > ms })},
		{"GTE date", fmt.Sprintf(`[{"filters":[{"propertyName":"lastmodifieddate","operator":"GTE","value":"%d"}]}]`, ms),
			count(func(o Object) bool { return o.UpdatedAt.UnixMilli() >= ms })},
		{"LT date", fmt.Sprintf(`[{"filters":[{"propertyName":"lastmodifieddate","operator":"LT","value":"%d"}]}]`, ms),
			count(func(o Object) bool { return o.UpdatedAt.UnixMilli() < ms })},
		{"LTE number", fmt.Sprintf(`[{"filters":[{"propertyName":"hs_object_id","operator":"LTE","value":"%d"}]}]`, id),
			count(func(o Object) bool { n, _ := strconv.Atoi(o.ID); return n <= id })},
		{"NEQ", fmt.Sprintf(`[{"filters":[{"propertyName":"hs_object_id","operator":"NEQ","value":"%d"}]}]`, id), len(all) - 1},
		{"OR of groups, AND in a group", fmt.Sprintf(`[{"filters":[{"propertyName":"lastmodifieddate","operator":"GT","value":"%d"}]},`+
			`{"filters":[{"propertyName":"lastmodifieddate","operator":"EQ","value":"%d"},{"propertyName":"hs_object_id","operator":"GT","value":"%d"}]}]`, ms, ms, id),
			count(func(o Object) bool {
				n, _ := strconv.Atoi(o.ID)
				return o.UpdatedAt.UnixMilli() > ms || (o.UpdatedAt.UnixMilli() == ms && n > id)
			})},
		{"BETWEEN", fmt.Sprintf(`[{"filters":[{"propertyName":"hs_object_id","operator":"BETWEEN","value":"%d","highValue":"%d"}]}]`, id, id+2), 3},
		{"IN", fmt.Sprintf(`[{"filters":[{"propertyName":"email","operator":"IN","values":[%q,%q,"nobody@x.example"]}]}]`,
			all[0].Properties["email"], all[1].Properties["email"]), 2},
		{"HAS_PROPERTY", `[{"filters":[{"propertyName":"mobilephone","operator":"HAS_PROPERTY"}]}]`, 0},
		{"NOT_HAS_PROPERTY", `[{"filters":[{"propertyName":"mobilephone","operator":"NOT_HAS_PROPERTY"}]}]`, len(all)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.on(t).must(200, "POST", "/crm/v3/objects/contacts/search", []byte(`{"limit":200,"filterGroups":`+tt.groups+`}`))
			if got := int(r.get("total").Int()); got != tt.want || len(r.get("results").Array()) != tt.want {
				t.Errorf("total %d, %d results; want %d", got, len(r.get("results").Array()), tt.want)
			}
		})
	}

	// Sorted by date, then equals by descending id; several sorts apply in turn.
	at, err := s.Touch("contacts", all[3].ID, all[1].ID, all[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	r := c.must(200, "POST", "/crm/v3/objects/contacts/search", []byte(fmt.Sprintf(`{"limit":10,
		"filterGroups":[{"filters":[{"propertyName":"lastmodifieddate","operator":"GTE","value":"%d"}]}],
		"sorts":[{"propertyName":"lastmodifieddate","direction":"ASCENDING"}]}`, at.UnixMilli())))
	if got := ids(r); !slices.Equal(got, []string{all[3].ID, all[2].ID, all[1].ID}) {
		t.Errorf("equals came as %v, want descending id", got)
	}
	r = c.must(200, "POST", "/crm/v3/objects/contacts/search", []byte(fmt.Sprintf(`{"limit":10,
		"filterGroups":[{"filters":[{"propertyName":"lastmodifieddate","operator":"GTE","value":"%d"}]}],
		"sorts":[{"propertyName":"lastmodifieddate","direction":"DESCENDING"},{"propertyName":"hs_object_id","direction":"ASCENDING"}]}`, at.UnixMilli())))
	if got := ids(r); !slices.Equal(got, []string{all[1].ID, all[2].ID, all[3].ID}) {
		t.Errorf("two sorts gave %v, want ascending id among equal dates", got)
	}

	for name, body := range map[string]string{
		"limit over 200":  `{"limit":201}`,
		"unknown op":      `{"filterGroups":[{"filters":[{"propertyName":"email","operator":"LIKE","value":"x"}]}]}`,
		"unknown prop":    `{"filterGroups":[{"filters":[{"propertyName":"shoe_size","operator":"EQ","value":"x"}]}]}`,
		"bad date":        `{"filterGroups":[{"filters":[{"propertyName":"lastmodifieddate","operator":"GT","value":"yesterday"}]}]}`,
		"six groups":      `{"filterGroups":[{"filters":[]},{"filters":[]},{"filters":[]},{"filters":[]},{"filters":[]},{"filters":[]}]}`,
		"unknown sort":    `{"sorts":[{"propertyName":"shoe_size"}]}`,
		"bad sort":        `{"sorts":[{"propertyName":"email","direction":"UP"}]}`,
		"not json at all": `{`,
	} {
		if r := c.do("POST", "/crm/v3/objects/contacts/search", []byte(body)); r.status != 400 || r.get("category").String() != "VALIDATION_ERROR" {
			t.Errorf("%s: %d %s, want a 400 VALIDATION_ERROR", name, r.status, r.body)
		}
	}
}

func ids(r response) []string {
	var out []string
	for _, res := range r.get("results").Array() {
		out = append(out, res.Get("id").String())
	}
	return out
}

func TestSearchCap(t *testing.T) {
	_, c := testSandbox(t, Options{Contacts: 30, SearchCap: 25})
	r := c.must(200, "POST", "/crm/v3/objects/contacts/search", []byte(`{"limit":10,"after":"20"}`))
	if len(r.get("results").Array()) != 5 || r.get("paging.next.after").String() != "25" || r.get("total").Int() != 30 {
		t.Errorf("page at the cap: %s; want 5 results (20..24), next after 25, total 30", r.body)
	}
	r = c.must(400, "POST", "/crm/v3/objects/contacts/search", []byte(`{"limit":10,"after":"25"}`))
	if !strings.Contains(r.get("message").String(), "25") {
		t.Errorf("cap error %s does not name the cap", r.body)
	}
}

// TestSearchIndexLag: with IndexLag, search leaves out the objects whose
// change landed within the lag (a list still shows them), and a change
// made by TouchAt carries its older date but lands when it is made.
func TestSearchIndexLag(t *testing.T) {
	var mu sync.Mutex
	now := fixedNow
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = fixedNow.Add(d) }
	s, c := testSandbox(t, Options{Contacts: 10, IndexLag: 5 * time.Second, Now: clock})
	all := s.Objects("contacts")
	search := func(t *testing.T) []string {
		t.Helper()
		return ids(c.on(t).must(200, "POST", "/crm/v3/objects/contacts/search", []byte(fmt.Sprintf(`{"limit":200,
			"filterGroups":[{"filters":[{"propertyName":"hs_object_id","operator":"IN","values":[%q,%q]}]}],
			"sorts":[{"propertyName":"lastmodifieddate","direction":"ASCENDING"}]}`, all[0].ID, all[1].ID))))
	}
	set(time.Second)
	if _, err := s.Touch("contacts", all[0].ID); err != nil { // dated and landed at +1s
		t.Fatal(err)
	}
	set(2 * time.Second)
	if err := s.TouchAt("contacts", fixedNow, all[1].ID); err != nil { // dated +0s, landed at +2s
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at   time.Duration
		want []string
	}{
		{5 * time.Second, nil},
		{6 * time.Second, []string{all[0].ID}},
		{7 * time.Second, []string{all[1].ID, all[0].ID}}, // in date order once both are indexed
	} {
		t.Run(fmt.Sprintf("at +%v", tt.at), func(t *testing.T) {
			set(tt.at)
			if got := search(t); !slices.Equal(got, tt.want) {
				t.Errorf("search shows %v, want %v", got, tt.want)
			}
		})
	}
	if o, _ := s.Object("contacts", all[1].ID); !o.UpdatedAt.Equal(fixedNow) {
		t.Errorf("TouchAt dated the object %v, want %v", o.UpdatedAt, fixedNow)
	}
	set(0)
	if r := c.must(200, "GET", "/crm/v3/objects/contacts?limit=100", nil); len(ids(r)) != 10 {
		t.Errorf("the list shows %d contacts, want all 10 (no lag)", len(ids(r)))
	}
}
