package script

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHashByName(t *testing.T) {
	for _, n := range []string{"sha256", "SHA256", "SHA-256", "RSA-SHA256", "sha512-256", "sha3-256", "md5", "sha1", "sha224", "sha384", "sha512", "sha512_224", "SHA3-512"} {
		_, ok := hashByName(n)
		assert.True(t, ok, n)
	}
	for _, n := range []string{"", "sha", "sm3", "whirlpool", "sha256x"} {
		_, ok := hashByName(n)
		assert.False(t, ok, n)
	}
}

func TestJSHashHmac(t *testing.T) {
	h := newFakeHost(t, t.TempDir())
	assert.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		h.runString(t, `new crypto.Hash('sha256').update('abc').digest('hex')`))
	assert.Equal(t, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
		h.runString(t, `new crypto.Hash('SHA-256').update('a').update(__data('bc')).digest('base64')`))
	assert.Equal(t, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0",
		h.runString(t, `new crypto.Hash('sha256').update('616263', 'hex').digest('base64url')`))
	assert.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		h.runString(t, `new crypto.Hash('sha256').update('YWJj', 'base64').digest().toString('hex')`))
	assert.Equal(t, "d41d8cd98f00b204e9800998ecf8427e", h.runString(t, `new crypto.Hash('md5').digest('hex')`))
	assert.Equal(t, "a9993e364706816aba3e25717850c26c9cd0d89d", h.runString(t, `new crypto.Hash('sha1').update('abc').digest('hex')`))
	// RFC 4231, test case 2.
	assert.Equal(t, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		h.runString(t, `new crypto.Hmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex')`))
	assert.Equal(t, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		h.runString(t, `new crypto.Hmac('sha256', __data('Jefe')).update(__data('what do ya want ')).update('for nothing?').digest('hex')`))

	h.run(t, `var used = new crypto.Hash('sha256'); used.digest()`)
	h.throws(t, `used.digest()`, "Error", "crypto.Hash.digest: already finalized")
	h.throws(t, `used.update('x')`, "Error", "crypto.Hash.update: already finalized")
	h.throws(t, `new crypto.Hash('nope')`, "Error", "crypto.Hash: unknown algorithm: nope")
	h.throws(t, `new crypto.Hash('sha256').digest('utf8')`, "TypeError", "unknown encoding")
	h.throws(t, `new crypto.Hash('sha256').update(12)`, "TypeError", "crypto.Hash.update: data must be a Data object or a string")
	h.throws(t, `new crypto.Hash('sha256').update('zz', 'hex')`, "TypeError", "crypto.Hash.update")
	h.throws(t, `new crypto.Hmac('sha256')`, "TypeError", "crypto.Hmac: key must be a Data object or a string")
	h.throws(t, `new crypto.Hash('sha256').digest.call({})`, "TypeError", "crypto.Hash.digest: expected a crypto.Hash")
}

func TestCipherState(t *testing.T) {
	key, _ := hex.DecodeString("2b7e151628aed2a6abf7158809cf4f3c")
	iv, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f")
	plain, _ := hex.DecodeString("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51")
	// NIST SP 800-38A F.2.1, then a block of PKCS #7 padding.
	c, err := newCipherState("aes-128-cbc", key, iv, nil, true)
	require.NoError(t, err)
	var out []byte
	for _, b := range plain { // one byte at a time
		o, err := c.update([]byte{b})
		require.NoError(t, err)
		out = append(out, o...)
	}
	last, err := c.final()
	require.NoError(t, err)
	out = append(out, last...)
	require.Len(t, out, 48)
	assert.Equal(t, "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2", hex.EncodeToString(out[:32]))
	_, err = c.final()
	assert.ErrorIs(t, err, errFinalized)

	d, err := newCipherState("AES-128-CBC", key, iv, nil, false)
	require.NoError(t, err)
	var back []byte
	for i := 0; i < len(out); i += 7 {
		o, err := d.update(out[i:min(i+7, len(out))])
		require.NoError(t, err)
		back = append(back, o...)
	}
	last, err = d.final()
	require.NoError(t, err)
	assert.Equal(t, plain, append(back, last...))

	// A wrong key shows as bad padding (almost always) or garbage, never a panic.
	bad, _ := newCipherState("aes-128-cbc", make([]byte, 16), iv, nil, false)
	_, _ = bad.update(out)
	_, err = bad.final()
	if err != nil {
		assert.ErrorIs(t, err, errBadDecrypt)
	}
	short, _ := newCipherState("aes-128-cbc", key, iv, nil, false)
	_, _ = short.update(out[:20])
	_, err = short.final()
	assert.ErrorIs(t, err, errBadDecrypt)

	for _, c := range []struct {
		alg         string
		key, iv     int
		wantErrPart string
	}{
		{"aes-256-cbc", 16, 16, "options.key expected to have a length of 32"},
		{"aes-128-gcm", 16, 16, "options.iv expected to have a length of 12"},
		{"aes-128-cbc", 16, 0, "options.iv expected to have a length of 16"},
		{"des-cbc", 8, 8, "unknown algorithm"},
		{"aes-128-ecb", 16, 16, "unknown algorithm"},
		{"aes-100-cbc", 16, 16, "unknown algorithm"},
	} {
		_, err := newCipherState(c.alg, make([]byte, c.key), make([]byte, c.iv), nil, true)
		if assert.Error(t, err, c.alg) {
			assert.Contains(t, err.Error(), c.wantErrPart, c.alg)
		}
	}
	_, err = newCipherState("aes128", make([]byte, 16), make([]byte, 16), nil, true)
	assert.NoError(t, err)
}

