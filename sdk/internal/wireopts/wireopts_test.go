package wireopts

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestBufferPoolSizes(t *testing.T) {
	p := newBufferPool()
	for _, size := range []int{0, 1, 255, 256, 257, 4096, 230_000, MaxMessageBytes, MaxMessageBytes + 1} {
		b := p.Get(size)
		if len(*b) != size {
			t.Fatalf("Get(%d) gave length %d", size, len(*b))
		}
		if size <= MaxMessageBytes && (cap(*b) < size || cap(*b) > 2*size && cap(*b) > 256) {
			t.Errorf("Get(%d) gave capacity %d", size, cap(*b))
		}
		p.Put(b)
		again := p.Get(size)
		if len(*again) != size {
			t.Fatalf("Get(%d) after Put gave length %d", size, len(*again))
		}
	}
	// A foreign buffer of an odd capacity is dropped, not handed out short.
	odd := make([]byte, 300)
	p.Put(&odd)
	if b := p.Get(400); len(*b) != 400 || cap(*b) < 400 {
		t.Errorf("Get(400) after a foreign Put gave len %d cap %d", len(*b), cap(*b))
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for _, size := range []int{10, 5000, 300_000} {
		in := &wrapperspb.BytesValue{Value: bytes.Repeat([]byte{'x'}, size)}
		data, err := codec{}.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		out := &wrapperspb.BytesValue{}
		if err := (codec{}).Unmarshal(data, out); err != nil {
			t.Fatal(err)
		}
		data.Free()
		if !bytes.Equal(in.Value, out.Value) {
			t.Errorf("size %d: round trip changed the message", size)
		}
	}
	if _, err := (codec{}).Marshal("not a message"); err == nil {
		t.Error("Marshal accepted a string")
	}
}
