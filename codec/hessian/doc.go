// Package hessian is a Hessian 2.0 codec
// (http://hessian.caucho.com/doc/hessian-serialization.html), the
// serialization Dubbo bodies use. It has no dependency on JavaScript: the
// script package binds it as Pipy's global Hessian, and Go programs use it
// directly.
//
// DecodeAll reads every value of a byte slice and EncodeAll writes values one
// after another. Decoded values are
//
//	nil, bool, int32 (int), int64 (long), float64 (double), string,
//	[]byte (binary), time.Time (date, UTC), *List, *Map
//
// and EncodeAll accepts the same types (and int). Objects (class definitions
// and instances) decode to a *Map with Object set, Type the class name and
// the field names as keys. References ('Q') decode to the same pointer as the
// value they refer to, so shared and cyclic structures come out shared and
// cyclic; the encoder writes a reference for a list or map pointer it has
// already written.
//
// Strings follow the Java implementations: their length counts UTF-16 units,
// and a character outside the Basic Multilingual Plane is written as two
// 3-byte surrogates. Decoding also accepts a 4-byte UTF-8 sequence, which
// Java never writes, counted as one character, as other implementations write
// it (their length counts code points). Double 0x5f is read, as Java writes
// it, as an int of thousandths.
package hessian
