package script

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	_ "crypto/md5" // registers crypto.MD5 for crypto.Hash('md5')
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha1" // registers crypto.SHA1
	_ "crypto/sha256"
	_ "crypto/sha3"
	_ "crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"strings"

	"github.com/dop251/goja"
)

// Errors of the crypto module; scripts see them as Error messages.
var (
	errUnknownAlgorithm = errors.New("unknown algorithm")
	errFinalized        = errors.New("already finalized")
	errBadDecrypt       = errors.New("bad decrypt")
	errNoKey            = errors.New("no key found in PEM data")
	errUnsupportedKey   = errors.New("unsupported key type")
)

// hashByName returns the hash function called name as OpenSSL spells it
// ("sha256", "SHA-256", "sha512-256", "sha3-256", "RSA-SHA256", "md5").
func hashByName(name string) (crypto.Hash, bool) {
	n := strings.ToLower(name)
	n = strings.TrimPrefix(n, "rsa-")
	n = strings.NewReplacer("-", "", "_", "", "/", "").Replace(n)
	h, ok := map[string]crypto.Hash{
		"md5":       crypto.MD5,
		"sha1":      crypto.SHA1,
		"sha224":    crypto.SHA224,
		"sha256":    crypto.SHA256,
		"sha384":    crypto.SHA384,
		"sha512":    crypto.SHA512,
		"sha512224": crypto.SHA512_224,
		"sha512256": crypto.SHA512_256,
		"sha3224":   crypto.SHA3_224,
		"sha3256":   crypto.SHA3_256,
		"sha3384":   crypto.SHA3_384,
		"sha3512":   crypto.SHA3_512,
	}[n]
	return h, ok && h.Available()
}

// digester is the state of a crypto.Hash, crypto.Hmac, crypto.Sign or
// crypto.Verify: a running hash that can be finished once.
type digester struct {
	h    hash.Hash
	alg  crypto.Hash
	done bool
}

// update feeds args[0] (a Data, or a string in the encoding args[1], utf8 by
// default) to the digester of this; it returns this for chaining.
func (m *modEnv) digestUpdate(call goja.FunctionCall, fn string) goja.Value {
	d := nativeOf[*digester](m, call.This, fn, "a "+strings.TrimSuffix(fn, ".update")+" object")
	if d.done {
		m.throwError(fn, errFinalized)
	}
	v := argAt(call.Arguments, 0)
	if goja.IsString(v) {
		enc := ""
		if e := argAt(call.Arguments, 1); !jsNullish(e) {
			enc = e.String()
		}
		b, err := decodeText(v.String(), enc)
		if err != nil {
			m.typeError("%s: %v", fn, err)
		}
		d.h.Write(b)
		return call.This
	}
	data, ok := m.dataOf(v)
	if !ok {
		m.typeError("%s: data must be a Data object or a string", fn)
	}
	for _, c := range data.Chunks() {
		d.h.Write(c)
	}
	return call.This
}

// digestSum finishes d and returns its sum.
func (m *modEnv) digestSum(d *digester, fn string) []byte {
	if d.done {
		m.throwError(fn, errFinalized)
	}
	d.done = true
	return d.h.Sum(nil)
}

// digestResult finishes d and returns its sum as Data, or as a string in the
// encoding enc (hex, base64, base64url) when enc is not nullish.
func (m *modEnv) digestResult(d *digester, enc goja.Value, fn string) goja.Value {
	sum := m.digestSum(d, fn)
	if jsNullish(enc) {
		return m.newData(sum)
	}
	s, ok := encodeText(sum, enc.String())
	if !ok || enc.String() == encUTF8 {
		m.typeError("%s: unknown encoding %q", fn, enc.String())
	}
	return m.rt.ToValue(s)
}

// cipherState is a crypto.Cipher or crypto.Decipher.
//
//   - CBC (aes-128-cbc, aes-192-cbc, aes-256-cbc) streams, with PKCS#7
//     padding: update returns every complete block (deciphering keeps the last
//     one back for the padding), final the rest.
//   - CTR (aes-*-ctr) streams without padding; final returns nothing.
//   - GCM (aes-*-gcm) authenticates, so nothing comes out until final:
//     enciphering returns ciphertext followed by the 16-byte tag;
//     deciphering expects that layout and fails when the tag does not match.
//     options.aad adds additional authenticated data.
type cipherState struct {
	encrypt bool
	cbc     cipher.BlockMode
	stream  cipher.Stream
	aead    cipher.AEAD
	nonce   []byte
	aad     []byte
	buf     []byte // CBC: a partial block (and the held-back one); GCM: everything
	done    bool
}

