package script

import (
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/codec/hessian"
)

// installHessian installs the global Hessian of Pipy 0.x, the Hessian 2.0
// serialization used by Dubbo (codec in package codec/hessian):
//
//	Hessian.decode(data)   → the value, an array when data holds several
//	                         values one after another (Dubbo bodies do), or
//	                         undefined when it holds none; throws on bad input
//	Hessian.encode(value)  → Data; an array at the top is written as its
//	                         elements one after another (the inverse of decode)
//
// Decoding: null, booleans, ints, doubles and strings as themselves; longs as
// numbers (precision is lost beyond 2^53, as in Pipy); binary as Data; dates
// as Date; lists as arrays; maps and objects as objects (keys turned into
// strings, types and class names dropped). Shared and cyclic values stay
// shared and cyclic. Encoding: integral numbers as ints (or longs beyond 32
// bits), other numbers as doubles, strings, booleans, null and undefined as
// null, Data as binary, Date as date, arrays as untyped lists, other objects
// as untyped maps of their own enumerable string keys, functions and symbols
// as null; an object met twice is written as a reference.
//
// Beyond Pipy: binary, dates, typed and fixed-length lists, typed maps and
// references decode (Pipy rejects them), and nested arrays encode as
// fixed-length lists rather than variable-length ones.
func (m *modEnv) installHessian() {
	x := m.global("Hessian")
	m.method(x, "decode", func(call goja.FunctionCall) goja.Value {
		const fn = "Hessian.decode"
		v := argAt(call.Arguments, 0)
		if jsNullish(v) {
			return goja.Null()
		}
		d, ok := m.dataOf(v)
		if !ok {
			m.typeError("%s: data must be a Data object", fn)
		}
		vs, err := hessian.DecodeAll(d.Bytes())
		if err != nil {
			m.throwError(fn, err)
		}
		memo := map[any]*goja.Object{}
		switch len(vs) {
		case 0:
			return goja.Undefined()
		case 1:
			return m.hessianToJS(vs[0], memo)
		}
		items := make([]any, len(vs))
		for i, v := range vs {
			items[i] = m.hessianToJS(v, memo)
		}
		return m.rt.NewArray(items...)
	})
	m.method(x, "encode", func(call goja.FunctionCall) goja.Value {
		const fn = "Hessian.encode"
		v := argAt(call.Arguments, 0)
		memo := map[*goja.Object]any{}
		var vs []any
		if o, ok := v.(*goja.Object); ok && o.ClassName() == "Array" {
			m.rt.ForOf(o, func(item goja.Value) bool {
				vs = append(vs, m.hessianFromJS(item, memo, 1, fn))
				return true
			})
		} else {
			vs = []any{m.hessianFromJS(v, memo, 0, fn)}
		}
		b, err := hessian.EncodeAll(vs)
		if err != nil {
			m.throwError(fn, err)
		}
		return m.newData(b)
	})
}

// hessianKey is the property name a decoded map key becomes.
func (m *modEnv) hessianKey(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case nil:
		return "null"
	case int32:
		return strconv.Itoa(int(k))
	case int64:
		return strconv.FormatInt(k, 10)
	}
	return m.hessianToJS(k, map[any]*goja.Object{}).String()
}

// hessianToJS converts a decoded value; memo maps lists and maps already
// converted to their JS objects.
func (m *modEnv) hessianToJS(v any, memo map[any]*goja.Object) goja.Value {
	switch x := v.(type) {
	case nil:
		return goja.Null()
	case bool, int32, float64, string:
		return m.rt.ToValue(x)
	case int64:
		return m.rt.ToValue(float64(x))
	case []byte:
		return m.newData(x)
	case time.Time:
		return m.newDate(x)
	case *hessian.List:
		if o := memo[x]; o != nil {
			return o
		}
		a := m.rt.NewArray()
		memo[x] = a
		for i, item := range x.Items {
			m.must(a.Set(strconv.Itoa(i), m.hessianToJS(item, memo)))
		}
		return a
	case *hessian.Map:
		if o := memo[x]; o != nil {
			return o
		}
		o := m.rt.NewObject()
		memo[x] = o
		for i, k := range x.Keys {
			m.must(o.Set(m.hessianKey(k), m.hessianToJS(x.Values[i], memo)))
		}
		return o
	}
	return goja.Undefined()
}

// hessianFromJS converts a JS value for the encoder; memo maps JS objects to
// what they became, so that an object met twice becomes a reference.
func (m *modEnv) hessianFromJS(v goja.Value, memo map[*goja.Object]any, depth int, fn string) any {
	switch {
	case jsNullish(v):
		return nil
	case goja.IsString(v):
		return v.String()
	case goja.IsNumber(v):
		f := v.ToFloat()
		if f != math.Trunc(f) || math.IsInf(f, 0) || (f == 0 && math.Signbit(f)) || math.Abs(f) >= 1<<63 {
			return f
		}
		if f >= math.MinInt32 && f <= math.MaxInt32 {
			return int32(f)
		}
		return int64(f)
	case goja.IsBigInt(v):
		b, _ := v.Export().(*big.Int)
		if b == nil || !b.IsInt64() {
			m.typeError("%s: a BigInt beyond 64 bits", fn)
		}
		return b.Int64()
	}
	o, ok := v.(*goja.Object)
	if !ok {
		if b, ok := v.Export().(bool); ok {
			return b
		}
		return nil // symbols
	}
	if done, ok := memo[o]; ok {
		return done
	}
	if depth > hessian.MaxDepth {
		m.typeError("%s: nested deeper than %d", fn, hessian.MaxDepth)
	}
	if t, ok := jsDateOf(o); ok {
		return t
	}
	if d, ok := m.h.DataOf(o); ok {
		return d.Bytes()
	}
	if _, ok := goja.AssertFunction(o); ok {
		return nil
	}
	if o.ClassName() == "Array" {
		l := &hessian.List{Items: []any{}}
		memo[o] = l
		m.rt.ForOf(o, func(item goja.Value) bool {
			l.Items = append(l.Items, m.hessianFromJS(item, memo, depth+1, fn))
			return true
		})
		return l
	}
	hm := &hessian.Map{Keys: []any{}, Values: []any{}}
	memo[o] = hm
	for _, k := range o.Keys() {
		hm.Keys = append(hm.Keys, k)
		hm.Values = append(hm.Values, m.hessianFromJS(o.Get(k), memo, depth+1, fn))
	}
	return hm
}
