package script

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJSHessian(t *testing.T) {
	h := newFakeHost(t, t.TempDir())
	// A Dubbo-like body: several values one after another.
	assert.Equal(t, "91 92 91 c7 85 5f 00 00 04 d2 4c 00 20 00 00 00 00 00 00 05 68 65 6c 6c 6f 4e 4e 54",
		spacedHex(h.runString(t, `__hex(Hessian.encode([1, 2.0, 1.0, -123, 1.234, 2**53, 'hello', null, undefined, true]))`)))
	assert.Equal(t, "2.0", h.runString(t, `Hessian.decode(Hessian.encode(['2.0']))`))
	h.run(t, `var v = Hessian.decode(Hessian.encode([
		{ name: 'x', list: [1, 'two', [3]], nested: { deep: true } },
		__data('bin'),
		new Date(Date.UTC(2021, 5, 1, 12, 30)),
		-0.5,
		2147483648,
	]))`)
	assert.Equal(t, `[{"name":"x","list":[1,"two",[3]],"nested":{"deep":true}},"2021-06-01T12:30:00.000Z",-0.5,2147483648]`,
		h.runString(t, `JSON.stringify([v[0], v[2], v[3], v[4]])`))
	assert.Equal(t, "bin", h.runString(t, `v[1].toString()`))
	assert.True(t, h.run(t, `v[2] instanceof Date`).ToBoolean())

	// Shared and cyclic objects survive.
	h.run(t, `var shared = { k: 1 }; var cyc = { shared: shared, again: shared }; cyc.self = cyc;
		var back = Hessian.decode(Hessian.encode(cyc));`)
	assert.True(t, h.run(t, `back.self === back && back.shared === back.again && back.shared.k === 1`).ToBoolean())

	// Decoding what Java writes: an object of a class, a typed map, a long.
	h.run(t, `var car = Hessian.decode(__fromHex('430b6578616d706c652e436172920563'+'6f6c6f72056d6f64656c4f9003726564'+'08636f727665747465'))`)
	assert.Equal(t, `{"color":"red","model":"corvette"}`, h.runString(t, `JSON.stringify(car)`))
	assert.Equal(t, `{"1":"fee","null":"x"}`, h.runString(t, `JSON.stringify(Hessian.decode(__fromHex('489103666565'+'4e0178'+'5a')))`))
	assert.True(t, h.run(t, `Hessian.decode(__data('')) === undefined && Hessian.decode(null) === null`).ToBoolean())
	assert.Equal(t, int64(5), h.run(t, `Hessian.decode(Hessian.encode(5))`).ToInteger())
	assert.Equal(t, "function-and-symbol-are-null", h.runString(t,
		`var fs = Hessian.decode(Hessian.encode([[() => 1, Symbol('s')]])); fs[0] === null && fs[1] === null ? 'function-and-symbol-are-null' : JSON.stringify(fs)`))
	assert.Equal(t, "123", h.runString(t, `String(Hessian.decode(Hessian.encode(123n)))`))

	h.throws(t, `Hessian.decode(__fromHex('5a'))`, "Error", "Hessian.decode: hessian: unexpected end of list or map at byte 0")
	h.throws(t, `Hessian.decode(42)`, "TypeError", "Hessian.decode: data must be a Data object")
	h.throws(t, `Hessian.encode(2n ** 70n)`, "TypeError", "Hessian.encode: a BigInt beyond 64 bits")
	h.throws(t, `var d = []; for (var i = 0; i < 300; i++) d = [d]; Hessian.encode([d])`, "TypeError", "Hessian.encode: nested deeper than 256")
}

func spacedHex(s string) string {
	var out []byte
	for i := 0; i < len(s); i += 2 {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i:i+2]...)
	}
	return string(out)
}