// newCipherState checks the algorithm and options and makes the state.
func newCipherState(alg string, key, iv, aad []byte, encrypt bool) (*cipherState, error) {
	name := strings.ToLower(alg)
	var bits, mode string
	switch parts := strings.Split(name, "-"); {
	case len(parts) == 3 && parts[0] == "aes":
		bits, mode = parts[1], parts[2]
	case len(parts) == 1 && strings.HasPrefix(name, "aes"):
		bits, mode = name[3:], "cbc" // OpenSSL's "aes128"
	default:
		return nil, fmt.Errorf("%w: %s", errUnknownAlgorithm, alg)
	}
	size := map[string]int{"128": 16, "192": 24, "256": 32}[bits]
	if size == 0 || (mode != "cbc" && mode != "ctr" && mode != "gcm") {
		return nil, fmt.Errorf("%w: %s", errUnknownAlgorithm, alg)
	}
	if len(key) != size {
		return nil, fmt.Errorf("options.key expected to have a length of %d", size)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	c := &cipherState{encrypt: encrypt}
	ivSize := aes.BlockSize
	if mode == "gcm" {
		ivSize = 12
	}
	if len(iv) != ivSize {
		return nil, fmt.Errorf("options.iv expected to have a length of %d", ivSize)
	}
	if aad != nil && mode != "gcm" {
		return nil, errors.New("options.aad is only for GCM")
	}
	switch mode {
	case "cbc":
		if encrypt {
			c.cbc = cipher.NewCBCEncrypter(block, iv)
		} else {
			c.cbc = cipher.NewCBCDecrypter(block, iv)
		}
	case "ctr":
		c.stream = cipher.NewCTR(block, iv)
	case "gcm":
		if c.aead, err = cipher.NewGCM(block); err != nil {
			return nil, err
		}
		c.nonce, c.aad = bytes.Clone(iv), bytes.Clone(aad)
	}
	return c, nil
}

func (c *cipherState) update(in []byte) ([]byte, error) {
	if c.done {
		return nil, errFinalized
	}
	switch {
	case c.stream != nil:
		out := make([]byte, len(in))
		c.stream.XORKeyStream(out, in)
		return out, nil
	case c.aead != nil:
		c.buf = append(c.buf, in...)
		return nil, nil
	}
	c.buf = append(c.buf, in...)
	n := len(c.buf) / aes.BlockSize * aes.BlockSize
	if !c.encrypt && n == len(c.buf) && n > 0 {
		n -= aes.BlockSize // the last block may carry the padding
	}
	out := make([]byte, n)
	c.cbc.CryptBlocks(out, c.buf[:n])
	c.buf = append(c.buf[:0], c.buf[n:]...)
	return out, nil
}

func (c *cipherState) final() ([]byte, error) {
	if c.done {
		return nil, errFinalized
	}
	c.done = true
	switch {
	case c.stream != nil:
		return nil, nil
	case c.aead != nil && c.encrypt:
		return c.aead.Seal(nil, c.nonce, c.buf, c.aad), nil
	case c.aead != nil:
		out, err := c.aead.Open(nil, c.nonce, c.buf, c.aad)
		if err != nil {
			return nil, fmt.Errorf("%w: authentication failed", errBadDecrypt)
		}
		return out, nil
	case c.encrypt:
		pad := aes.BlockSize - len(c.buf)
		last := append(c.buf, bytes.Repeat([]byte{byte(pad)}, pad)...)
		c.cbc.CryptBlocks(last, last)
		return last, nil
	}
	if len(c.buf) != aes.BlockSize {
		return nil, fmt.Errorf("%w: input is not a whole number of blocks", errBadDecrypt)
	}
	c.cbc.CryptBlocks(c.buf, c.buf)
	pad := int(c.buf[aes.BlockSize-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, fmt.Errorf("%w: bad padding", errBadDecrypt)
	}
	for _, b := range c.buf[aes.BlockSize-pad:] {
		if int(b) != pad {
			return nil, fmt.Errorf("%w: bad padding", errBadDecrypt)
		}
	}
	return c.buf[:aes.BlockSize-pad], nil
}

// cryptoPrivateKey is a crypto.PrivateKey: RSA, ECDSA or Ed25519.
type cryptoPrivateKey struct{ key crypto.Signer }

// cryptoPublicKey is a crypto.PublicKey: *rsa.PublicKey, *ecdsa.PublicKey or
// ed25519.PublicKey.
type cryptoPublicKey struct{ key crypto.PublicKey }

// cryptoCert is a crypto.Certificate.
type cryptoCert struct {
	cert *x509.Certificate
	pem  []byte
}

// cryptoJWK is a crypto.JWK: a public key given as a JSON Web Key.
type cryptoJWK struct{ key crypto.PublicKey }

// parsePrivateKeyPEM reads the first private key in PEM data: PKCS #8
// ("PRIVATE KEY"), PKCS #1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY").
func parsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return nil, errNoKey
		}
		var k any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("encrypted private keys are not supported")
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, errUnsupportedKey
		}
		return s, nil
	}
}

