//go:build !lentcheck

package event

// LentCheck is true when built with the lentcheck tag: a Loan then poisons
// what it takes back, and hands out a new Data each time (so allocation
// counts differ).
const LentCheck = false

const lentCheck = LentCheck
