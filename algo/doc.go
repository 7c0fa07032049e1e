// Package algo holds the plain-Go algorithms behind the scripts' global
// algo: a URL router (URLRouter), a least-recently-used cache with a time to
// live (Cache), three load balancers (RoundRobin, LeastWork, Hashing behind
// the Balancer interface) and the bookkeeping of a resource pool
// (ResourcePool). The script package binds them for JavaScript; Go programs
// that embed sluice use them directly.
//
// None of the types is safe for concurrent use: as in Pipy, where each
// worker thread has its own, a program keeps one per goroutine or guards it
// with a lock.
package algo