// parsePublicKeyPEM reads the first public key in PEM data: PKIX ("PUBLIC
// KEY"), PKCS #1 ("RSA PUBLIC KEY"), the key of a certificate, or the public
// half of a private key.
func parsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	rest := data
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return nil, errNoKey
		}
		switch b.Type {
		case "PUBLIC KEY":
			return x509.ParsePKIXPublicKey(b.Bytes)
		case "RSA PUBLIC KEY":
			return x509.ParsePKCS1PublicKey(b.Bytes)
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, err
			}
			return c.PublicKey, nil
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			k, err := parsePrivateKeyPEM(pem.EncodeToMemory(b))
			if err != nil {
				return nil, err
			}
			return k.Public(), nil
		}
	}
}

// publicKeyOf returns the public key that v stands for: a PublicKey,
// PrivateKey, Certificate or JWK object, or PEM text (Data or string).
func (m *modEnv) publicKeyOf(v goja.Value, fn string) crypto.PublicKey {
	switch k := m.native(v).(type) {
	case *cryptoPublicKey:
		return k.key
	case *cryptoPrivateKey:
		return k.key.Public()
	case *cryptoCert:
		return k.cert.PublicKey
	case *cryptoJWK:
		return k.key
	}
	d, ok := m.dataOf(v)
	if !ok {
		m.typeError("%s: key must be a crypto.PublicKey, a crypto.PrivateKey, a crypto.Certificate, a crypto.JWK or PEM data", fn)
	}
	k, err := parsePublicKeyPEM(d.Bytes())
	if err != nil {
		m.throwError(fn, err)
	}
	return k
}

// pemArg returns args[0] as PEM bytes, or nil when it is not Data or a string.
func (m *modEnv) pemArg(args []goja.Value) []byte {
	v := argAt(args, 0)
	if _, isObj := v.(*goja.Object); isObj && m.native(v) != nil {
		return nil
	}
	if d, ok := m.dataOf(v); ok {
		return d.Bytes()
	}
	return nil
}

// x509NameObject lists a distinguished name as OpenSSL's long attribute names
// (commonName, organizationName, ...), unknown attributes by their OID.
func (m *modEnv) x509NameObject(n pkix.Name) *goja.Object {
	names := map[string]string{
		"2.5.4.3": "commonName", "2.5.4.4": "surname", "2.5.4.5": "serialNumber",
		"2.5.4.6": "countryName", "2.5.4.7": "localityName", "2.5.4.8": "stateOrProvinceName",
		"2.5.4.9": "streetAddress", "2.5.4.10": "organizationName", "2.5.4.11": "organizationalUnitName",
		"2.5.4.12": "title", "2.5.4.17": "postalCode", "2.5.4.42": "givenName",
		"1.2.840.113549.1.9.1": "emailAddress", "0.9.2342.19200300.100.1.25": "domainComponent",
	}
	o := m.rt.NewObject()
	for _, a := range n.Names {
		k := a.Type.String()
		if long, ok := names[k]; ok {
			k = long
		}
		m.must(o.Set(k, fmt.Sprint(a.Value)))
	}
	return o
}

