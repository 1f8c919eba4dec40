package generator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// build returns records from to to-1 of stream name with cfg.
func build(t testing.TB, cfg config, name string, from, to int64) [][]byte {
	t.Helper()
	s, ok := streamNamed(name)
	if !ok {
		t.Fatalf("no stream %q", name)
	}
	b := &batcher{t: newTables(), cfg: cfg, s: s}
	var out [][]byte
	for _, r := range b.build(from, to) {
		out = append(out, r.Data)
	}
	return out
}

func testConfig(count int64, size int, seed int64) config {
	return config{Count: count, RecordSize: size, Seed: seed}
}

// TestRecordsAreDeterministic checks that record i depends on the seed,
// the stream and i only: not on the batch it is built in, the tables
// instance, or count.
func TestRecordsAreDeterministic(t *testing.T) {
	for _, name := range []string{StreamCustomers, StreamInteractions} {
		t.Run(name, func(t *testing.T) {
			whole := build(t, testConfig(100, 450, 7), name, 0, 100)
			part := build(t, testConfig(1_000_000, 450, 7), name, 37, 60)
			for j, data := range part {
				if !bytes.Equal(data, whole[37+j]) {
					t.Fatalf("record %d built in another batch, with another count:\n%s\nwant\n%s", 37+j, data, whole[37+j])
				}
			}
			other := build(t, testConfig(100, 450, 8), name, 0, 100)
			same := 0
			for i := range whole {
				if bytes.Equal(whole[i], other[i]) {
					same++
				}
			}
			if same > 0 {
				t.Errorf("seeds 7 and 8 give %d identical records of 100: another seed must give other records", same)
			}
		})
	}
}

// TestStreamsDiffer checks that the two streams do not draw the same
// values for the same index.
func TestStreamsDiffer(t *testing.T) {
	a, b := recordRNG(1, 0, 5), recordRNG(1, 1, 5)
	if a.next() == b.next() {
		t.Fatal("customers and interactions draw the same values for record 5")
	}
}

// TestRecordSize checks that every record is within 5% of record_size, at
// the bounds of record_size and where keys gain a digit.
func TestRecordSize(t *testing.T) {
	sizes := []int{MinRecordSize, MinRecordSize + 1, 450, 1000, 4096, MaxRecordSize}
	starts := []int64{0, 99_999_990, maxCount - 20} // 8 digits, 8 to 9, 10 digits
	for _, name := range []string{StreamCustomers, StreamInteractions} {
		for _, size := range sizes {
			for _, from := range starts {
				t.Run(fmt.Sprintf("%s/%d/from_%d", name, size, from), func(t *testing.T) {
					for seed := int64(1); seed <= 3; seed++ {
						for j, data := range build(t, testConfig(maxCount, size, seed), name, from, from+20) {
							if d := len(data) - size; d*20 > size || -d*20 > size {
								t.Errorf("seed %d, record %d: %d bytes, want %d ± 5%%", seed, from+int64(j), len(data), size)
							}
						}
					}
				})
			}
		}
	}
}

// TestMinRecordSizeFitsEveryRecord bounds the longest record without its
// padding from the lists the records draw from: MinRecordSize must hold
// it, or the smallest records would exceed their size.
func TestMinRecordSizeFitsEveryRecord(t *testing.T) {
	tb := newTables()
	const key = len("cus-") + 10 // a 10-digit number: up to maxCount
	const stamp = len("2024-01-01T00:00:00Z")
	customer := len(`{"id":"","email":"..@","first_name":"","last_name":"","phone":"+1 555 000 0000",`+
		`"company":"","country":"","created_at":"","updated_at":"","bio":""}`) +
		key + 2*maxLen(tb.first) + 2*maxLen(tb.last) + 10 + maxLen(tb.domain) + maxLen(tb.company) + maxLen(tb.country) + 2*stamp
	var statuses, subjects, names []string
	for _, typ := range tb.types {
		statuses, subjects, names = append(statuses, typ.statuses...), append(subjects, typ.subjects...), append(names, typ.name)
	}
	interaction := len(`{"id":"","customer_id":"","type":"","status":"","subject":"","created_at":"","updated_at":"","body":""}`) +
		2*key + maxLen(names) + maxLen(statuses) + maxLen(subjects) + 2*stamp +
		max(len(`,"score":10`), len(`,"amount":1004.99`))
	for name, longest := range map[string]int{StreamCustomers: customer, StreamInteractions: interaction} {
		if longest > MinRecordSize {
			t.Errorf("a %s record can take %d bytes without padding, more than MinRecordSize %d", name, longest, MinRecordSize)
		}
		t.Logf("%s: at most %d bytes without padding", name, longest)
	}
}

