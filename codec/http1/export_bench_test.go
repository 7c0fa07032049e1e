package http1

import "testing"

// NewPooledProxyBench returns a pooledProxy's request function, for the
// benchmarks of package http1_test that need packages importing this one
// (metrics' observer).
func NewPooledProxyBench(tb testing.TB) func(testing.TB) {
	return newPooledProxy(tb).request
}
