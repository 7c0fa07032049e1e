package script

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/event"
)

// installGlobals installs the global modules of Pipy 0.x that do not belong
// to the script core into h's runtime: os, URL, algo, http.File, crypto, XML
// and Hessian. The core calls it once for each runtime, before the
// configuration script runs; the installed objects belong to that runtime
// (and so to one worker) and must not be shared. An error means the runtime
// refused a property definition and the runtime should be discarded.
//
// If h also implements interface{ Now() time.Time }, that clock drives the
// time-based behaviour of the modules (algo.Cache ttl); otherwise time.Now.
func installGlobals(h host) error {
	m := newModEnv(h)
	if ex := m.rt.Try(func() {
		m.installOS()
		m.installURL()
		m.installAlgo()
		m.installHTTPFile()
		m.installCrypto()
		m.installXML()
		m.installHessian()
	}); ex != nil {
		return fmt.Errorf("script: installing global modules: %w", ex)
	}
	return nil
}

// modEnv is what every global module binding shares within one runtime: the
// host, the runtime, the private symbol under which a JS wrapper object keeps
// its Go value, and the clock.
type modEnv struct {
	h    host
	rt   *goja.Runtime
	slot *goja.Symbol
	now  func() time.Time

	errorCtor    *goja.Object // the built-in Error constructor
	jsonParse    goja.Callable
	xmlNodeProto *goja.Object // XML.Node.prototype
}

// newModEnv captures what the bindings need from h and its runtime.
func newModEnv(h host) *modEnv {
	m := &modEnv{h: h, rt: h.VM(), slot: goja.NewSymbol("sluice.native"), now: time.Now}
	if c, ok := h.(interface{ Now() time.Time }); ok {
		m.now = c.Now
	}
	m.errorCtor = m.rt.Get("Error").ToObject(m.rt)
	if j := m.rt.Get("JSON"); j != nil {
		m.jsonParse, _ = goja.AssertFunction(j.ToObject(m.rt).Get("parse"))
	}
	return m
}

// logger returns the host's logger, or the default one.
func (m *modEnv) logger() *slog.Logger {
	if l := m.h.Logger(); l != nil {
		return l
	}
	return slog.Default()
}

// global returns the global object name, creating it as a plain object when
// the runtime has none yet (another module may have created it first).
func (m *modEnv) global(name string) *goja.Object {
	if v := m.rt.Get(name); v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) {
		if o, ok := v.(*goja.Object); ok {
			return o
		}
	}
	o := m.rt.NewObject()
	m.must(m.rt.Set(name, o))
	return o
}

// must turns a property-definition error into a JS exception; installGlobals
// reports it to the core.
func (m *modEnv) must(err error) {
	if err != nil {
		panic(m.rt.NewGoError(err))
	}
}

// typeError throws a JS TypeError. The message should start with the name of
// the function, as scripts see it ("algo.Cache.get: ...").
func (m *modEnv) typeError(format string, args ...any) {
	panic(m.rt.NewTypeError("%s", fmt.Sprintf(format, args...)))
}

// throwError throws a JS Error whose message is fn and the error's text.
func (m *modEnv) throwError(fn string, err error) {
	msg := fn + ": " + err.Error()
	o, e := m.rt.New(m.errorCtor, m.rt.ToValue(msg))
	if e != nil {
		panic(m.rt.NewGoError(fmt.Errorf("%s", msg)))
	}
	panic(o)
}

// call calls a JS function from Go code that itself runs inside a JS call:
// an exception thrown by fn propagates to the script unchanged.
func (m *modEnv) call(fn goja.Callable, args ...goja.Value) goja.Value {
	v, err := fn(goja.Undefined(), args...)
	if err != nil {
		panic(err)
	}
	return v
}