// JWT algorithms: the hash, and the kind of key.
type jwtAlg struct {
	hash crypto.Hash
	kind byte // 'H' HMAC, 'R' RSA PKCS #1 v1.5, 'P' RSA-PSS, 'E' ECDSA
}

// jwtAlgs are the algorithms crypto.JWT verifies, by their "alg" names.
var jwtAlgs = map[string]jwtAlg{
	"HS256": {crypto.SHA256, 'H'}, "HS384": {crypto.SHA384, 'H'}, "HS512": {crypto.SHA512, 'H'},
	"RS256": {crypto.SHA256, 'R'}, "RS384": {crypto.SHA384, 'R'}, "RS512": {crypto.SHA512, 'R'},
	"PS256": {crypto.SHA256, 'P'}, "PS384": {crypto.SHA384, 'P'}, "PS512": {crypto.SHA512, 'P'},
	"ES256": {crypto.SHA256, 'E'}, "ES384": {crypto.SHA384, 'E'}, "ES512": {crypto.SHA512, 'E'},
}

// jwtToken is a parsed crypto.JWT.
type jwtToken struct {
	valid           bool
	alg             jwtAlg
	algName         string
	signed          string // header.payload, as in the token
	sig             []byte
	header, payload string // JSON text, when it decoded
}

// decodeBase64URL decodes base64url, with or without padding.
func decodeBase64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// parseJWT splits and decodes a compact JWS. The token is valid when it has
// three parts, its header and payload are JSON objects and its header names
// one of the algorithms of jwtAlgs ("none" is never valid).
func parseJWT(token string) *jwtToken {
	t := &jwtToken{}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return t
	}
	h, err1 := decodeBase64URL(parts[0])
	p, err2 := decodeBase64URL(parts[1])
	sig, err3 := decodeBase64URL(parts[2])
	isObject := func(b []byte) bool {
		var o map[string]json.RawMessage
		return json.Unmarshal(b, &o) == nil && o != nil
	}
	if err1 == nil && isObject(h) {
		t.header = string(h)
	}
	if err2 == nil && isObject(p) {
		t.payload = string(p)
	}
	if err3 != nil || t.header == "" || t.payload == "" {
		return t
	}
	var head struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(h, &head) != nil {
		return t
	}
	alg, ok := jwtAlgs[head.Alg]
	if !ok {
		return t
	}
	t.valid, t.alg, t.algName = true, alg, head.Alg
	t.signed = parts[0] + "." + parts[1]
	t.sig = sig
	return t
}

// verifyKey checks the signature with a public key. A key of the wrong kind
// for the algorithm (an EC key for RS256, a P-384 key for ES256) fails.
func (t *jwtToken) verifyKey(key crypto.PublicKey) bool {
	if !t.valid || t.alg.kind == 'H' {
		return false
	}
	h := t.alg.hash.New()
	h.Write([]byte(t.signed))
	digest := h.Sum(nil)
	switch k := key.(type) {
	case *rsa.PublicKey:
		switch t.alg.kind {
		case 'R':
			return rsa.VerifyPKCS1v15(k, t.alg.hash, digest, t.sig) == nil
		case 'P':
			return rsa.VerifyPSS(k, t.alg.hash, digest, t.sig, nil) == nil
		}
	case *ecdsa.PublicKey:
		curve := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[t.algName]
		if t.alg.kind != 'E' || k.Curve != curve {
			return false
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(t.sig) != 2*size {
			return false
		}
		r := new(big.Int).SetBytes(t.sig[:size])
		s := new(big.Int).SetBytes(t.sig[size:])
		return ecdsa.Verify(k, digest, r, s)
	}
	return false
}

// verifySecret checks an HMAC signature.
func (t *jwtToken) verifySecret(secret []byte) bool {
	if !t.valid || t.alg.kind != 'H' {
		return false
	}
	mac := hmac.New(t.alg.hash.New, secret)
	mac.Write([]byte(t.signed))
	return hmac.Equal(mac.Sum(nil), t.sig)
}

// parseJWK reads a public JSON Web Key: kty "RSA" (n, e) or "EC" (crv P-256,
// P-384 or P-521, x, y).
func parseJWK(get func(string) (string, bool)) (crypto.PublicKey, error) {
	field := func(name string) ([]byte, error) {
		s, ok := get(name)
		if !ok {
			return nil, fmt.Errorf("missing %q", name)
		}
		b, err := decodeBase64URL(s)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("invalid %q", name)
		}
		return b, nil
	}
	kty, _ := get("kty")
	switch kty {
	case "RSA":
		n, err := field("n")
		if err != nil {
			return nil, err
		}
		e, err := field("e")
		if err != nil {
			return nil, err
		}
		ei := new(big.Int).SetBytes(e)
		if !ei.IsInt64() || ei.Int64() < 3 || ei.Int64() > 1<<31-1 {
			return nil, errors.New(`invalid "e"`)
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(ei.Int64())}, nil
	case "EC":
		crv, _ := get("crv")
		var curve elliptic.Curve
		switch crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("unknown \"crv\" %q", crv)
		}
		x, err := field("x")
		if err != nil {
			return nil, err
		}
		y, err := field("y")
		if err != nil {
			return nil, err
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(x) != size || len(y) != size {
			return nil, errors.New(`invalid "x" or "y"`)
		}
		key, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, errors.New("the point is not on the curve")
		}
		return key, nil
	case "":
		return nil, errors.New(`missing "kty"`)
	}
	return nil, fmt.Errorf("unknown \"kty\" %q", kty)
}

