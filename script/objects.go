package script

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
)

// The classes scripts build events with. Each JS object is a goja dynamic
// object over a small Go struct pointing at the Go value, with the class's
// prototype; Export returns the struct, which is how the bridge recognises
// them. Properties are live: writing msg.head or evt.head changes the Go
// value that the filters see.

// jsData is a Data object: size, and the prototype's push, shift, toString.
type jsData struct {
	rt *jsRuntime
	d  *event.Data
}

func (o *jsData) Get(k string) goja.Value {
	if k == "size" {
		return o.rt.vm.ToValue(o.d.Len())
	}
	return nil
}
func (o *jsData) Set(string, goja.Value) bool { return false }
func (o *jsData) Has(k string) bool           { return k == "size" }
func (o *jsData) Delete(string) bool          { return false }
func (o *jsData) Keys() []string              { return nil }

// NewData wraps d as a JS Data object (host). The object shares d.
func (rt *jsRuntime) NewData(d *event.Data) goja.Value {
	if d == nil {
		d = event.NewData()
	}
	o := rt.vm.NewDynamicObject(&jsData{rt: rt, d: d})
	o.SetPrototype(rt.dataProto)
	return o
}

// jsMessage is a Message object: head, body and tail (what follows the
// body: HTTP trailers), all readable and writable.
type jsMessage struct {
	rt     *jsRuntime
	head   any // the Go head, unless headJS was set
	headJS goja.Value
	body   *event.Data
	bodyJS goja.Value
	tail   any
	made   bool // made by new Message(): an absent body reads as null
}

func (o *jsMessage) Get(k string) goja.Value {
	switch k {
	case "head":
		if o.head == nil && o.headJS == nil {
			return goja.Null() // Pipy: a message without a head has head null
		}
		if o.headJS == nil {
			o.headJS = o.rt.headToJS(o.head)
		}
		return o.headJS
	case "body":
		if o.bodyJS == nil {
			if o.body == nil {
				if o.made {
					return goja.Null()
				}
				o.body = event.NewData()
			}
			o.bodyJS = o.rt.NewData(o.body)
		}
		return o.bodyJS
	case "tail":
		return o.rt.tailToJS(o.tail)
	}
	return nil
}

func (o *jsMessage) Set(k string, v goja.Value) bool {
	switch k {
	case "tail":
		t, err := o.rt.headToGo(v)
		if err != nil {
			return false
		}
		o.tail = t
		return true
	case "head":
		h, err := o.rt.headToGo(v)
		if err != nil {
			return false
		}
		o.head, o.headJS = h, nil
		return true
	case "body":
		if isNullish(v) {
			o.body, o.bodyJS = nil, nil
			return true
		}
		d, ok := o.rt.DataOf(v)
		if !ok {
			return false
		}
		o.body, o.bodyJS = d, nil
		return true
	}
	return false
}
func (o *jsMessage) Has(k string) bool  { return k == "head" || k == "body" || k == "tail" }
func (o *jsMessage) Delete(string) bool { return false }
func (o *jsMessage) Keys() []string     { return []string{"head", "body", "tail"} }

// tailToJS is a message's tail as JS: null when none; trailers as a copy
// read like a head's headers (assign the tail to change it).
func (rt *jsRuntime) tailToJS(t any) goja.Value {
	switch x := t.(type) {
	case nil:
		return goja.Null()
	case http1.Headers:
		c := x.Clone()
		return rt.vm.NewDynamicObject(&headersObj{rt: rt, h: &c})
	}
	return rt.headToJS(t)
}

// NewMessage wraps m as a JS Message object (host): its head is converted
// to JS when first read, and its body is shared.
func (rt *jsRuntime) NewMessage(m *event.Message) goja.Value {
	o := rt.vm.NewDynamicObject(&jsMessage{rt: rt, head: m.Head, body: m.Body, tail: m.Tail})
	o.SetPrototype(rt.messageProto)
	return o
}