// class makes a constructor named name whose instances carry a Go value:
// create is called by `new Name(...)` (and by a call without new, which Pipy
// scripts sometimes write) and returns the Go value, which is then wrapped
// into an object inheriting from the returned prototype. The constructor
// never uses `this`, so calling it as a method cannot alter the receiver.
func (m *modEnv) class(name string, create func(args []goja.Value) any) (ctor, proto *goja.Object) {
	return m.classInit(name, create, nil)
}

// classInit is class with init, which sets up each new instance o (own
// properties) from its Go value v.
func (m *modEnv) classInit(name string, create func(args []goja.Value) any, init func(o *goja.Object, v any)) (ctor, proto *goja.Object) {
	var p *goja.Object
	ctor = m.rt.ToValue(func(call goja.ConstructorCall) *goja.Object {
		v := create(call.Arguments)
		o := m.wrap(p, v)
		if init != nil {
			init(o, v)
		}
		return o
	}).(*goja.Object)
	p = ctor.Get("prototype").ToObject(m.rt)
	m.must(ctor.DefineDataProperty("name", m.rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE))
	return ctor, p
}

// wrap returns a new object inheriting from proto that carries v.
func (m *modEnv) wrap(proto *goja.Object, v any) *goja.Object {
	o := m.rt.CreateObject(proto)
	m.must(o.DefineDataPropertySymbol(m.slot, m.rt.ToValue(nativeBox{v}), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE))
	return o
}

// nativeBox hides a Go value from scripts: it has no exported fields or
// methods, so its JS wrapper shows nothing.
type nativeBox struct{ v any }

// native returns the Go value carried by v (see wrap), or nil.
func (m *modEnv) native(v goja.Value) any {
	o, ok := v.(*goja.Object)
	if !ok {
		return nil
	}
	s := o.GetSymbol(m.slot)
	if s == nil {
		return nil
	}
	b, ok := s.Export().(nativeBox)
	if !ok {
		return nil
	}
	return b.v
}

// nativeOf returns the Go value of type T carried by v, or throws a TypeError
// naming fn and what was expected.
func nativeOf[T any](m *modEnv, v goja.Value, fn, what string) T {
	t, ok := m.native(v).(T)
	if !ok {
		m.typeError("%s: expected %s", fn, what)
	}
	return t
}

// method defines a non-enumerable method on o.
func (m *modEnv) method(o *goja.Object, name string, fn func(goja.FunctionCall) goja.Value) {
	f := m.rt.ToValue(fn).(*goja.Object)
	m.must(f.DefineDataProperty("name", m.rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE))
	m.must(o.DefineDataProperty(name, f, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE))
}

// constant defines an enumerable read-only data property on o.
func (m *modEnv) constant(o *goja.Object, name string, v any) {
	m.must(o.DefineDataProperty(name, m.rt.ToValue(v), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_TRUE))
}

// jsNullish reports whether v is undefined or null (or absent).
func jsNullish(v goja.Value) bool {
	return v == nil || goja.IsUndefined(v) || goja.IsNull(v)
}

// argAt returns args[i], or undefined when there are fewer arguments.
func argAt(args []goja.Value, i int) goja.Value {
	if i < len(args) {
		return args[i]
	}
	return goja.Undefined()
}

// argString returns args[i] as a string, or throws a TypeError naming fn.
func (m *modEnv) argString(args []goja.Value, i int, fn, name string) string {
	v := argAt(args, i)
	if !goja.IsString(v) {
		m.typeError("%s: %s must be a string", fn, name)
	}
	return v.String()
}

// argFunc returns args[i] as a function; nullish gives nil when optional.
func (m *modEnv) argFunc(args []goja.Value, i int, fn, name string, optional bool) goja.Callable {
	v := argAt(args, i)
	if optional && jsNullish(v) {
		return nil
	}
	f, ok := goja.AssertFunction(v)
	if !ok {
		m.typeError("%s: %s must be a function", fn, name)
	}
	return f
}

