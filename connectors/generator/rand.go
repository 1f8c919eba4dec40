package generator

// rng is a splitmix64 generator. Each record draws its values from one
// seeded by (seed, stream, index) alone, which makes record i of a stream
// a pure function of those three, whatever was generated before it.
type rng struct{ state uint64 }

// golden is 2^64 divided by the golden ratio: splitmix64's increment.
const golden = 0x9e3779b97f4a7c15

// recordRNG returns the generator of record i of the stream numbered
// stream, for seed.
func recordRNG(seed int64, stream int, i int64) rng {
	s := mix64(uint64(seed) + golden*uint64(stream+1))
	return rng{state: mix64(s ^ uint64(i)*0xd1b54a32d192ed03)}
}

// next returns the next 64 pseudo-random bits.
func (r *rng) next() uint64 {
	r.state += golden
	return mix64(r.state)
}

// below returns a value from 0 to n-1 (n > 0).
func (r *rng) below(n int) int { return int(r.next() % uint64(n)) }

// mix64 is splitmix64's finaliser: it spreads every input bit over the
// output.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