// jsMessageStart is a MessageStart object over the Go event: writing its
// head changes the event's head.
type jsMessageStart struct {
	rt     *jsRuntime
	ev     *event.MessageStart
	headJS goja.Value
}

func (o *jsMessageStart) Get(k string) goja.Value {
	if k != "head" {
		return nil
	}
	if o.ev.Head == nil && o.headJS == nil {
		return goja.Null()
	}
	if o.headJS == nil {
		o.headJS = o.rt.headToJS(o.ev.Head)
	}
	return o.headJS
}

func (o *jsMessageStart) Set(k string, v goja.Value) bool {
	if k != "head" {
		return false
	}
	h, err := o.rt.headToGo(v)
	if err != nil {
		return false
	}
	o.ev.Head, o.headJS = h, nil
	return true
}
func (o *jsMessageStart) Has(k string) bool  { return k == "head" }
func (o *jsMessageStart) Delete(string) bool { return false }
func (o *jsMessageStart) Keys() []string     { return []string{"head"} }

// jsMessageEnd is a MessageEnd object: its tail (HTTP trailers), readable
// and writable.
type jsMessageEnd struct {
	rt *jsRuntime
	ev *event.MessageEnd
}

func (o *jsMessageEnd) Get(k string) goja.Value {
	if k != "tail" {
		return nil
	}
	return o.rt.tailToJS(o.ev.Tail)
}

func (o *jsMessageEnd) Set(k string, v goja.Value) bool {
	if k != "tail" {
		return false
	}
	t, err := o.rt.headToGo(v)
	if err != nil {
		return false
	}
	o.ev.Tail = t
	return true
}
func (o *jsMessageEnd) Has(k string) bool  { return k == "tail" }
func (o *jsMessageEnd) Delete(string) bool { return false }
func (o *jsMessageEnd) Keys() []string     { return []string{"tail"} }

// jsSessionEnd is a SessionEnd object: error (Pipy's name of the kind, such
// as "ConnectionRefused"; "" for a normal end, as in Pipy) and message.
type jsSessionEnd struct {
	rt *jsRuntime
	ev *event.SessionEnd
}

func (o *jsSessionEnd) Get(k string) goja.Value {
	switch k {
	case "error":
		if o.ev.Err == event.NoError {
			return o.rt.vm.ToValue("")
		}
		return o.rt.vm.ToValue(kindName(o.ev.Err))
	case "message":
		return o.rt.vm.ToValue(o.ev.Message)
	}
	return nil
}

func (o *jsSessionEnd) Set(k string, v goja.Value) bool {
	switch k {
	case "error":
		o.ev.Err, _ = kindOf(v.Export())
		return true
	case "message":
		o.ev.Message = v.String()
		return true
	}
	return false
}
func (o *jsSessionEnd) Has(k string) bool  { return k == "error" || k == "message" }
func (o *jsSessionEnd) Delete(string) bool { return false }
func (o *jsSessionEnd) Keys() []string     { return []string{"error", "message"} }

// pipyKinds are Pipy's names of the SessionEnd error kinds.
var pipyKinds = [...]string{
	event.NoError:           "NoError",
	event.UnknownError:      "UnknownError",
	event.RuntimeError:      "RuntimeError",
	event.ReadError:         "ReadError",
	event.WriteError:        "WriteError",
	event.CannotResolve:     "CannotResolve",
	event.ConnectionRefused: "ConnectionRefused",
	event.Unauthorized:      "Unauthorized",
	event.BufferOverflow:    "BufferOverflow",
	event.ProtocolError:     "ProtocolError",
	event.Timeout:           "Timeout",
}

func kindName(k event.ErrorKind) string {
	if int(k) < len(pipyKinds) {
		return pipyKinds[k]
	}
	return k.String()
}

