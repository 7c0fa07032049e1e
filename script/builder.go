package script

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/pipeline"
)

// pipy({ _vars }) declares the context variables and returns the
// configuration builder: listen(), pipeline() and task() open sections, and
// each filter method appends a filter to the open section and returns the
// builder again.
func (rt *jsRuntime) pipy(c goja.FunctionCall) goja.Value {
	if rt.configured {
		rt.throwf("pipy() is called more than once")
	}
	rt.configured = true
	if err := rt.declare(c.Argument(0)); err != nil {
		rt.throw(err)
	}
	b := rt.vm.NewObject()
	section := func(name string, open func(args []goja.Value)) {
		b.Set(name, func(c goja.FunctionCall) goja.Value {
			rt.sig = append(rt.sig, name)
			if rt.w == nil {
				open(c.Arguments)
				if rt.sections == nil {
					rt.sections = map[*pipeline.Pipeline]Error{}
				}
				rt.sections[rt.section] = rt.callPos()
			}
			return b
		})
	}
	section("listen", rt.openListen)
	section("pipeline", rt.openPipeline)
	section("task", rt.openTask)
	for _, bd := range bindingTable() {
		b.Set(bd.name, func(c goja.FunctionCall) goja.Value {
			rt.sig = append(rt.sig, bd.name)
			if rt.w == nil && rt.section == nil {
				rt.throwf("%s: no pipeline to add it to: call listen(), pipeline() or task() first", bd.name)
			}
			rt.method = bd.name
			f, err := bd.bind(rt, c.Arguments)
			if err != nil {
				rt.throw(&argError{fn: bd.name, err: err})
			}
			if rt.w == nil {
				rt.section.Filters = append(rt.section.Filters, f)
				at := rt.callPos()
				rt.section.Where = append(rt.section.Where, at.Pos())
			}
			return b
		})
	}
	return b
}

func arg(args []goja.Value, i int) goja.Value {
	if i < len(args) {
		return args[i]
	}
	return goja.Undefined()
}

// pipeline(name) opens a named pipeline.
func (rt *jsRuntime) openPipeline(args []goja.Value) {
	v := arg(args, 0)
	if isNullish(v) || v.String() == "" {
		rt.throwf("pipeline: a pipeline needs a name")
	}
	name := v.String()
	if rt.p.module.Find(name) != nil {
		rt.throwf("pipeline: %q is declared twice", name)
	}
	rt.section = rt.p.module.Pipeline(name)
}

// task(interval) opens a task pipeline: no interval runs it once at start.
func (rt *jsRuntime) openTask(args []goja.Value) {
	var d = arg(args, 0)
	interval, err := durationArg(d)
	if err != nil {
		rt.throwf("task: %v", err)
	}
	rt.section = rt.p.module.Task(interval)
}

// listen(port | "host:port", {tls: {cert, key, trusted}, reuse,
// maxConnections, readTimeout, writeTimeout, handshakeTimeout, idleTimeout,
// headTimeout, bodyTimeout, lingerTimeout, lingerTime}) opens a listen pipeline; with trusted, clients
// must present a certificate signed by one of those. The timeouts are
// pipeline.ConnOptions' and default as nginx's: idleTimeout 75s
// (keepalive_timeout: before the first byte and between requests),
// writeTimeout 60s (send_timeout: a client that stops reading), headTimeout
// 10s and bodyTimeout 30s (client_header_timeout, client_body_timeout: for
// decodeHttpRequest, 408 after them), lingerTimeout 5s and lingerTime 30s
// (lingering_timeout, lingering_time: the lingering close after the server
// ends a connection the client still sends on); 0 turns one of these off.
// readTimeout (none by default) and handshakeTimeout (10s; 0 keeps the
// default) are as before.
func (rt *jsRuntime) openListen(args []goja.Value) {
	addr, err := rt.listenAddr(arg(args, 0))
	if err != nil {
		rt.throwf("listen: %v", err)
	}
	var opts pipeline.ListenOptions
	if o, ok := arg(args, 1).(*goja.Object); ok {
		if v := o.Get("reuse"); v != nil {
			opts.ReusePort = v.ToBoolean()
		}
		if v := o.Get("reusePort"); v != nil {
			opts.ReusePort = opts.ReusePort || v.ToBoolean()
		}
		if v := o.Get("maxConnections"); !isNullish(v) {
			n, ok := v.Export().(int64)
			if !ok || n < 0 {
				rt.throwf("listen: maxConnections: want a number of connections (0: no limit), got %v", v)
			}
			opts.MaxConnections = int(n)
		}
		if err := readDurations(o, []durationField{
			{"readTimeout", &opts.Conn.ReadTimeout},
			{"handshakeTimeout", &opts.Conn.HandshakeTimeout},
		}); err != nil {
			rt.throwf("listen: %v", err)
		}
		// These have defaults: absent keeps it, 0 turns the limit off.
		for _, f := range []durationField{
			{"writeTimeout", &opts.Conn.WriteTimeout},
			{"idleTimeout", &opts.Conn.IdleTimeout},
			{"headTimeout", &opts.Conn.HeadTimeout},
			{"bodyTimeout", &opts.Conn.BodyTimeout},
			{"lingerTimeout", &opts.Conn.LingerTimeout},
			{"lingerTime", &opts.Conn.LingerTime},
		} {
			if err := readDurations(o, []durationField{f}); err != nil {
				rt.throwf("listen: %v", err)
			}
			if v := o.Get(f.name); !isNullish(v) && *f.dst == 0 {
				*f.dst = -1
			}
		}
		if t, ok := o.Get("tls").(*goja.Object); ok {
			cfg, err := rt.tlsConfig(t)
			if err != nil {
				rt.throwf("listen: tls: %v", err)
			}
			pool, err := rt.trustedPool(t)
			if err != nil {
				rt.throwf("listen: tls: %v", err)
			}
			if pool != nil {
				cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
			}
			if cfg.NextProtos, err = alpnArg(t.Get("alpn")); err != nil {
				rt.throwf("listen: tls: %v", err)
			}
			opts.TLS = cfg
		}
	}
	rt.section = rt.p.module.Listen(addr, opts)
}

