package mapping

import "testing"

func BenchmarkApply(b *testing.B) {
	m, err := Compile(customerFields)
	if err != nil {
		b.Fatal(err)
	}
	src := []byte(customer)
	dst := make([]byte, 0, 1024)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if dst, err = m.Apply(dst[:0], src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyIdentity(b *testing.B) {
	var m *Mapper
	src := []byte(customer)
	dst := make([]byte, 0, 1024)
	var err error
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if dst, err = m.Apply(dst[:0], src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	f, err := CompileFilter(`properties.email != "" && properties.score >= 7 && !archived`)
	if err != nil {
		b.Fatal(err)
	}
	src := []byte(customer)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if !f.Match(src) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkMatchContains(b *testing.B) {
	f, err := CompileFilter(`tags contains "vip" || properties.email contains "@example.org"`)
	if err != nil {
		b.Fatal(err)
	}
	src := []byte(customer)
	b.ReportAllocs()
	for b.Loop() {
		if !f.Match(src) {
			b.Fatal("no match")
		}
	}
}

func TestApplyDoesNotAllocate(t *testing.T) {
	m, err := Compile(customerFields)
	if err != nil {
		t.Fatal(err)
	}
	src := []byte(customer)
	dst := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { dst, _ = m.Apply(dst[:0], src) }); n != 0 {
		t.Errorf("Apply allocates %v times per record", n)
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	src := []byte(customer)
	for _, expr := range []string{
		`properties.email != "" && properties.score >= 7 && !archived`,
		`tags contains "vip" && address.country in ["GB", "IE"]`,
		`properties.company contains "Engines" || properties.hs_lead_status > 5`,
	} {
		f, err := CompileFilter(expr)
		if err != nil {
			t.Fatal(err)
		}
		if !f.Match(src) {
			t.Errorf("%s: no match", expr)
		}
		if n := testing.AllocsPerRun(100, func() { f.Match(src) }); n != 0 {
			t.Errorf("%s: Match allocates %v times per record", expr, n)
		}
	}
}

// BenchmarkFilterAndMap is a pipeline's work on one record: the filter of
// BenchmarkMatch, then the map of BenchmarkApply. "doc" is how the engine
// does it (one check and one pass over the record for both, Doc); "paths"
// looks every path up in the whole record, as Match and Apply do.
func BenchmarkFilterAndMap(b *testing.B) {
	m, err := Compile(customerFields)
	if err != nil {
		b.Fatal(err)
	}
	f, err := CompileFilter(`properties.email != "" && properties.score >= 7 && !archived`)
	if err != nil {
		b.Fatal(err)
	}
	src := []byte(customer)
	dst := make([]byte, 0, 1024)
	b.Run("doc", func(b *testing.B) {
		var d Doc
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			d.Reset(src)
			if !f.MatchDoc(&d) {
				b.Fatal("no match")
			}
			if dst, err = m.ApplyDoc(dst[:0], &d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("paths", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			if !f.Match(src) {
				b.Fatal("no match")
			}
			if dst, err = m.Apply(dst[:0], src); err != nil {
				b.Fatal(err)
			}
		}
	})
}
