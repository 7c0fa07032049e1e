package pipeline

import (
	"crypto/tls"
	"fmt"
	"time"
)

// Kind says how a pipeline is started.
type Kind uint8

// The pipeline kinds.
const (
	Named  Kind = iota // started by other filters (link, fork, demux, …) or by Go code
	Listen             // started for each connection accepted on a port
	Task               // started at an interval, or once at start
)

// String returns "named", "listen" or "task".
func (k Kind) String() string {
	switch k {
	case Listen:
		return "listen"
	case Task:
		return "task"
	}
	return "named"
}

// Pipeline is an immutable template: a name, a kind and an ordered list of
// filters. Streams are the running instances of a pipeline. A Pipeline is safe
// for concurrent use once built; its fields must not be changed after the
// pipeline has started a stream.
type Pipeline struct {
	// Name identifies the pipeline in its module and in logs.
	Name string
	// Kind says how the pipeline is started.
	Kind Kind
	// Filters are the stages, head first.
	Filters []Filter
	// Where says where each filter was declared, in step with Filters: a
	// script's "file:line:col" (Go code may leave it nil, or an entry "").
	// The log of a stream failure names it.
	Where []string
	// Module is the module the pipeline belongs to, or nil for a pipeline
	// made alone with New.
	Module *Module

	// Addr is the address a Listen pipeline listens on (":8080", "127.0.0.1:0").
	Addr string
	// ListenOptions are a Listen pipeline's options.
	ListenOptions ListenOptions
	// Interval is how often a Task pipeline runs; zero runs it once at start.
	Interval time.Duration

	streams streamCounts
}

// ListenOptions are the options of a Listen pipeline.
type ListenOptions struct {
	// ReusePort sets SO_REUSEPORT, so several processes can listen on the
	// same port.
	ReusePort bool
	// TLS, when not nil, terminates TLS on accepted connections.
	TLS *tls.Config
	// Conn bounds what is queued for each accepted connection and sets its
	// timeouts; the zero value means the defaults.
	Conn ConnOptions
	// MaxConnections limits how many connections are served at once: at the
	// limit, the listener stops accepting (new clients wait in the kernel's
	// backlog) until a connection closes. Zero means no limit.
	MaxConnections int
}

// New returns a named pipeline made of filters, outside any module.
func New(name string, filters ...Filter) *Pipeline {
	return &Pipeline{Name: name, Kind: Named, Filters: filters}
}

// String returns "<kind> pipeline <name>".
func (p *Pipeline) String() string {
	if p.Module != nil && p.Module.Name != "" {
		return fmt.Sprintf("%s pipeline %q of %s", p.Kind, p.Name, p.Module.Name)
	}
	return fmt.Sprintf("%s pipeline %q", p.Kind, p.Name)
}
