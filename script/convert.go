package script

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/codec/dubbo"
	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Conversions between Go values and JS values of one runtime.
//
// Heads, Go to JS: an *http1.RequestHead becomes an object with method,
// path, protocol, headers, scheme and authority (an HTTP/1 request's
// computed when read: http1.RequestHead.Scheme, Authority; setting one
// keeps the value given, as for an HTTP/2 request's); an *http1.ResponseHead one with protocol,
// status, statusText and headers; a *dubbo.Head one with id (a string of
// decimal digits: a 64-bit id does not fit a JS number), status, isRequest,
// isTwoWay, isEvent and serialization. These objects are live views of the
// Go head, writable like any Pipy object: assigning a field (or a header)
// changes the head the filters downstream see, any other property a script
// sets is kept in the head's Extra (later filters' callbacks see it on the
// same event), delete works, and spreading and Object.keys list the fields.
// headers is an object keyed by lower-case names (lookups ignore case); a
// field that occurs more than once reads as its values joined with ", ",
// except set-cookie, which reads as an array of strings. Assigning a string
// sets a header, an array sets one field per element, undefined or null (or
// delete) removes it. A map[string]any or event.Fields head (what scripts
// produce) is shown as a live view of the map; anything else through goja's
// usual Go value wrapping.
//
// Heads, JS to Go: the live views above give back their Go head; any other
// object is exported to a map[string]any (numbers as int64 or float64,
// arrays as []any). Every encoder reads any head by field name, coercing
// loose values in one place (event.Int, event.String, event.Bool).

// jsValue is a JS value kept by Go code on the same worker (a fork's session
// data, returned by a session-data function): the runtime it belongs to
// gives the very same value back; any other gets a copy of its export.
type jsValue struct {
	rt *jsRuntime
	v  goja.Value
}

// toJS converts a Go value (a stream's Data, an argument) to JS. Plain Go
// data ([]any, map[string]any) is copied, so that scripts never write into
// values shared between streams or workers.
func (rt *jsRuntime) toJS(x any) goja.Value {
	switch v := x.(type) {
	case nil:
		return goja.Undefined()
	case *jsValue:
		if v.rt == rt {
			return v.v
		}
		return rt.vm.ToValue(deepCopy(v.v.Export()))
	case goja.Value:
		return goja.Undefined() // never let another runtime's value in
	case []any, map[string]any:
		return rt.vm.ToValue(deepCopy(v))
	case *event.Data:
		return rt.NewData(v)
	case *event.Message:
		return rt.NewMessage(v)
	case *http1.RequestHead, *http1.ResponseHead, *dubbo.Head, event.Fields:
		return rt.headToJS(v)
	}
	return rt.vm.ToValue(x)
}

// deepCopy copies maps and slices of plain Go data.
func deepCopy(x any) any {
	switch v := x.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = deepCopy(e)
		}
		return s
	case http1.Headers:
		return v.Clone()
	}
	return x
}

// headToJS converts a message head to JS (see the comment at the top).
func (rt *jsRuntime) headToJS(h any) goja.Value {
	switch x := h.(type) {
	case nil:
		return goja.Undefined()
	case *http1.RequestHead:
		return rt.vm.NewDynamicObject(&requestHeadObj{rt: rt, h: x})
	case *http1.ResponseHead:
		return rt.vm.NewDynamicObject(&responseHeadObj{rt: rt, h: x})
	case *dubbo.Head:
		return rt.vm.NewDynamicObject(&dubboHeadObj{rt: rt, h: x})
	case http1.RequestHead:
		return rt.headToJS(&x)
	case http1.ResponseHead:
		return rt.headToJS(&x)
	case map[string]any:
		return rt.vm.ToValue(x)
	case event.Fields:
		return rt.vm.ToValue(map[string]any(x))
	}
	return rt.toJS(h)
}

// headToGo converts a JS head to Go (see the comment at the top).
func (rt *jsRuntime) headToGo(v goja.Value) (any, error) {
	if isNullish(v) {
		return nil, nil
	}
	o, ok := v.(*goja.Object)
	if !ok {
		return nil, fmt.Errorf("%w: a head must be an object, not %s", ErrBadArgument, v.String())
	}
	return normalize(o.Export()), nil
}