// kindOf reads an error kind: Pipy's name ("ConnectionRefused"), the Go
// name ("connection refused") or the number. ok is false (and the kind
// UnknownError) for anything else.
func kindOf(v any) (event.ErrorKind, bool) {
	switch x := v.(type) {
	case nil:
		return event.NoError, true
	case int64:
		if x >= 0 && int(x) < len(pipyKinds) {
			return event.ErrorKind(x), true
		}
	case string:
		if x == "" {
			return event.NoError, true // Pipy's name of no error
		}
		for i, n := range pipyKinds {
			k := event.ErrorKind(i)
			if strings.EqualFold(x, n) || strings.EqualFold(x, k.String()) {
				return k, true
			}
		}
	}
	return event.UnknownError, false
}

// eventToJS wraps an event as its JS object. borrowed Data is cloned,
// so a script that shifts it does not take bytes from the event passed on.
func (rt *jsRuntime) eventToJS(evt event.Event) goja.Value {
	switch e := evt.(type) {
	case *event.Data:
		return rt.NewData(e.Clone())
	case *event.MessageStart:
		return rt.wrap(&jsMessageStart{rt: rt, ev: e}, rt.msgStartProto)
	case *event.MessageEnd:
		return rt.wrap(&jsMessageEnd{rt: rt, ev: e}, rt.msgEndProto)
	case *event.SessionEnd:
		return rt.wrap(&jsSessionEnd{rt: rt, ev: e}, rt.sessEndProto)
	}
	return goja.Undefined()
}

func (rt *jsRuntime) wrap(d goja.DynamicObject, proto *goja.Object) *goja.Object {
	o := rt.vm.NewDynamicObject(d)
	o.SetPrototype(proto)
	return o
}

// installClasses defines Data, Message, MessageStart, MessageEnd and
// SessionEnd.
func (rt *jsRuntime) installClasses() error {
	vm := rt.vm
	class := func(name string, ctor func(goja.ConstructorCall) *goja.Object) (*goja.Object, error) {
		c := vm.ToValue(ctor).(*goja.Object)
		if err := vm.Set(name, c); err != nil {
			return nil, err
		}
		return c.Get("prototype").(*goja.Object), nil
	}
	var err error
	if rt.dataProto, err = class("Data", rt.newDataCtor); err != nil {
		return err
	}
	rt.dataProto.Set("push", rt.dataPush)
	rt.dataProto.Set("shift", rt.dataShift)
	rt.dataProto.Set("toString", rt.dataToString)
	if rt.messageProto, err = class("Message", func(c goja.ConstructorCall) *goja.Object {
		m := &jsMessage{rt: rt, made: true}
		head, body := c.Argument(0), c.Argument(1)
		if len(c.Arguments) == 1 {
			if _, ok := rt.DataOf(head); ok {
				head, body = goja.Undefined(), head
			}
		}
		if !m.Set("head", head) {
			rt.throwf("Message: head must be an object")
		}
		if !m.Set("body", body) {
			rt.throwf("Message: body must be Data or a string")
		}
		if !m.Set("tail", c.Argument(2)) {
			rt.throwf("Message: tail must be an object")
		}
		return rt.wrap(m, rt.messageProto)
	}); err != nil {
		return err
	}
	if rt.msgStartProto, err = class("MessageStart", func(c goja.ConstructorCall) *goja.Object {
		o := &jsMessageStart{rt: rt, ev: &event.MessageStart{}}
		if !o.Set("head", c.Argument(0)) {
			rt.throwf("MessageStart: head must be an object")
		}
		return rt.wrap(o, rt.msgStartProto)
	}); err != nil {
		return err
	}
	if rt.msgEndProto, err = class("MessageEnd", func(c goja.ConstructorCall) *goja.Object {
		o := &jsMessageEnd{rt: rt, ev: &event.MessageEnd{}}
		if !o.Set("tail", c.Argument(0)) {
			rt.throwf("MessageEnd: tail must be an object")
		}
		return rt.wrap(o, rt.msgEndProto)
	}); err != nil {
		return err
	}
	rt.sessEndProto, err = class("SessionEnd", func(c goja.ConstructorCall) *goja.Object {
		ev := &event.SessionEnd{}
		if v := c.Argument(0); !isNullish(v) {
			k, ok := kindOf(v.Export())
			ev.Err = k
			if !ok {
				ev.Message = v.String()
			}
		}
		if v := c.Argument(1); !isNullish(v) {
			ev.Message = v.String()
		}
		return rt.wrap(&jsSessionEnd{rt: rt, ev: ev}, rt.sessEndProto)
	})
	return err
}