// argObject returns args[i] as an object; nullish gives nil when optional.
func (m *modEnv) argObject(args []goja.Value, i int, fn, name string, optional bool) *goja.Object {
	v := argAt(args, i)
	if optional && jsNullish(v) {
		return nil
	}
	o, ok := v.(*goja.Object)
	if !ok {
		m.typeError("%s: %s must be an object", fn, name)
	}
	return o
}

// dataOf returns the bytes of a Data object or a string (UTF-8), and false for
// anything else.
func (m *modEnv) dataOf(v goja.Value) (*event.Data, bool) {
	if jsNullish(v) {
		return nil, false
	}
	return m.h.DataOf(v)
}

// argBytes returns args[i], a Data object or a string, as bytes.
func (m *modEnv) argBytes(args []goja.Value, i int, fn, name string) []byte {
	d, ok := m.dataOf(argAt(args, i))
	if !ok {
		m.typeError("%s: %s must be a Data object or a string", fn, name)
	}
	return d.Bytes()
}

// newData wraps b (handed over) as a JS Data object.
func (m *modEnv) newData(b []byte) goja.Value {
	return m.h.NewData(event.FromBytes(b))
}

// jsDateOf returns the time of a JS Date object.
func jsDateOf(v goja.Value) (time.Time, bool) {
	o, ok := v.(*goja.Object)
	if !ok || o.ClassName() != "Date" {
		return time.Time{}, false
	}
	t, ok := o.Export().(time.Time)
	return t, ok
}

// newDate returns a JS Date for t.
func (m *modEnv) newDate(t time.Time) goja.Value {
	d, err := m.rt.New(m.rt.Get("Date"), m.rt.ToValue(t.UnixMilli()))
	if err != nil {
		panic(err)
	}
	return d
}

// Binary-to-text encodings of Pipy's Data (utf8, hex, base64, base64url).
const (
	encUTF8      = "utf8"
	encHex       = "hex"
	encBase64    = "base64"
	encBase64URL = "base64url"
)

// encodeText encodes b as a string in one of the Pipy encodings.
func encodeText(b []byte, enc string) (string, bool) {
	switch enc {
	case encHex:
		return hex.EncodeToString(b), true
	case encBase64:
		return base64.StdEncoding.EncodeToString(b), true
	case encBase64URL:
		return base64.RawURLEncoding.EncodeToString(b), true
	case encUTF8, "utf-8":
		return string(b), true
	}
	return "", false
}

// decodeText decodes s from one of the Pipy encodings. Base64 accepts input
// with or without padding.
func decodeText(s, enc string) ([]byte, error) {
	switch enc {
	case encUTF8, "utf-8", "":
		return []byte(s), nil
	case encHex:
		return hex.DecodeString(s)
	case encBase64:
		return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	case encBase64URL:
		return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	return nil, fmt.Errorf("unknown encoding %q", enc)
}

// sameValueKey turns a JS value into a comparable Go key with JavaScript's
// SameValueZero identity: strings and numbers by value (NaN equal to NaN,
// -0 equal to +0), objects by identity.
func sameValueKey(v goja.Value) any {
	switch {
	case v == nil || goja.IsUndefined(v):
		return undefinedKey{}
	case goja.IsNull(v):
		return nullKey{}
	case goja.IsString(v):
		return v.String()
	case goja.IsNumber(v):
		f := v.ToFloat()
		if math.IsNaN(f) {
			return nanKey{}
		}
		return f + 0 // -0 becomes +0
	}
	if o, ok := v.(*goja.Object); ok {
		return o
	}
	if s, ok := v.(*goja.Symbol); ok {
		return s
	}
	if b, ok := v.Export().(bool); ok {
		return b
	}
	return bigIntKey(v.String())
}

// The keys of undefined, null, NaN and BigInts (see sameValueKey).
type (
	undefinedKey struct{}
	nullKey      struct{}
	nanKey       struct{}
	bigIntKey    string
)
