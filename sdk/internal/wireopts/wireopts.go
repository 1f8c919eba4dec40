// Package wireopts holds the gRPC options both ends of the connector
// protocol use — message size limits, a buffer pool and the protobuf codec
// that uses it — so that the SDK's
// plugins, its host side and the wirebench ceiling run the same transport.
package wireopts

import (
	"math/bits"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/mem"
)

// MaxMessageBytes is the largest gRPC message either side accepts.
const MaxMessageBytes = 64 << 20

// ServerOptions are the options of a connector's gRPC server.
func ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(MaxMessageBytes), grpc.MaxSendMsgSize(MaxMessageBytes),
		experimental.BufferPool(pool), grpc.ForceServerCodecV2(codec{}),
	}
}

// DialOptions are the options of the host's connection to a connector.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageBytes), grpc.MaxCallSendMsgSize(MaxMessageBytes),
			grpc.ForceCodecV2(codec{})),
		experimental.WithBufferPool(pool),
	}
}

// pool is shared by every connection of the process.
var pool = newBufferPool()

// bufferPool keeps gRPC's message buffers in power-of-two classes from
// 256 bytes to MaxMessageBytes. Unlike gRPC's default pool it does not zero
// a buffer it hands out again: gRPC overwrites every byte it then reads, and
// zeroing a batch-sized buffer per message was a tenth of the host's CPU.
type bufferPool struct {
	classes [numClasses]sync.Pool
}

const (
	minClassBits = 8
	numClasses   = 27 - minClassBits // up to 64 MiB
)

func newBufferPool() *bufferPool { return &bufferPool{} }

var _ mem.BufferPool = (*bufferPool)(nil)

// class returns the index of the smallest class holding size bytes, or -1
// if none does.
func class(size int) int {
	if size <= 1<<minClassBits {
		return 0
	}
	c := bits.Len(uint(size-1)) - minClassBits
	if c >= numClasses {
		return -1
	}
	return c
}

// Get returns a buffer of length size.
func (p *bufferPool) Get(size int) *[]byte {
	c := class(size)
	if c < 0 {
		b := make([]byte, size)
		return &b
	}
	if v, ok := p.classes[c].Get().(*[]byte); ok {
		*v = (*v)[:size]
		return v
	}
	b := make([]byte, size, 1<<(c+minClassBits))
	return &b
}

// Put returns a buffer to its class; buffers not made by Get are dropped.
func (p *bufferPool) Put(b *[]byte) {
	n := cap(*b)
	c := class(n)
	if c < 0 || n != 1<<(c+minClassBits) {
		return
	}
	p.classes[c].Put(b)
}