// listenAddr reads a port number, a string of digits or "host:port". A
// bare port listens on Options.ListenHost.
func (rt *jsRuntime) listenAddr(v goja.Value) (string, error) {
	if isNullish(v) {
		return "", fmt.Errorf("no port")
	}
	s := v.String()
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 65535 {
			return "", fmt.Errorf("port %d out of range", n)
		}
		return net.JoinHostPort(rt.p.opts.ListenHost, strconv.Itoa(n)), nil
	}
	if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
		return "", fmt.Errorf("bad address %q", s)
	}
	return s, nil
}

// tlsConfig reads {cert, key}: each PEM text (a string or Data) or, for a
// string that holds no PEM block, a file name relative to the script.
func (rt *jsRuntime) tlsConfig(o *goja.Object) (*tls.Config, error) {
	cert, err := rt.pemArg(o.Get("cert"), "cert")
	if err != nil {
		return nil, err
	}
	key, err := rt.pemArg(o.Get("key"), "key")
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}}, nil
}

// trustedPool reads the certificates of o.trusted (or o.ca): one PEM text
// (a string, Data or file name, as for cert) or an array of them. It
// returns nil when there are none.
func (rt *jsRuntime) trustedPool(o *goja.Object) (*x509.CertPool, error) {
	v := o.Get("trusted")
	if isNullish(v) {
		v = o.Get("ca")
	}
	if isNullish(v) {
		return nil, nil
	}
	var items []goja.Value
	if a, ok := v.(*goja.Object); ok && a.ClassName() == "Array" {
		for _, k := range a.Keys() {
			items = append(items, a.Get(k))
		}
	} else {
		items = []goja.Value{v}
	}
	pool := x509.NewCertPool()
	for i, it := range items {
		pem, err := rt.pemArg(it, "trusted certificate")
		if err != nil {
			return nil, err
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("trusted certificate %d: no certificate in the PEM text", i)
		}
	}
	return pool, nil
}

func (rt *jsRuntime) pemArg(v goja.Value, what string) ([]byte, error) {
	if isNullish(v) {
		return nil, fmt.Errorf("no %s", what)
	}
	if o, ok := v.(*goja.Object); ok {
		if d, ok := o.Export().(*jsData); ok {
			return d.d.Bytes(), nil
		}
	}
	s := v.String()
	if strings.Contains(s, "-----BEGIN") {
		return []byte(s), nil
	}
	path := s
	if !filepath.IsAbs(path) {
		path = filepath.Join(rt.p.dir, path)
	}
	return os.ReadFile(path)
}

// durationField names an option of a duration and where it goes.
type durationField struct {
	name string
	dst  *time.Duration
}

// readDurations sets each field present in o, read as parseDuration
// does; an error names the option.
func readDurations(o *goja.Object, fields []durationField) error {
	for _, f := range fields {
		if v := o.Get(f.name); !isNullish(v) {
			d, err := parseDuration(v.Export())
			if err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			*f.dst = d
		}
	}
	return nil
}

// durationArg reads an interval as parseDuration does; undefined
// is zero.
func durationArg(v goja.Value) (d time.Duration, err error) {
	if isNullish(v) {
		return 0, nil
	}
	return parseDuration(v.Export())
}
