package hessian_test

import (
	"errors"
	"fmt"

	"github.com/sluice-go/sluice/codec/hessian"
)

func Example() {
	// A Dubbo-style body: a version string, a method name and a map argument.
	b, err := hessian.EncodeAll([]any{
		"2.0.2",
		"sayHello",
		&hessian.Map{Keys: []any{"name"}, Values: []any{"world"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	vs, err := hessian.DecodeAll(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range vs {
		if m, ok := v.(*hessian.Map); ok {
			fmt.Println("map:", m.Keys[0], "=", m.Values[0])
			continue
		}
		fmt.Println(v)
	}

	_, err = hessian.DecodeAll(b[:len(b)-1])
	fmt.Println(err, errors.Is(err, hessian.ErrSyntax))
	// Output:
	// 2.0.2
	// sayHello
	// map: name = world
	// hessian: truncated input at byte 27 true
}