// normalize replaces, inside exported JS data, the live views of Go values
// with the Go values (copied where they could be shared).
func normalize(x any) any {
	switch v := x.(type) {
	case *requestHeadObj:
		return v.h
	case *responseHeadObj:
		return v.h
	case *dubboHeadObj:
		return v.h
	case *headersObj:
		return v.h.Clone()
	case *jsData:
		return v.d.Clone()
	case map[string]any:
		for k, e := range v {
			if n := normalize(e); !same(n, e) {
				v[k] = n
			}
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = normalize(e)
		}
		return v
	}
	return x
}

// same reports whether normalize left a value alone (only pointers to our
// views are replaced, so comparing those is enough).
func same(a, b any) bool {
	switch b.(type) {
	case *requestHeadObj, *responseHeadObj, *dubboHeadObj, *headersObj, *jsData:
		return false
	}
	return true
}

// cloneHead copies a head taken from a static template, so that scripts
// changing one emitted head do not change the next.
func cloneHead(h any) any {
	switch x := h.(type) {
	case map[string]any:
		return deepCopy(x)
	case event.Fields:
		return event.Fields(deepCopy(map[string]any(x)).(map[string]any))
	case *http1.RequestHead:
		c := *x
		c.Headers = x.Headers.Clone()
		c.Extra = cloneFields(x.Extra)
		return &c
	case *http1.ResponseHead:
		c := *x
		c.Headers = x.Headers.Clone()
		c.Extra = cloneFields(x.Extra)
		return &c
	case *dubbo.Head:
		c := *x
		c.Extra = cloneFields(x.Extra)
		return &c
	}
	return h
}

// cloneFields deep-copies a head's added fields; nil stays nil.
func cloneFields(f event.Fields) event.Fields {
	if f == nil {
		return nil
	}
	return event.Fields(deepCopy(map[string]any(f)).(map[string]any))
}

// emit converts what a callback returned to events and writes them to out:
// nothing (undefined, null), Data, a string (as Data), a Message, a
// MessageStart, MessageEnd or SessionEnd, or an array of those. Data and
// bodies are cloned (the script may keep and reuse the object).
func (rt *jsRuntime) emit(v goja.Value, out pipeline.Target) error {
	if isNullish(v) {
		return nil
	}
	return emitGo(v.Export(), out)
}