// TestRecordsAreValid checks the fields of records of both streams: valid
// JSON, a text that needs no escaping, ids matching keys, customers that
// exist, fields by type, and times in order.
func TestRecordsAreValid(t *testing.T) {
	for _, name := range []string{StreamCustomers, StreamInteractions} {
		t.Run(name, func(t *testing.T) {
			s, _ := streamNamed(name)
			b := &batcher{t: newTables(), cfg: testConfig(2000, 450, 3), s: s}
			for j, rec := range b.build(0, 2000) {
				checkRecord(t, name, int64(j), rec.Key, rec.Data, rec.UpdatedAt)
			}
		})
	}
}

func checkRecord(t *testing.T, stream string, i int64, key string, data []byte, updatedAt time.Time) {
	t.Helper()
	if !json.Valid(data) {
		t.Fatalf("record %d is not valid JSON: %s", i, data)
	}
	for _, c := range data {
		if c < 0x20 || c > 0x7e || c == '\\' {
			t.Fatalf("record %d holds byte %q, which JSON text would escape or which is not ASCII: %s", i, c, data)
		}
	}
	var rec map[string]any
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	prefix := map[string]string{StreamCustomers: "cus-", StreamInteractions: "int-"}[stream]
	if want := fmt.Sprintf("%s%08d", prefix, i+1); key != want || rec["id"] != want {
		t.Errorf("record %d: key %q, id %v, want %q", i, key, rec["id"], want)
	}
	text := []string{"bio", "first_name", "last_name", "company"}
	if stream == StreamInteractions {
		text = []string{"body", "subject", "status"}
		cust, _ := rec["customer_id"].(string)
		n, err := strconv.ParseInt(cust[len("cus-"):], 10, 64)
		if err != nil || n < 1 || n > i+1 {
			t.Errorf("record %d: customer_id %q: want one of cus-00000001 to cus-%08d", i, cust, i+1)
		}
		_, score := rec["score"]
		_, amount := rec["amount"]
		if typ := rec["type"]; score != (typ == "survey_response") || amount != (typ == "order") {
			t.Errorf("record %d of type %v: score %v, amount %v: want a score for a survey_response and an amount for an order only", i, typ, score, amount)
		}
	}
	for _, f := range text {
		v, _ := rec[f].(string)
		for _, c := range []byte(v) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ') {
				t.Fatalf("record %d: %s %q holds %q: want ASCII letters, digits and spaces only", i, f, v, c)
			}
		}
	}
	created, err1 := time.Parse(time.RFC3339, fmt.Sprint(rec["created_at"]))
	updated, err2 := time.Parse(time.RFC3339, fmt.Sprint(rec["updated_at"]))
	if err1 != nil || err2 != nil || updated.Before(created) {
		t.Errorf("record %d: created_at %v, updated_at %v: want RFC 3339 times, updated no earlier", i, rec["created_at"], rec["updated_at"])
	}
	if !updatedAt.Equal(updated) {
		t.Errorf("record %d: UpdatedAt %v, want its updated_at %v", i, updatedAt, updated)
	}
}

// TestBatchAllocations checks that a batch costs a few allocations, not
// some per record.
func TestBatchAllocations(t *testing.T) {
	for _, name := range []string{StreamCustomers, StreamInteractions} {
		s, _ := streamNamed(name)
		b := &batcher{t: newTables(), cfg: testConfig(1000, 450, 1), s: s}
		b.build(0, 500) // grow the scratch space
		allocs := testing.AllocsPerRun(10, func() { b.build(500, 1000) })
		if allocs > 3 {
			t.Errorf("%s: building a batch of 500 records takes %.0f allocations, want at most 3 (data, keys, records)", name, allocs)
		}
	}
}

func TestAppendPadded(t *testing.T) {
	tests := []struct {
		n     int64
		width int
		want  string
	}{
		{1, 8, "00000001"},
		{12345678, 8, "12345678"},
		{123456789, 8, "123456789"},
		{0, 2, "00"},
		{7, 0, "7"},
	}
	for _, tt := range tests {
		if got := string(appendPadded(nil, tt.n, tt.width)); got != tt.want {
			t.Errorf("appendPadded(%d, %d) = %q, want %q", tt.n, tt.width, got, tt.want)
		}
	}
}

func TestEpoch(t *testing.T) {
	if got := time.Unix(epoch, 0).UTC(); !got.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("epoch is %v, want 2024-01-01T00:00:00Z", got)
	}
}

// TestAppendTime compares appendTime with the time package's RFC 3339,
// over leap days, century years and ends of months and years.
func TestAppendTime(t *testing.T) {
	secs := []int64{0, epoch, epoch + 86399, 951782400 /* 2000-02-29 */, 4107542400 /* 2100-03-01 */, 253402300799 /* 9999-12-31T23:59:59 */}
	r := rng{state: 1}
	for range 20000 {
		secs = append(secs, int64(r.next()%253402300800))
	}
	for _, sec := range secs {
		want := time.Unix(sec, 0).UTC().Format(time.RFC3339)
		if got := string(appendTime(nil, sec)); got != want {
			t.Fatalf("appendTime(%d) = %s, want %s", sec, got, want)
		}
	}
}