// signDigest signs a digest made with h.
func signDigest(key crypto.Signer, h crypto.Hash, digest []byte) ([]byte, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return rsa.SignPKCS1v15(rand.Reader, k, h, digest)
	case *ecdsa.PrivateKey:
		return ecdsa.SignASN1(rand.Reader, k, digest)
	}
	return nil, errUnsupportedKey
}

// verifyDigest checks a signature of a digest made with h.
func verifyDigest(key crypto.PublicKey, h crypto.Hash, digest, sig []byte) (bool, error) {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, h, digest, sig) == nil, nil
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, digest, sig), nil
	}
	return false, errUnsupportedKey
}

// installCrypto installs the global `crypto` of Pipy 0.x, on Go's standard
// library:
//
//	new crypto.Hash(alg)          alg: md5, sha1, sha224, sha256, sha384, sha512,
//	                              sha512-224, sha512-256, sha3-224 … sha3-512
//	new crypto.Hmac(alg, key)     key: Data or string
//	  .update(data, encoding?)    data: Data, or a string (utf8, or encoding:
//	                              hex, base64, base64url); returns this
//	  .digest(encoding?)          → Data, or a string when encoding is hex,
//	                              base64 or base64url; once only
//	new crypto.Cipher(alg, { key, iv, aad? }), new crypto.Decipher(...)
//	                              alg: aes-128|192|256-cbc|ctr|gcm (see cipherState)
//	  .update(data) → Data, .final() → Data
//	new crypto.PrivateKey(pem)    pem: Data or string (PKCS #8, PKCS #1, SEC 1);
//	new crypto.PrivateKey({ type: 'rsa', bits? })   generates a key
//	new crypto.PublicKey(pem | privateKey)          .toPEM() → Data (both)
//	new crypto.Certificate(pem)   .subject .issuer .subjectAltNames .notBefore
//	                              .notAfter (ms) .toPEM()
//	new crypto.Sign(alg)    .update(...) .sign(privateKey, encoding?) → Data or string
//	new crypto.Verify(alg)  .update(...) .verify(key, signature, encoding?) → boolean
//	                              RSA PKCS #1 v1.5 or ECDSA (ASN.1 DER signatures)
//	new crypto.JWK(json)          a public key: kty RSA or EC; .isValid
//	new crypto.JWT(token)         .isValid .header .payload .verify(key) → boolean
//
// Differences from Pipy: update returns this (Pipy returns undefined);
// Cipher requires an IV of the exact size (Pipy pads a missing one with
// zeros), supports only AES, and appends/expects the GCM tag; keys cannot be
// loaded through an OpenSSL engine, and Certificate only parses. JWT.verify
// refuses an HMAC token when given a key object or PEM text (the "algorithm
// confusion" attack Pipy's version allows), checks that an EC key's curve
// matches the algorithm, and also accepts PS256/384/512. None of them checks
// exp or nbf: the script decides what a valid payload is.
func (m *modEnv) installCrypto() {
	c := m.global("crypto")

	hashCtor, hashProto := m.class("crypto.Hash", func(args []goja.Value) any {
		alg := m.argString(args, 0, "crypto.Hash", "algorithm")
		h, ok := hashByName(alg)
		if !ok {
			m.throwError("crypto.Hash", fmt.Errorf("%w: %s", errUnknownAlgorithm, alg))
		}
		return &digester{h: h.New(), alg: h}
	})
	m.method(hashProto, "update", func(call goja.FunctionCall) goja.Value { return m.digestUpdate(call, "crypto.Hash.update") })
	m.method(hashProto, "digest", func(call goja.FunctionCall) goja.Value {
		const fn = "crypto.Hash.digest"
		return m.digestResult(nativeOf[*digester](m, call.This, fn, "a crypto.Hash"), argAt(call.Arguments, 0), fn)
	})
	m.must(c.Set("Hash", hashCtor))

	hmacCtor, hmacProto := m.class("crypto.Hmac", func(args []goja.Value) any {
		const fn = "crypto.Hmac"
		alg := m.argString(args, 0, fn, "algorithm")
		key := m.argBytes(args, 1, fn, "key")
		h, ok := hashByName(alg)
		if !ok {
			m.throwError(fn, fmt.Errorf("%w: %s", errUnknownAlgorithm, alg))
		}
		return &digester{h: hmac.New(h.New, key), alg: h}
	})
	m.method(hmacProto, "update", func(call goja.FunctionCall) goja.Value { return m.digestUpdate(call, "crypto.Hmac.update") })
	m.method(hmacProto, "digest", func(call goja.FunctionCall) goja.Value {
		const fn = "crypto.Hmac.digest"
		return m.digestResult(nativeOf[*digester](m, call.This, fn, "a crypto.Hmac"), argAt(call.Arguments, 0), fn)
	})
	m.must(c.Set("Hmac", hmacCtor))

	for _, encrypt := range []bool{true, false} {
		name := "crypto.Cipher"
		if !encrypt {
			name = "crypto.Decipher"
		}
		ctor, proto := m.class(name, func(args []goja.Value) any {
			alg := m.argString(args, 0, name, "algorithm")
			opts := m.argObject(args, 1, name, "options", false)
			bytesOpt := func(k string) []byte {
				v := opts.Get(k)
				if jsNullish(v) {
					return nil
				}
				d, ok := m.dataOf(v)
				if !ok {
					m.typeError("%s: options.%s must be a Data object or a string", name, k)
				}
				return d.Bytes()
			}
			st, err := newCipherState(alg, bytesOpt("key"), bytesOpt("iv"), bytesOpt("aad"), encrypt)
			if err != nil {
				m.throwError(name, err)
			}
			return st
		})
		m.method(proto, "update", func(call goja.FunctionCall) goja.Value {
			fn := name + ".update"
			st := nativeOf[*cipherState](m, call.This, fn, "a "+name)
			out, err := st.update(m.argBytes(call.Arguments, 0, fn, "data"))
			if err != nil {
				m.throwError(fn, err)
			}
			return m.newData(out)
		})
		m.method(proto, "final", func(call goja.FunctionCall) goja.Value {
			fn := name + ".final"
			out, err := nativeOf[*cipherState](m, call.This, fn, "a "+name).final()
			if err != nil {
				m.throwError(fn, err)
			}
			return m.newData(out)
		})
		m.must(c.Set(strings.TrimPrefix(name, "crypto."), ctor))
	}

	privCtor, privProto := m.class("crypto.PrivateKey", func(args []goja.Value) any {
		const fn = "crypto.PrivateKey"
		if b := m.pemArg(args); b != nil {
			k, err := parsePrivateKeyPEM(b)
			if err != nil {
				m.throwError(fn, err)
			}
			return &cryptoPrivateKey{k}
		}
		opts := m.argObject(args, 0, fn, "PEM data or options", false)
		typ := opts.Get("type")
		if jsNullish(typ) || typ.String() != "rsa" {
			m.typeError("%s: options.type must be 'rsa'", fn)
		}
		bits := 2048
		if v := opts.Get("bits"); !jsNullish(v) {
			bits = int(v.ToInteger())
		}
		if bits < 1024 || bits > 16384 {
			m.typeError("%s: options.bits must be between 1024 and 16384", fn)
		}
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			m.throwError(fn, err)
		}
		return &cryptoPrivateKey{k}
	})
	m.method(privProto, "toPEM", func(call goja.FunctionCall) goja.Value {
		k := nativeOf[*cryptoPrivateKey](m, call.This, "crypto.PrivateKey.toPEM", "a crypto.PrivateKey")
		der, err := x509.MarshalPKCS8PrivateKey(k.key)
		if err != nil {
			m.throwError("crypto.PrivateKey.toPEM", err)
		}
		return m.newData(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	})
	m.must(c.Set("PrivateKey", privCtor))

	pubCtor, pubProto := m.class("crypto.PublicKey", func(args []goja.Value) any {
		const fn = "crypto.PublicKey"
		if k, ok := m.native(argAt(args, 0)).(*cryptoPrivateKey); ok {
			return &cryptoPublicKey{k.key.Public()}
		}
		b := m.pemArg(args)
		if b == nil {
			m.typeError("%s: expected PEM data (Data or string) or a crypto.PrivateKey", fn)
		}
		k, err := parsePublicKeyPEM(b)
		if err != nil {
			m.throwError(fn, err)
		}
		return &cryptoPublicKey{k}
	})
	m.method(pubProto, "toPEM", func(call goja.FunctionCall) goja.Value {
		k := nativeOf[*cryptoPublicKey](m, call.This, "crypto.PublicKey.toPEM", "a crypto.PublicKey")
		der, err := x509.MarshalPKIXPublicKey(k.key)
		if err != nil {
			m.throwError("crypto.PublicKey.toPEM", err)
		}
		return m.newData(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	})
	m.must(c.Set("PublicKey", pubCtor))

	certCtor, certProto := m.classInit("crypto.Certificate", func(args []goja.Value) any {
		const fn = "crypto.Certificate"
		b := m.pemArg(args)
		if b == nil {
			m.typeError("%s: expected PEM data (Data or string)", fn)
		}
		for {
			var blk *pem.Block
			if blk, b = pem.Decode(b); blk == nil {
				m.throwError(fn, errors.New("no certificate found in PEM data"))
			}
			if blk.Type != "CERTIFICATE" {
				continue
			}
			cert, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				m.throwError(fn, err)
			}
			return &cryptoCert{cert: cert, pem: pem.EncodeToMemory(blk)}
		}
	}, func(o *goja.Object, v any) {
		cert := v.(*cryptoCert).cert
		m.constant(o, "subject", m.x509NameObject(cert.Subject))
		m.constant(o, "issuer", m.x509NameObject(cert.Issuer))
		names := make([]any, len(cert.DNSNames))
		for i, n := range cert.DNSNames {
			names[i] = n
		}
		m.constant(o, "subjectAltNames", m.rt.NewArray(names...))
		m.constant(o, "notBefore", cert.NotBefore.UnixMilli())
		m.constant(o, "notAfter", cert.NotAfter.UnixMilli())
	})
	m.method(certProto, "toPEM", func(call goja.FunctionCall) goja.Value {
		k := nativeOf[*cryptoCert](m, call.This, "crypto.Certificate.toPEM", "a crypto.Certificate")
		return m.newData(bytes.Clone(k.pem))
	})
	m.must(c.Set("Certificate", certCtor))

	for _, sign := range []bool{true, false} {
		name := "crypto.Sign"
		if !sign {
			name = "crypto.Verify"
		}
		ctor, proto := m.class(name, func(args []goja.Value) any {
			alg := m.argString(args, 0, name, "algorithm")
			h, ok := hashByName(alg)
			if !ok {
				m.throwError(name, fmt.Errorf("%w: %s", errUnknownAlgorithm, alg))
			}
			return &digester{h: h.New(), alg: h}
		})
		m.method(proto, "update", func(call goja.FunctionCall) goja.Value { return m.digestUpdate(call, name+".update") })
		if sign {
			m.method(proto, "sign", func(call goja.FunctionCall) goja.Value {
				const fn = "crypto.Sign.sign"
				d := nativeOf[*digester](m, call.This, fn, "a crypto.Sign")
				var key crypto.Signer
				if k, ok := m.native(argAt(call.Arguments, 0)).(*cryptoPrivateKey); ok {
					key = k.key
				} else if b := m.pemArg(call.Arguments); b != nil {
					k, err := parsePrivateKeyPEM(b)
					if err != nil {
						m.throwError(fn, err)
					}
					key = k
				} else {
					m.typeError("%s: key must be a crypto.PrivateKey", fn)
				}
				enc := argAt(call.Arguments, 1)
				if !jsNullish(enc) && !goja.IsString(enc) {
					enc = goja.Undefined() // sign(key, options)
				}
				sig, err := signDigest(key, d.alg, m.digestSum(d, fn))
				if err != nil {
					m.throwError(fn, err)
				}
				if jsNullish(enc) {
					return m.newData(sig)
				}
				s, ok := encodeText(sig, enc.String())
				if !ok {
					m.typeError("%s: unknown encoding %q", fn, enc.String())
				}
				return m.rt.ToValue(s)
			})
		} else {
			m.method(proto, "verify", func(call goja.FunctionCall) goja.Value {
				const fn = "crypto.Verify.verify"
				d := nativeOf[*digester](m, call.This, fn, "a crypto.Verify")
				key := m.publicKeyOf(argAt(call.Arguments, 0), fn)
				var sig []byte
				switch s := argAt(call.Arguments, 1); {
				case goja.IsString(s):
					enc := ""
					if e := argAt(call.Arguments, 2); goja.IsString(e) {
						enc = e.String()
					}
					b, err := decodeText(s.String(), enc)
					if err != nil {
						m.typeError("%s: signature: %v", fn, err)
					}
					sig = b
				default:
					data, ok := m.dataOf(s)
					if !ok {
						m.typeError("%s: signature must be a Data object or a string", fn)
					}
					sig = data.Bytes()
				}
				ok, err := verifyDigest(key, d.alg, m.digestSum(d, fn), sig)
				if err != nil {
					m.throwError(fn, err)
				}
				return m.rt.ToValue(ok)
			})
		}
		m.must(c.Set(strings.TrimPrefix(name, "crypto."), ctor))
	}

	jwkCtor, _ := m.classInit("crypto.JWK", func(args []goja.Value) any {
		const fn = "crypto.JWK"
		o := m.argObject(args, 0, fn, "json", false)
		k, err := parseJWK(func(name string) (string, bool) {
			v := o.Get(name)
			if !goja.IsString(v) {
				return "", false
			}
			return v.String(), true
		})
		if err != nil {
			m.throwError(fn, err)
		}
		return &cryptoJWK{k}
	}, func(o *goja.Object, _ any) { m.constant(o, "isValid", true) })
	m.must(c.Set("JWK", jwkCtor))

	jwtCtor, jwtProto := m.classInit("crypto.JWT", func(args []goja.Value) any {
		return parseJWT(m.argString(args, 0, "crypto.JWT", "token"))
	}, func(o *goja.Object, v any) {
		t := v.(*jwtToken)
		m.constant(o, "isValid", t.valid)
		m.constant(o, "header", m.parseJSONText(t.header))
		m.constant(o, "payload", m.parseJSONText(t.payload))
	})
	m.method(jwtProto, "verify", func(call goja.FunctionCall) goja.Value {
		const fn = "crypto.JWT.verify"
		t := nativeOf[*jwtToken](m, call.This, fn, "a crypto.JWT")
		k := argAt(call.Arguments, 0)
		if !t.valid {
			return m.rt.ToValue(false)
		}
		if t.alg.kind == 'H' {
			if m.native(k) != nil {
				return m.rt.ToValue(false) // a key object for an HMAC token
			}
			secret, ok := m.dataOf(k)
			if !ok {
				m.typeError("%s: key must be a Data object, a string or a key object", fn)
			}
			b := secret.Bytes()
			if bytes.Contains(b, []byte("-----BEGIN ")) {
				return m.rt.ToValue(false) // PEM text used as an HMAC secret
			}
			return m.rt.ToValue(t.verifySecret(b))
		}
		return m.rt.ToValue(t.verifyKey(m.publicKeyOf(k, fn)))
	})
	m.must(c.Set("JWT", jwtCtor))
}

// parseJSONText parses JSON text with the runtime's JSON.parse, so that the
// result is made of ordinary JS objects; "" gives undefined.
func (m *modEnv) parseJSONText(s string) goja.Value {
	if s == "" || m.jsonParse == nil {
		return goja.Undefined()
	}
	return m.call(m.jsonParse, m.rt.ToValue(s))
}