func emitGo(x any, out pipeline.Target) error {
	switch e := x.(type) {
	case nil:
	case *jsData:
		out.Input(e.d.Clone())
	case string:
		out.Input(event.FromString(e))
	case *jsMessage:
		out.Input(&event.MessageStart{Head: e.goHead()})
		if b := e.goBody(); b != nil && b.Len() > 0 {
			out.Input(b.Clone())
		}
		out.Input(&event.MessageEnd{Tail: e.tail})
	case *jsMessageStart:
		out.Input(&event.MessageStart{Head: e.ev.Head})
	case *jsMessageEnd:
		out.Input(&event.MessageEnd{Tail: e.ev.Tail})
	case *jsSessionEnd:
		se := *e.ev
		out.Input(&se)
	case []any:
		for _, el := range e {
			if err := emitGo(el, out); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%w: cannot turn %s into events", ErrBadArgument, describe(x))
	}
	return nil
}

func describe(x any) string {
	switch x.(type) {
	case map[string]any:
		return "a plain object"
	case int64, float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("a %T", x)
}

func (m *jsMessage) goHead() any {
	if m.headJS != nil {
		if h, err := m.rt.headToGo(m.headJS); err == nil {
			return h
		}
	}
	return m.head
}

func (m *jsMessage) goBody() *event.Data {
	if m.bodyJS != nil {
		if d, ok := m.rt.DataOf(m.bodyJS); ok {
			return d
		}
	}
	return m.body
}

// eventList collects events (a static replacement converted at load).
type eventList []event.Event

func (l *eventList) Input(evt event.Event) { *l = append(*l, evt) }

// emitStatic writes copies of a static replacement's events to out. A
// whole message of at most one Data (a MessageStart, maybe a Data, a
// MessageEnd: what new Message(...) converts to) is copied into one
// allocation: its events are still distinct objects the next filter owns,
// they only share a block of memory.
func emitStatic(evts []event.Event, out pipeline.Target) {
	for i := 0; i < len(evts); i++ {
		switch e := evts[i].(type) {
		case *event.Data:
			out.Input(e.Clone())
		case *event.MessageStart:
			if n := staticMessageLen(evts[i:]); n > 0 {
				emitStaticMessage(evts[i:i+n], out)
				i += n - 1
				continue
			}
			out.Input(&event.MessageStart{Head: cloneHead(e.Head)})
		case *event.MessageEnd:
			out.Input(&event.MessageEnd{Tail: e.Tail})
		case *event.SessionEnd:
			se := *e
			out.Input(&se)
		}
	}
}

// staticMessage is the block of memory emitStaticMessage copies a message
// into.
type staticMessage struct {
	start event.MessageStart
	body  event.Data
	end   event.MessageEnd
}

// staticMessageLen returns the length of the message at the start of evts
// when it is a MessageStart, at most one Data and a MessageEnd; else 0.
func staticMessageLen(evts []event.Event) int {
	n := 1
	if len(evts) > n {
		if _, ok := evts[n].(*event.Data); ok {
			n++
		}
	}
	if len(evts) > n {
		if _, ok := evts[n].(*event.MessageEnd); ok {
			return n + 1
		}
	}
	return 0
}

// emitStaticMessage writes a copy of msg, a message staticMessageLen
// accepted, to out from one staticMessage.
func emitStaticMessage(msg []event.Event, out pipeline.Target) {
	b := &staticMessage{}
	b.start.Head = cloneHead(msg[0].(*event.MessageStart).Head)
	out.Input(&b.start)
	if d, ok := msg[1].(*event.Data); ok {
		b.body.PushData(d)
		out.Input(&b.body)
	}
	b.end.Tail = msg[len(msg)-1].(*event.MessageEnd).Tail
	out.Input(&b.end)
}

// Heads are Pipy objects: besides their own fields a script may add any
// property (kept in the Go head's Extra, so later filters see it on the same
// event), delete one (an own field is reset to its zero value, which the
// encoders read as their default), spread and list them.

// extraGet, extraSet and extraKeys handle the added properties
// of a head view.
func (rt *jsRuntime) extraGet(x event.Fields, k string) goja.Value {
	v, ok := x[k]
	if !ok {
		return nil
	}
	return rt.toJS(v)
}

func extraSet(x *event.Fields, k string, v goja.Value) {
	if *x == nil {
		*x = event.Fields{}
	}
	if v == nil {
		(*x)[k] = nil
		return
	}
	(*x)[k] = normalize(v.Export())
}

func extraKeys(own []string, x event.Fields) []string {
	if len(x) == 0 {
		return own
	}
	ks := append(make([]string, 0, len(own)+len(x)), own...)
	extra := make([]string, 0, len(x))
	for k := range x {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	return append(ks, extra...)
}

// requestHeadObj is the live JS view of an *http1.RequestHead.
type requestHeadObj struct {
	rt      *jsRuntime
	h       *http1.RequestHead
	headers goja.Value
}

var requestHeadKeys = []string{"method", "path", "protocol", "headers"}

func (o *requestHeadObj) Get(k string) goja.Value {
	switch k {
	case "method":
		return o.rt.vm.ToValue(o.h.Method)
	case "path":
		return o.rt.vm.ToValue(o.h.Path)
	case "protocol":
		return o.rt.vm.ToValue(o.h.Protocol)
	case "headers":
		if o.headers == nil {
			o.headers = o.rt.vm.NewDynamicObject(&headersObj{rt: o.rt, h: &o.h.Headers})
		}
		return o.headers
	case "scheme", "authority":
		// an HTTP/2 request's, or one a script set, are in Extra; an
		// HTTP/1 request's are computed now (http1.RequestHead.Scheme,
		// Authority): decoding stores nothing for them
		if _, ok := o.h.Extra[k]; !ok {
			if k == "scheme" {
				return o.rt.vm.ToValue(o.h.Scheme())
			}
			return o.rt.vm.ToValue(o.h.Authority())
		}
	}
	return o.rt.extraGet(o.h.Extra, k)
}

func (o *requestHeadObj) Set(k string, v goja.Value) bool {
	switch k {
	case "method":
		o.h.Method = v.String()
	case "path":
		o.h.Path = v.String()
	case "protocol":
		o.h.Protocol = v.String()
	case "headers":
		hs, err := headersOf(v)
		if err != nil {
			return false
		}
		o.h.Headers, o.headers = hs, nil
	default:
		extraSet(&o.h.Extra, k, v)
	}
	return true
}

func (o *requestHeadObj) Has(k string) bool {
	switch k {
	case "method", "path", "protocol", "headers", "scheme", "authority":
		return true
	}
	_, ok := o.h.Extra[k]
	return ok
}

func (o *requestHeadObj) Delete(k string) bool {
	switch k {
	case "method":
		o.h.Method = ""
	case "path":
		o.h.Path = ""
	case "protocol":
		o.h.Protocol = ""
	case "headers":
		o.h.Headers, o.headers = nil, nil
	default:
		delete(o.h.Extra, k)
	}
	return true
}

// Keys lists the fields and Extra's keys: an HTTP/1 request's computed
// scheme and authority are readable but not listed (until a script sets
// them), so that Object.keys and JSON.stringify show the head as Pipy 0.x
// shows it; an HTTP/2 request's, in Extra, are listed.
func (o *requestHeadObj) Keys() []string { return extraKeys(requestHeadKeys, o.h.Extra) }

// responseHeadObj is the live JS view of an *http1.ResponseHead.
type responseHeadObj struct {
	rt      *jsRuntime
	h       *http1.ResponseHead
	headers goja.Value
}

var responseHeadKeys = []string{"protocol", "status", "statusText", "headers"}

func (o *responseHeadObj) Get(k string) goja.Value {
	switch k {
	case "protocol":
		return o.rt.vm.ToValue(o.h.Protocol)
	case "status":
		return o.rt.vm.ToValue(o.h.Status)
	case "statusText":
		return o.rt.vm.ToValue(o.h.StatusText)
	case "headers":
		if o.headers == nil {
			o.headers = o.rt.vm.NewDynamicObject(&headersObj{rt: o.rt, h: &o.h.Headers})
		}
		return o.headers
	}
	return o.rt.extraGet(o.h.Extra, k)
}

func (o *responseHeadObj) Set(k string, v goja.Value) bool {
	switch k {
	case "protocol":
		o.h.Protocol = v.String()
	case "status":
		n, err := event.Int(v.Export())
		if err != nil {
			return false
		}
		o.h.Status = int(n)
	case "statusText":
		o.h.StatusText = v.String()
	case "headers":
		hs, err := headersOf(v)
		if err != nil {
			return false
		}
		o.h.Headers, o.headers = hs, nil
	default:
		extraSet(&o.h.Extra, k, v)
	}
	return true
}

func (o *responseHeadObj) Has(k string) bool {
	switch k {
	case "protocol", "status", "statusText", "headers":
		return true
	}
	_, ok := o.h.Extra[k]
	return ok
}

func (o *responseHeadObj) Delete(k string) bool {
	switch k {
	case "protocol":
		o.h.Protocol = ""
	case "status":
		o.h.Status = 0
	case "statusText":
		o.h.StatusText = ""
	case "headers":
		o.h.Headers, o.headers = nil, nil
	default:
		delete(o.h.Extra, k)
	}
	return true
}

func (o *responseHeadObj) Keys() []string { return extraKeys(responseHeadKeys, o.h.Extra) }

func headersOf(v goja.Value) (http1.Headers, error) {
	if isNullish(v) {
		return nil, nil
	}
	return http1.HeadersOf(normalize(v.Export()))
}

// headersObj is the live JS view of http1.Headers.
type headersObj struct {
	rt *jsRuntime
	h  *http1.Headers
}

func (o *headersObj) Get(k string) goja.Value {
	vs := o.h.Values(k)
	switch {
	case len(vs) == 0:
		return nil
	case len(vs) == 1:
		return o.rt.vm.ToValue(vs[0])
	case strings.EqualFold(k, "set-cookie"):
		a := make([]any, len(vs))
		for i, s := range vs {
			a[i] = s
		}
		return o.rt.vm.NewArray(a...)
	}
	return o.rt.vm.ToValue(strings.Join(vs, ", "))
}

func (o *headersObj) Set(k string, v goja.Value) bool {
	if isNullish(v) {
		o.h.Del(k)
		return true
	}
	if a, ok := v.Export().([]any); ok {
		o.h.Del(k)
		for _, e := range a {
			s, err := event.String(e)
			if err != nil {
				s = fmt.Sprint(e)
			}
			o.h.Add(k, s)
		}
		return true
	}
	o.h.Set(k, v.String())
	return true
}
func (o *headersObj) Has(k string) bool { return o.h.Has(k) }
func (o *headersObj) Delete(k string) bool {
	o.h.Del(k)
	return true
}
func (o *headersObj) Keys() []string {
	ks := make([]string, 0, len(*o.h))
	seen := make(map[string]bool, len(*o.h))
	for _, f := range *o.h {
		n := strings.ToLower(f.Name)
		if !seen[n] {
			seen[n] = true
			ks = append(ks, n)
		}
	}
	return ks
}

// dubboHeadObj is the live JS view of a *dubbo.Head. Its id reads as a
// string of decimal digits, since a 64-bit id does not fit a JS number; a
// string or a number may be written to it.
type dubboHeadObj struct {
	rt *jsRuntime
	h  *dubbo.Head
}

var dubboHeadKeys = []string{"id", "status", "isRequest", "isTwoWay", "isEvent", "serialization"}

func (o *dubboHeadObj) Get(k string) goja.Value {
	switch k {
	case "id":
		return o.rt.vm.ToValue(strconv.FormatInt(o.h.ID, 10))
	case "status":
		return o.rt.vm.ToValue(o.h.Status)
	case "isRequest":
		return o.rt.vm.ToValue(o.h.IsRequest)
	case "isTwoWay":
		return o.rt.vm.ToValue(o.h.IsTwoWay)
	case "isEvent":
		return o.rt.vm.ToValue(o.h.IsEvent)
	case "serialization":
		return o.rt.vm.ToValue(int(o.h.Serialization))
	}
	return o.rt.extraGet(o.h.Extra, k)
}

func (o *dubboHeadObj) Set(k string, v goja.Value) bool {
	var x any
	if v != nil {
		x = v.Export()
	}
	switch k {
	case "id", "status", "serialization":
		n, err := event.Int(x)
		if err != nil {
			return false
		}
		switch k {
		case "id":
			o.h.ID = n
		case "status":
			o.h.Status = int(n)
		default:
			o.h.Serialization = byte(n)
		}
	case "isRequest":
		o.h.IsRequest = v.ToBoolean()
	case "isTwoWay":
		o.h.IsTwoWay = v.ToBoolean()
	case "isEvent":
		o.h.IsEvent = v.ToBoolean()
	default:
		extraSet(&o.h.Extra, k, v)
	}
	return true
}

func (o *dubboHeadObj) Has(k string) bool {
	for _, own := range dubboHeadKeys {
		if k == own {
			return true
		}
	}
	_, ok := o.h.Extra[k]
	return ok
}

func (o *dubboHeadObj) Delete(k string) bool {
	switch k {
	case "id":
		o.h.ID = 0
	case "status":
		o.h.Status = 0
	case "isRequest":
		o.h.IsRequest = false
	case "isTwoWay":
		o.h.IsTwoWay = false
	case "isEvent":
		o.h.IsEvent = false
	case "serialization":
		o.h.Serialization = 0
	default:
		delete(o.h.Extra, k)
	}
	return true
}

func (o *dubboHeadObj) Keys() []string { return extraKeys(dubboHeadKeys, o.h.Extra) }