func TestJSCipher(t *testing.T) {
	h := newFakeHost(t, t.TempDir())
	for _, alg := range []string{"aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "aes-128-ctr", "aes-256-ctr", "aes-128-gcm", "aes-256-gcm"} {
		src := `(function (alg) {
			var size = { '128': 16, '192': 24, '256': 32 }[alg.split('-')[1]];
			var key = 'k'.repeat(size), iv = alg.endsWith('gcm') ? 'n'.repeat(12) : 'i'.repeat(16);
			var opts = { key: key, iv: __data(iv) };
			if (alg.endsWith('gcm')) opts.aad = 'header';
			var c = new crypto.Cipher(alg, opts);
			var parts = [c.update('The quick brown fox '), c.update(__data('jumps over the lazy dog')), c.final()];
			var hex = parts.map(p => __hex(p)).join('');
			var d = new crypto.Decipher(alg, opts);
			var out = d.update(hex.length > 0 ? parts[0] : '').toString();
			out += d.update(parts[1]).toString() + d.update(parts[2]).toString() + d.final().toString();
			return out + '|' + hex.length / 2;
		})(` + quoteJS(alg) + `)`
		got := h.runString(t, src)
		plain := "The quick brown fox jumps over the lazy dog"
		want := len(plain)
		switch {
		case strings.HasSuffix(alg, "cbc"):
			want = 48
		case strings.HasSuffix(alg, "gcm"):
			want += 16
		}
		assert.Equal(t, plain+"|"+itoa(want), got, alg)
	}
	// GCM refuses tampered data.
	h.run(t, `var o = { key: 'k'.repeat(16), iv: 'n'.repeat(12) };
		var c = new crypto.Cipher('aes-128-gcm', o); c.update('secret'); var sealed = c.final().toString('hex');
		var tampered = (sealed[0] === '0' ? '1' : '0') + sealed.slice(1);`)
	h.throws(t, `var d = new crypto.Decipher('aes-128-gcm', o); d.update(__fromHex(tampered)); d.final()`, "Error", "crypto.Decipher.final: bad decrypt")
	h.throws(t, `new crypto.Cipher('aes-128-cbc', { key: 'short', iv: 'i'.repeat(16) })`, "Error", "crypto.Cipher: options.key expected to have a length of 16")
	h.throws(t, `new crypto.Cipher('aes-128-cbc')`, "TypeError", "crypto.Cipher: options must be an object")
	h.throws(t, `new crypto.Cipher('aes-128-cbc', { key: 1 })`, "TypeError", "options.key must be a Data object or a string")
	h.throws(t, `new crypto.Cipher('aes-128-cbc', { key: 'k'.repeat(16), iv: 'i'.repeat(16), aad: 'x' })`, "Error", "only for GCM")
	h.throws(t, `var c2 = new crypto.Cipher('aes-128-ctr', { key: 'k'.repeat(16), iv: 'i'.repeat(16) }); c2.final(); c2.update('x')`, "Error", "crypto.Cipher.update: already finalized")
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

func pemOf(t *testing.T, typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

type testKeys struct {
	rsa                       *rsa.PrivateKey
	ec                        *ecdsa.PrivateKey
	rsaPriv, rsaPKCS1, rsaPub string
	ecPriv, ecSEC1, ecPub     string
	cert                      string
}

func newTestKeys(t *testing.T) *testKeys {
	k := &testKeys{}
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(k.rsa)
	require.NoError(t, err)
	k.rsaPriv = pemOf(t, "PRIVATE KEY", der)
	k.rsaPKCS1 = pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k.rsa))
	der, err = x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	require.NoError(t, err)
	k.rsaPub = pemOf(t, "PUBLIC KEY", der)
	der, err = x509.MarshalPKCS8PrivateKey(k.ec)
	require.NoError(t, err)
	k.ecPriv = pemOf(t, "PRIVATE KEY", der)
	der, err = x509.MarshalECPrivateKey(k.ec)
	require.NoError(t, err)
	k.ecSEC1 = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + pemOf(t, "EC PRIVATE KEY", der)
	der, err = x509.MarshalPKIXPublicKey(&k.ec.PublicKey)
	require.NoError(t, err)
	k.ecPub = pemOf(t, "PUBLIC KEY", der)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "sluice.test", Organization: []string{"Sluice"}},
		DNSNames:     []string{"sluice.test", "www.sluice.test"},
		NotBefore:    time.UnixMilli(1_600_000_000_000),
		NotAfter:     time.UnixMilli(1_700_000_000_000),
	}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.ec.PublicKey, k.ec)
	require.NoError(t, err)
	k.cert = pemOf(t, "CERTIFICATE", der)
	return k
}

