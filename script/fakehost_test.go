package script

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/event"
	"github.com/stretchr/testify/require"
)

// fakeHost is a host for testing the global modules without the script
// core: a goja runtime, a minimal Data class (size, toString(encoding?)), a
// Message that is a plain {head, body} object, a log buffer, and a manual
// clock.
type fakeHost struct {
	vm        *goja.Runtime
	dir       string
	logs      bytes.Buffer
	logger    *slog.Logger
	dataProto *goja.Object
	now       time.Time
}

// fakeData is the Go side of the fake Data objects.
type fakeData struct {
	d  *event.Data
	vm *goja.Runtime
}

func (f *fakeData) Get(k string) goja.Value {
	if k == "size" {
		return f.vm.ToValue(f.d.Len())
	}
	return nil
}
func (f *fakeData) Set(string, goja.Value) bool { return false }
func (f *fakeData) Has(k string) bool           { return k == "size" }
func (f *fakeData) Delete(string) bool          { return false }
func (f *fakeData) Keys() []string              { return nil }

// newFakeHost returns a host whose BaseDir is dir, with the global modules
// installed, and the test helpers:
//
//	__data(string)      a Data holding the string's UTF-8 bytes
//	__hex(data)         the hex of a Data
//	__fromHex(string)   a Data of the bytes written in hex
func newFakeHost(t testing.TB, dir string) *fakeHost {
	t.Helper()
	h := &fakeHost{vm: goja.New(), dir: dir, now: time.Unix(1_600_000_000, 0)}
	h.logger = slog.New(slog.NewTextHandler(&h.logs, nil))
	h.dataProto = h.vm.NewObject()
	require.NoError(t, h.dataProto.Set("toString", func(call goja.FunctionCall) goja.Value {
		d, ok := h.DataOf(call.This)
		if !ok {
			panic(h.vm.NewTypeError("not a Data"))
		}
		if enc := call.Argument(0); !goja.IsUndefined(enc) {
			s, ok := encodeText(d.Bytes(), enc.String())
			if !ok {
				panic(h.vm.NewTypeError("bad encoding"))
			}
			return h.vm.ToValue(s)
		}
		return h.vm.ToValue(d.String())
	}))
	require.NoError(t, h.vm.Set("__data", func(s string) goja.Value { return h.NewData(event.FromString(s)) }))
	require.NoError(t, h.vm.Set("__fromHex", func(s string) goja.Value {
		b, err := decodeText(s, "hex")
		if err != nil {
			panic(h.vm.NewTypeError(err.Error()))
		}
		return h.NewData(event.FromBytes(b))
	}))
	require.NoError(t, h.vm.Set("__hex", func(v goja.Value) string {
		d, ok := h.DataOf(v)
		if !ok {
			panic(h.vm.NewTypeError("not a Data"))
		}
		s, _ := encodeText(d.Bytes(), "hex")
		return s
	}))
	require.NoError(t, installGlobals(h))
	return h
}

func (h *fakeHost) VM() *goja.Runtime       { return h.vm }
func (h *fakeHost) Logger() *slog.Logger    { return h.logger }
func (h *fakeHost) BaseDir() string         { return h.dir }
func (h *fakeHost) Now() time.Time          { return h.now }
func (h *fakeHost) advance(d time.Duration) { h.now = h.now.Add(d) }

func (h *fakeHost) DataOf(v goja.Value) (*event.Data, bool) {
	switch x := v.(type) {
	case nil:
		return nil, false
	case *goja.Object:
		if f, ok := x.Export().(*fakeData); ok {
			return f.d, true
		}
		return nil, false
	}
	if goja.IsString(v) {
		return event.FromString(v.String()), true
	}
	return nil, false
}

func (h *fakeHost) NewData(d *event.Data) goja.Value {
	o := h.vm.NewDynamicObject(&fakeData{d: d, vm: h.vm})
	_ = o.SetPrototype(h.dataProto)
	return o
}

func (h *fakeHost) NewMessage(m *event.Message) goja.Value {
	o := h.vm.NewObject()
	_ = o.Set("head", h.vm.ToValue(m.Head))
	body := m.Body
	if body == nil {
		body = event.NewData()
	}
	_ = o.Set("body", h.NewData(body))
	return o
}

// run runs src and returns its completion value.
func (h *fakeHost) run(t testing.TB, src string) goja.Value {
	t.Helper()
	v, err := h.vm.RunString(src)
	require.NoError(t, err, "script:\n%s", src)
	return v
}

// runString runs src and returns its completion value as a string.
func (h *fakeHost) runString(t testing.TB, src string) string {
	t.Helper()
	return h.run(t, src).String()
}

// throws runs src, requires it to throw an exception of type kind
// ("TypeError", "Error") whose message contains want, and returns the message.
func (h *fakeHost) throws(t testing.TB, src, kind, want string) string {
	t.Helper()
	_, err := h.vm.RunString(src)
	require.Error(t, err, "script did not throw:\n%s", src)
	var ex *goja.Exception
	require.ErrorAs(t, err, &ex)
	obj, ok := ex.Value().(*goja.Object)
	require.True(t, ok, "thrown value is not an object: %v", ex.Value())
	require.Equal(t, kind, obj.Get("name").String(), "exception: %v", ex.Value())
	msg := obj.Get("message").String()
	require.True(t, strings.Contains(msg, want), "message %q does not contain %q", msg, want)
	return msg
}
