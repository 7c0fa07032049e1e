package script

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"github.com/sluice-go/sluice/event"
)

// errFileNotFound is the error of a static file that does not exist.
var errFileNotFound = errors.New("file not found")

// contentTypes maps file extensions (lower case) to the content types Pipy
// serves them with; anything else is application/octet-stream.
var contentTypes = map[string]string{
	"html":  "text/html",
	"htm":   "text/html",
	"css":   "text/css",
	"xml":   "text/xml",
	"txt":   "text/plain",
	"gif":   "image/gif",
	"png":   "image/png",
	"jpg":   "image/jpeg",
	"jpeg":  "image/jpeg",
	"svg":   "image/svg+xml",
	"webp":  "image/webp",
	"ico":   "image/x-icon",
	"woff":  "font/woff",
	"woff2": "font/woff2",
	"js":    "application/javascript",
	"mjs":   "application/javascript",
	"json":  "application/json",
	"map":   "application/json",
	"wasm":  "application/wasm",
	"pdf":   "application/pdf",
}

// maxInflated bounds what a .gz variant may decompress to.
const maxInflated = 256 << 20

// staticFile is a file loaded for http.File: its bytes and those of its
// pre-compressed variants (nil when absent). The byte slices are never
// modified, so every response shares them.
type staticFile struct {
	name        string // the path it was loaded from, relative to the root
	contentType string
	raw, gz, br []byte
	inflated    bool // raw was made from gz
}

// loadStaticFile loads name (slash-separated; a leading slash and ".."
// segments cannot leave root) and its ".gz" and ".br" variants from the
// directory root. When none of them exists it tries name/index.html, as Pipy
// does for directories. Symbolic links that lead out of root are refused.
func loadStaticFile(root, name string) (*staticFile, error) {
	rel := strings.TrimPrefix(path.Clean("/"+name), "/")
	try := func(rel string) *staticFile {
		f := &staticFile{name: rel}
		f.raw = readInRoot(root, rel)
		f.gz = readInRoot(root, rel+".gz")
		f.br = readInRoot(root, rel+".br")
		if f.raw == nil && f.gz == nil && f.br == nil {
			return nil
		}
		ext := ""
		base := path.Base(rel)
		if i := strings.LastIndexByte(base, '.'); i >= 0 {
			ext = strings.ToLower(base[i+1:])
		}
		f.contentType = contentTypes[ext]
		if f.contentType == "" {
			f.contentType = "application/octet-stream"
		}
		return f
	}
	if rel != "" {
		if f := try(rel); f != nil {
			return f, nil
		}
	}
	if f := try(path.Join(rel, "index.html")); f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("%w: %s", errFileNotFound, name)
}

// readInRoot returns the content of the regular file rel below root, or nil.
func readInRoot(root, rel string) []byte {
	if rel == "" {
		return nil
	}
	f, err := os.OpenInRoot(root, rel)
	if err != nil {
		return nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

// acceptedEncodings reports whether an Accept-Encoding value accepts gzip and
// br; an encoding listed with q=0 is not accepted.
func acceptedEncodings(header string) (gz, br bool) {
	for part := range strings.SplitSeq(header, ",") {
		token, params, _ := strings.Cut(part, ";")
		token = strings.ToLower(strings.TrimSpace(token))
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(q), 64); err == nil && f <= 0 {
				continue
			}
		}
		switch token {
		case "gzip":
			gz = true
		case "br":
			br = true
		}
	}
	return gz, br
}

// response chooses what to send for a request that accepts acceptEncoding:
// the ".br" variant if accepted and present, else the ".gz" one, else the
// plain file (inflated from ".gz" when only that exists). It returns the
// status, the content-encoding ("" for none) and the body.
func (f *staticFile) response(acceptEncoding string) (status int, encoding string, body []byte) {
	gz, br := acceptedEncodings(acceptEncoding)
	switch {
	case br && f.br != nil:
		return 200, "br", f.br
	case gz && f.gz != nil:
		return 200, "gzip", f.gz
	}
	if f.raw == nil && f.gz != nil && !f.inflated {
		f.inflated = true
		if zr, err := gzip.NewReader(bytes.NewReader(f.gz)); err == nil {
			var buf bytes.Buffer
			if _, err := io.Copy(&buf, io.LimitReader(zr, maxInflated)); err == nil {
				f.raw = buf.Bytes()
			}
		}
	}
	if f.raw == nil {
		// Only a ".br" variant, which the client does not accept and this
		// program cannot decompress.
		return 406, "", nil
	}
	return 200, "", f.raw
}

// installHTTPFile installs http.File of Pipy 0.x, a static file served from
// memory:
//
//	new http.File(path)        throws when the file does not exist
//	http.File.from(path)       → the file, or null when it does not exist
//	file.toMessage(acceptEncoding?)
//	                           → a Message: status 200, content-type from the
//	                             extension, and the pre-compressed variant the
//	                             client accepts (content-encoding: br or gzip)
//
// path is relative to the script's directory (a leading "/" too, as Pipy's
// paths are relative to its codebase), and cannot lead out of it; a directory
// serves its index.html. The file and its "path.gz" and "path.br" variants are
// read once, when the object is made, and every message shares their bytes.
// When only a ".gz" variant exists and the client does not accept gzip, it is
// decompressed once; when only a ".br" variant exists and the client does not
// accept br, the message has status 406 (Pipy would decompress it).
func (m *modEnv) installHTTPFile() {
	const name = "http.File"
	load := func(args []goja.Value, fn string) (*staticFile, error) {
		return loadStaticFile(m.h.BaseDir(), m.argString(args, 0, fn, "path"))
	}
	ctor, proto := m.class(name, func(args []goja.Value) any {
		f, err := load(args, name)
		if err != nil {
			m.throwError(name, err)
		}
		return f
	})
	m.method(ctor, "from", func(call goja.FunctionCall) goja.Value {
		f, err := load(call.Arguments, name+".from")
		if err != nil {
			if !errors.Is(err, errFileNotFound) && !errors.Is(err, fs.ErrNotExist) {
				m.logger().Error(name+".from: cannot load file", "error", err)
			}
			return goja.Null()
		}
		return m.wrap(proto, f)
	})
	m.method(proto, "toMessage", func(call goja.FunctionCall) goja.Value {
		const fn = name + ".toMessage"
		f := nativeOf[*staticFile](m, call.This, fn, "an http.File")
		ae := ""
		if v := argAt(call.Arguments, 0); !jsNullish(v) {
			ae = v.String()
		}
		status, enc, body := f.response(ae)
		headers := map[string]any{}
		if status == 200 {
			headers["content-type"] = f.contentType
		}
		if enc != "" {
			headers["content-encoding"] = enc
		}
		msg := &event.Message{Head: map[string]any{"status": status, "headers": headers}}
		if body != nil {
			msg.Body = event.FromBytes(body)
		}
		return m.h.NewMessage(msg)
	})
	m.must(m.global("http").Set("File", ctor))
}