// new Data(), new Data(string [, encoding]), new Data(Data), new Data([bytes]).
func (rt *jsRuntime) newDataCtor(c goja.ConstructorCall) *goja.Object {
	d := event.NewData()
	v := c.Argument(0)
	switch {
	case isNullish(v):
	default:
		if o, ok := v.(*goja.Object); ok {
			if x, ok := o.Export().(*jsData); ok {
				d = x.d.Clone()
				break
			}
			var bs []byte
			if err := rt.vm.ExportTo(v, &bs); err != nil {
				rt.throwf("Data: cannot make Data of %s", v.String())
			}
			d.Push(bs)
			break
		}
		b, err := decodeString(v.String(), c.Argument(1))
		if err != nil {
			rt.throw(err)
		}
		d.Push(b)
	}
	o := rt.vm.NewDynamicObject(&jsData{rt: rt, d: d})
	o.SetPrototype(rt.dataProto)
	return o
}

func decodeString(s string, enc goja.Value) ([]byte, error) {
	e := "utf8"
	if !isNullish(enc) {
		e = strings.ToLower(enc.String())
	}
	switch e {
	case "utf8", "utf-8", "":
		return []byte(s), nil
	case "hex":
		return hex.DecodeString(s)
	case "base64":
		return base64.StdEncoding.DecodeString(s)
	case "base64url":
		return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	return nil, fmt.Errorf("%w: unknown encoding %q", ErrBadArgument, e)
}

func (rt *jsRuntime) thisData(c goja.FunctionCall, method string) *jsData {
	if o, ok := c.This.(*goja.Object); ok {
		if d, ok := o.Export().(*jsData); ok {
			return d
		}
	}
	panic(rt.vm.NewTypeError("Data.prototype." + method + " called on something that is not Data"))
}

// push(data|string) appends, and returns this.
func (rt *jsRuntime) dataPush(c goja.FunctionCall) goja.Value {
	o := rt.thisData(c, "push")
	v := c.Argument(0)
	if x, ok := v.(*goja.Object); ok {
		if d, ok := x.Export().(*jsData); ok {
			o.d.PushData(d.d.Clone())
			return c.This
		}
	}
	if isNullish(v) {
		return c.This
	}
	o.d.PushString(v.String())
	return c.This
}

// shift(n) removes the first n bytes and returns them as Data.
func (rt *jsRuntime) dataShift(c goja.FunctionCall) goja.Value {
	o := rt.thisData(c, "shift")
	n := int(c.Argument(0).ToInteger())
	n = max(0, min(n, o.d.Len()))
	return rt.NewData(o.d.Shift(n))
}

// toString(encoding) decodes the bytes: "utf8" (the default), "hex",
// "base64" or "base64url".
func (rt *jsRuntime) dataToString(c goja.FunctionCall) goja.Value {
	o := rt.thisData(c, "toString")
	e := "utf8"
	if v := c.Argument(0); !isNullish(v) {
		e = strings.ToLower(v.String())
	}
	switch e {
	case "utf8", "utf-8", "":
		return rt.vm.ToValue(o.d.String())
	case "hex":
		return rt.vm.ToValue(hex.EncodeToString(o.d.Bytes()))
	case "base64":
		return rt.vm.ToValue(base64.StdEncoding.EncodeToString(o.d.Bytes()))
	case "base64url":
		return rt.vm.ToValue(base64.RawURLEncoding.EncodeToString(o.d.Bytes()))
	}
	rt.throwf("Data.toString: unknown encoding %q", e)
	return nil
}
