package generator

import "strconv"

// The streams.
const (
	// StreamCustomers holds people (canonical kind customer).
	StreamCustomers = "customers"
	// StreamInteractions holds tickets, comments, survey responses,
	// orders and fulfilments of those people (canonical kind interaction).
	StreamInteractions = "interactions"
)

// stream is what the generator knows of one of its streams.
type stream struct {
	name string
	// number tells the streams apart in the seed of their records.
	number int
	// keyPrefix begins each key: "cus-" for cus-00000001.
	keyPrefix string
	// appendRecord appends the JSON of record i, of size bytes (more only
	// when size is below MinRecordSize), to dst; it returns dst and when
	// the record was last updated, in Unix seconds.
	appendRecord func(t *tables, dst []byte, seed, i int64, key []byte, size int) ([]byte, int64)
}

func streams() []stream {
	return []stream{
		{name: StreamCustomers, number: 0, keyPrefix: "cus-", appendRecord: (*tables).appendCustomer},
		{name: StreamInteractions, number: 1, keyPrefix: "int-", appendRecord: (*tables).appendInteraction},
	}
}

// streamNamed returns the stream called name, or false.
func streamNamed(name string) (stream, bool) {
	for _, s := range streams() {
		if s.name == name {
			return s, true
		}
	}
	return stream{}, false
}

// keyDigits is how many digits a key's number has at least:
// cus-00000001. Numbers past 99,999,999 take the digits they need.
const keyDigits = 8

// appendKey appends the key of record i of a stream with prefix: records
// are numbered from 1.
func appendKey(dst []byte, prefix string, i int64) []byte {
	dst = append(dst, prefix...)
	return appendPadded(dst, i+1, keyDigits)
}

// appendPadded appends n (not negative) in decimal, with leading zeros
// to width digits.
func appendPadded(dst []byte, n int64, width int) []byte {
	var buf [20]byte
	at := len(buf)
	for n >= 10 || at > len(buf)-width+1 {
		at--
		buf[at] = byte('0' + n%10)
		n /= 10
	}
	at--
	buf[at] = byte('0' + n)
	return append(dst, buf[at:]...)
}

// epoch is when record 0 was created, 2024-01-01T00:00:00Z in Unix
// seconds; record i was created about 10*i seconds later.
const epoch = 1_704_067_200

// updateWindow bounds how long after its creation a record was last updated.
const updateWindow = 90 * 24 * 60 * 60

// times returns when record i was created and last updated, in Unix seconds.
func times(r *rng, i int64) (created, updated int64) {
	created = epoch + 10*i + int64(r.below(10))
	return created, created + int64(r.below(updateWindow))
}

// appendCapitalised appends a lower-case ASCII word with its first letter
// in upper case.
func appendCapitalised(dst []byte, word string) []byte {
	if word == "" {
		return dst
	}
	return append(append(dst, word[0]-('a'-'A')), word[1:]...)
}

// appendPadding closes a record that began at start in dst with a text
// member: open (`,"bio":"`), text, then end (`"}`), the text as long as
// it takes for the record to be size bytes. A record already that long
// gets an empty text.
func (t *tables) appendPadding(dst []byte, start, size int, open, end string, r *rng) []byte {
	dst = append(dst, open...)
	if n := size - (len(dst) - start) - len(end); n > 0 {
		at := pick(r, t.starts)
		dst = append(dst, t.text[at:at+n]...)
	}
	return append(dst, end...)
}

// appendCustomer appends customer i:
//
//	{"id":"cus-00000001","email":"ada.lovelace.1@example.com","first_name":"Ada",
//	 "last_name":"Lovelace","phone":"+1 555 123 4567","company":"Contoso","country":"GB",
//	 "created_at":"2024-01-01T00:00:03Z","updated_at":"2024-02-11T07:21:40Z","bio":"the customer asked..."}
func (t *tables) appendCustomer(dst []byte, seed, i int64, key []byte, size int) ([]byte, int64) {
	r := recordRNG(seed, 0, i)
	start := len(dst)
	first, last := pick(&r, t.first), pick(&r, t.last)
	dst = append(dst, `{"id":"`...)
	dst = append(dst, key...)
	dst = append(dst, `","email":"`...)
	dst = append(dst, first...)
	dst = append(dst, '.')
	dst = append(dst, last...)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, i+1, 10)
	dst = append(dst, '@')
	dst = append(dst, pick(&r, t.domain)...)
	dst = append(dst, `","first_name":"`...)
	dst = appendCapitalised(dst, first)
	dst = append(dst, `","last_name":"`...)
	dst = appendCapitalised(dst, last)
	dst = append(dst, `","phone":"+1 555 `...)
	dst = appendPadded(dst, int64(r.below(1000)), 3)
	dst = append(dst, ' ')
	dst = appendPadded(dst, int64(r.below(10000)), 4)
	dst = append(dst, `","company":"`...)
	dst = append(dst, pick(&r, t.company)...)
	dst = append(dst, `","country":"`...)
	dst = append(dst, pick(&r, t.country)...)
	created, updated := times(&r, i)
	dst = append(dst, `","created_at":"`...)
	dst = appendTime(dst, created)
	dst = append(dst, `","updated_at":"`...)
	dst = appendTime(dst, updated)
	return t.appendPadding(dst, start, size, `","bio":"`, `"}`, &r), updated
}

// appendInteraction appends interaction i, of customer 1 to i+1 (so that
// its customer exists whenever it does: both streams have count records):
//
//	{"id":"int-00000001","customer_id":"cus-00000001","type":"order","status":"paid",
//	 "subject":"Web order","amount":123.45,"created_at":"2024-01-01T00:00:07Z",
//	 "updated_at":"2024-01-30T12:00:00Z","body":"the customer asked..."}
//
// A survey_response has a "score" (0 to 10) and an order an "amount"
// instead; the other types have neither.
func (t *tables) appendInteraction(dst []byte, seed, i int64, key []byte, size int) ([]byte, int64) {
	r := recordRNG(seed, 1, i)
	start := len(dst)
	typ := pick(&r, t.types)
	dst = append(dst, `{"id":"`...)
	dst = append(dst, key...)
	dst = append(dst, `","customer_id":"`...)
	dst = appendKey(dst, "cus-", int64(r.next()%uint64(i+1)))
	dst = append(dst, `","type":"`...)
	dst = append(dst, typ.name...)
	dst = append(dst, `","status":"`...)
	dst = append(dst, pick(&r, typ.statuses)...)
	dst = append(dst, `","subject":"`...)
	dst = append(dst, pick(&r, typ.subjects)...)
	dst = append(dst, '"')
	switch typ.name {
	case "survey_response":
		dst = append(dst, `,"score":`...)
		dst = strconv.AppendInt(dst, int64(r.below(11)), 10)
	case "order":
		cents := 500 + r.below(100_000)
		dst = append(dst, `,"amount":`...)
		dst = strconv.AppendInt(dst, int64(cents/100), 10)
		dst = append(dst, '.')
		dst = appendPadded(dst, int64(cents%100), 2)
	}
	created, updated := times(&r, i)
	dst = append(dst, `,"created_at":"`...)
	dst = appendTime(dst, created)
	dst = append(dst, `","updated_at":"`...)
	dst = appendTime(dst, updated)
	return t.appendPadding(dst, start, size, `","body":"`, `"}`, &r), updated
}