func TestJSSignVerify(t *testing.T) {
	keys := newTestKeys(t)
	h := newFakeHost(t, t.TempDir())
	require.NoError(t, h.vm.Set("K", map[string]any{
		"rsaPriv": keys.rsaPriv, "rsaPKCS1": keys.rsaPKCS1, "rsaPub": keys.rsaPub,
		"ecPriv": keys.ecPriv, "ecSEC1": keys.ecSEC1, "ecPub": keys.ecPub, "cert": keys.cert,
	}))
	digest := sha256.Sum256([]byte("hello world"))

	// RSA: sign in JS, verify in Go and in JS.
	sigB64 := h.runString(t, `new crypto.Sign('sha256').update('hello ').update(__data('world')).sign(new crypto.PrivateKey(K.rsaPriv), 'base64')`)
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	require.NoError(t, err)
	require.NoError(t, rsa.VerifyPKCS1v15(&keys.rsa.PublicKey, crypto.SHA256, digest[:], sig))
	assert.True(t, h.run(t, `new crypto.Verify('sha256').update('hello world').verify(new crypto.PublicKey(K.rsaPub), `+quoteJS(sigB64)+`, 'base64')`).ToBoolean())
	assert.True(t, h.run(t, `new crypto.Verify('sha256').update('hello world').verify(K.rsaPub, `+quoteJS(sigB64)+`, 'base64')`).ToBoolean())
	assert.True(t, h.run(t, `new crypto.Verify('sha256').update('hello world').verify(new crypto.PrivateKey(K.rsaPKCS1), `+quoteJS(sigB64)+`, 'base64')`).ToBoolean())
	assert.False(t, h.run(t, `new crypto.Verify('sha256').update('hello world!').verify(new crypto.PublicKey(K.rsaPub), `+quoteJS(sigB64)+`, 'base64')`).ToBoolean())

	// ECDSA: sign in Go, verify in JS; sign in JS (Data), verify in Go.
	asn1Sig, err := ecdsa.SignASN1(rand.Reader, keys.ec, digest[:])
	require.NoError(t, err)
	assert.True(t, h.run(t, `new crypto.Verify('sha256').update('hello world').verify(new crypto.Certificate(K.cert), `+quoteJS(hex.EncodeToString(asn1Sig))+`, 'hex')`).ToBoolean())
	sigHex := h.runString(t, `__hex(new crypto.Sign('sha256').update('hello world').sign(new crypto.PrivateKey(K.ecSEC1)))`)
	sig, _ = hex.DecodeString(sigHex)
	assert.True(t, ecdsa.VerifyASN1(&keys.ec.PublicKey, digest[:], sig))
	assert.True(t, h.run(t, `new crypto.Verify('sha256').update('hello world').verify(new crypto.PublicKey(K.ecPub), __fromHex(`+quoteJS(sigHex)+`))`).ToBoolean())

	// Keys round-trip through PEM.
	assert.Contains(t, h.runString(t, `new crypto.PrivateKey(K.ecSEC1).toPEM().toString()`), "-----BEGIN PRIVATE KEY-----")
	assert.Equal(t, keys.rsaPub, h.runString(t, `new crypto.PublicKey(new crypto.PrivateKey(K.rsaPriv)).toPEM().toString()`))
	assert.Equal(t, keys.ecPub, h.runString(t, `new crypto.PublicKey(__data(K.ecPub)).toPEM().toString()`))

	// Certificates.
	assert.Equal(t, "sluice.test Sluice sluice.test,www.sluice.test 1600000000000 1700000000000",
		h.runString(t, `var c = new crypto.Certificate(K.cert); [c.subject.commonName, c.issuer.organizationName, c.subjectAltNames, c.notBefore, c.notAfter].join(' ')`))
	assert.Equal(t, keys.cert, h.runString(t, `c.toPEM().toString()`))

	h.throws(t, `new crypto.PrivateKey('not a key')`, "Error", "crypto.PrivateKey: no key found in PEM data")
	h.throws(t, `new crypto.PublicKey(42)`, "TypeError", "crypto.PublicKey: expected PEM data")
	h.throws(t, `new crypto.PrivateKey({ type: 'dsa' })`, "TypeError", "options.type must be 'rsa'")
	h.throws(t, `new crypto.PrivateKey({ type: 'rsa', bits: 512 })`, "TypeError", "options.bits")
	h.throws(t, `new crypto.Sign('sha256').sign({})`, "TypeError", "crypto.Sign.sign: key must be a crypto.PrivateKey")
	h.throws(t, `new crypto.Verify('sha256').verify(new crypto.PublicKey(K.rsaPub), 42)`, "TypeError", "signature must be a Data object or a string")
	h.throws(t, `new crypto.Verify('sha256').verify({}, 'x')`, "TypeError", "crypto.Verify.verify: key must be")
	h.throws(t, `new crypto.Certificate(K.rsaPub)`, "Error", "no certificate found")
	assert.True(t, h.run(t, `new crypto.PrivateKey({ type: 'rsa', bits: 1024 }) instanceof crypto.PrivateKey`).ToBoolean())
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestJSJWT(t *testing.T) {
	keys := newTestKeys(t)
	h := newFakeHost(t, t.TempDir())
	require.NoError(t, h.vm.Set("K", map[string]any{"rsaPub": keys.rsaPub, "ecPub": keys.ecPub, "rsaPriv": keys.rsaPriv}))

	// The example token of jwt.io.
	h.run(t, `var jwt = new crypto.JWT('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c')`)
	assert.Equal(t, "true HS256 JWT John Doe 1516239022", h.runString(t, `[jwt.isValid, jwt.header.alg, jwt.header.typ, jwt.payload.name, jwt.payload.iat].join(' ')`))
	assert.True(t, h.run(t, `jwt.verify('your-256-bit-secret') && jwt.verify(__data('your-256-bit-secret'))`).ToBoolean())
	assert.False(t, h.run(t, `jwt.verify('wrong')`).ToBoolean())

	sign := func(alg string, payload string, signer func([]byte) []byte) string {
		head := b64url([]byte(`{"alg":"` + alg + `","typ":"JWT"}`))
		body := b64url([]byte(payload))
		return head + "." + body + "." + b64url(signer([]byte(head+"."+body)))
	}
	rs := sign("RS256", `{"sub":"r"}`, func(b []byte) []byte {
		d := sha256.Sum256(b)
		s, err := rsa.SignPKCS1v15(rand.Reader, keys.rsa, crypto.SHA256, d[:])
		require.NoError(t, err)
		return s
	})
	ps := sign("PS256", `{"sub":"p"}`, func(b []byte) []byte {
		d := sha256.Sum256(b)
		s, err := rsa.SignPSS(rand.Reader, keys.rsa, crypto.SHA256, d[:], nil)
		require.NoError(t, err)
		return s
	})
	es := sign("ES256", `{"sub":"e"}`, func(b []byte) []byte {
		d := sha256.Sum256(b)
		r, s, err := ecdsa.Sign(rand.Reader, keys.ec, d[:])
		require.NoError(t, err)
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	})
	// An HMAC token whose secret is the RSA public key's PEM text: the
	// algorithm confusion attack.
	confused := sign("HS256", `{"sub":"attacker"}`, func(b []byte) []byte {
		m := hmac.New(sha256.New, []byte(keys.rsaPub))
		m.Write(b)
		return m.Sum(nil)
	})
	require.NoError(t, h.vm.Set("T", map[string]any{"rs": rs, "ps": ps, "es": es, "confused": confused}))
	h.run(t, `var jwkRSA = new crypto.JWK(`+jwkRSA(&keys.rsa.PublicKey)+`), jwkEC = new crypto.JWK(`+jwkEC(&keys.ec.PublicKey)+`)`)

	for _, c := range []struct {
		src  string
		want bool
	}{
		{`new crypto.JWT(T.rs).verify(K.rsaPub)`, true},
		{`new crypto.JWT(T.rs).verify(new crypto.PublicKey(K.rsaPub))`, true},
		{`new crypto.JWT(T.rs).verify(K.rsaPriv)`, true},
		{`new crypto.JWT(T.rs).verify(jwkRSA)`, true},
		{`new crypto.JWT(T.rs).verify(jwkEC)`, false},
		{`new crypto.JWT(T.ps).verify(jwkRSA)`, true},
		{`new crypto.JWT(T.es).verify(K.ecPub)`, true},
		{`new crypto.JWT(T.es).verify(jwkEC)`, true},
		{`new crypto.JWT(T.es).verify(K.rsaPub)`, false},
		{`new crypto.JWT(T.es.slice(0, -4) + 'AAAA').verify(jwkEC)`, false},
		{`new crypto.JWT(T.confused).verify(K.rsaPub)`, false},
		{`new crypto.JWT(T.confused).verify(new crypto.PublicKey(K.rsaPub))`, false},
		{`jwt.verify(jwkRSA)`, false},
		{`jwkRSA.isValid && jwkEC.isValid`, true},
	} {
		assert.Equal(t, c.want, h.run(t, c.src).ToBoolean(), c.src)
	}

	noneTok := b64url([]byte(`{"alg":"none"}`)) + "." + b64url([]byte(`{"admin":true}`)) + "."
	for _, tok := range []string{"", "a.b", "a.b.c.d", "!!.!!.!!", noneTok,
		b64url([]byte(`[1]`)) + "." + b64url([]byte(`{}`)) + ".",
		b64url([]byte(`{"alg":"HS256"}`)) + "." + b64url([]byte(`"str"`)) + "."} {
		assert.False(t, h.run(t, `new crypto.JWT(`+quoteJS(tok)+`).isValid`).ToBoolean(), tok)
		assert.False(t, h.run(t, `new crypto.JWT(`+quoteJS(tok)+`).verify('secret')`).ToBoolean(), tok)
	}
	assert.True(t, h.run(t, `new crypto.JWT(`+quoteJS(noneTok)+`).payload.admin === true`).ToBoolean(), "the payload is readable even when the token is not valid")
	h.throws(t, `new crypto.JWT(T.rs).verify('not a pem')`, "Error", "crypto.JWT.verify: no key found")
	h.throws(t, `jwt.verify(42)`, "TypeError", "crypto.JWT.verify: key must be")
	h.throws(t, `new crypto.JWT(42)`, "TypeError", "crypto.JWT: token must be a string")
	h.throws(t, `new crypto.JWK({ kty: 'RSA', n: 'AQAB' })`, "Error", `crypto.JWK: missing "e"`)
	h.throws(t, `new crypto.JWK({ kty: 'EC', crv: 'P-256', x: 'AQAB', y: 'AQAB' })`, "Error", `invalid "x" or "y"`)
	h.throws(t, `new crypto.JWK({ kty: 'oct', k: 'AQAB' })`, "Error", `unknown "kty"`)
	h.throws(t, `new crypto.JWK('{}')`, "TypeError", "crypto.JWK: json must be an object")
}

func jwkRSA(k *rsa.PublicKey) string {
	return `{"kty":"RSA","n":"` + b64url(k.N.Bytes()) + `","e":"` + b64url(big.NewInt(int64(k.E)).Bytes()) + `"}`
}

func jwkEC(k *ecdsa.PublicKey) string {
	b, err := k.Bytes() // 4, then x and y of 32 bytes each
	if err != nil {
		panic(err)
	}
	x, y := b[1:33], b[33:]
	return `{"kty":"EC","crv":"P-256","x":"` + b64url(x) + `","y":"` + b64url(y) + `"}`
}

func TestParseJWKOffCurve(t *testing.T) {
	x := make([]byte, 32)
	y := make([]byte, 32)
	x[31], y[31] = 1, 1
	_, err := parseJWK(func(k string) (string, bool) {
		v, ok := map[string]string{"kty": "EC", "crv": "P-256", "x": b64url(x), "y": b64url(y)}[k]
		return v, ok
	})
	assert.ErrorContains(t, err, "not on the curve")
}
