package gui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// dist holds the built page (web/build writes it; CI checks that a fresh
// build gives the same bytes).
//
//go:embed web/dist
var dist embed.FS

// asset is a file of the page, kept gzip-compressed too.
type asset struct {
	plain, gz []byte
	etag      string
	ctype     string
}

var (
	assetsOnce sync.Once
	assets     map[string]*asset // by URL path
)

func loadAssets() {
	assets = map[string]*asset{}
	sub, _ := fs.Sub(dist, "web/dist")
	fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		assets["/"+p] = &asset{plain: b, gz: z.Bytes(), etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: ct}
		return nil
	})
}

// serveAsset answers a request for the page or one of its files: gzipped
// when the client takes it, with an ETag, revalidated on each load (no-cache)
// so that a new binary's page is never mixed with an old one's script.
func serveAsset(w http.ResponseWriter, r *http.Request) {
	assetsOnce.Do(loadAssets)
	p := r.URL.Path
	if p == "/" {
		p = "/index.html"
	}
	a := assets[p]
	if a == nil {
		fail(w, ErrNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		fail(w, ErrMethod)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.plain
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
