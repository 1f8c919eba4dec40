// Package sandbox holds the parts every vendor sandbox shares, so that each
// sandbox (connectors/<vendor>/sandbox) only writes what is particular to
// its vendor: the endpoints, the JSON shapes and the seeded data.
//
// A sandbox is a local emulator of a vendor's REST API, served on
// 127.0.0.1, that connector tests and the demo talk to instead of the real
// service. This package gives it:
//
//   - [Kit]: middleware that counts requests and injects faults (5xx, 429
//     storms, latency, dropped connections, truncated bodies), configured
//     from Go or over the admin endpoints under /_sandbox/;
//   - [Window]: a sliding-window rate limiter, per key, that reports what a
//     vendor's rate-limit headers need (limit, remaining, reset);
//   - [Server]: a loopback HTTP server with a URL and a clean Close.
//
// It is not a general-purpose mock server: vendor behaviour (paths, auth,
// bodies) lives in each vendor's sandbox package.
package sandbox
