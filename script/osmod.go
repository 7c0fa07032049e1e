package script

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/dop251/goja"
)

// installOS installs the global `os` of Pipy 0.x:
//
//	os.env                    the environment, as an object of strings (a snapshot)
//	os.readFile(path)         → Data, or null (logged) when it cannot be read
//	os.writeFile(path, data)  data: Data or string; → true, or false (logged)
//	os.readDir(path)          → [name, ...] (sorted), or null (logged)
//	os.stat(path)             → Stats, or null when path does not exist
//
// A relative path is relative to the directory of the script (host.BaseDir);
// an absolute one is used as is. These calls are synchronous and block the
// worker while the file system answers: they are meant for the configuration
// phase (loading keys, routes, certificates), not for every request.
//
// Stats has the fields of stat(2) as Pipy exposes them: dev, ino, mode,
// nlink, uid, gid, rdev, size, blksize, blocks, atime, mtime, ctime (times in
// seconds since the epoch; fields the platform lacks are 0), and the methods
// isFile(), isDirectory(), isCharacterDevice(), isBlockDevice(), isFIFO(),
// isSymbolicLink() and isSocket(). stat follows symbolic links.
func (m *modEnv) installOS() {
	o := m.global("os")
	env := m.rt.NewObject()
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			m.must(env.Set(k, v))
		}
	}
	m.must(o.Set("env", env))

	m.method(o, "readFile", func(call goja.FunctionCall) goja.Value {
		const fn = "os.readFile"
		name := m.resolvePath(m.argString(call.Arguments, 0, fn, "path"))
		b, err := os.ReadFile(name)
		if err != nil {
			m.logger().Error(fn+": cannot read file", "path", name, "error", err)
			return goja.Null()
		}
		return m.newData(b)
	})
	m.method(o, "writeFile", func(call goja.FunctionCall) goja.Value {
		const fn = "os.writeFile"
		name := m.resolvePath(m.argString(call.Arguments, 0, fn, "path"))
		b := m.argBytes(call.Arguments, 1, fn, "data")
		if err := os.WriteFile(name, b, 0o644); err != nil {
			m.logger().Error(fn+": cannot write file", "path", name, "error", err)
			return m.rt.ToValue(false)
		}
		return m.rt.ToValue(true)
	})
	m.method(o, "readDir", func(call goja.FunctionCall) goja.Value {
		const fn = "os.readDir"
		name := m.resolvePath(m.argString(call.Arguments, 0, fn, "path"))
		entries, err := os.ReadDir(name)
		if err != nil {
			m.logger().Error(fn+": cannot read directory", "path", name, "error", err)
			return goja.Null()
		}
		names := make([]any, len(entries))
		for i, e := range entries {
			names[i] = e.Name()
		}
		return m.rt.NewArray(names...)
	})

	stats := m.rt.NewObject()
	for _, p := range []struct {
		name string
		is   func(fs.FileMode) bool
	}{
		{"isFile", fs.FileMode.IsRegular},
		{"isDirectory", fs.FileMode.IsDir},
		{"isCharacterDevice", func(f fs.FileMode) bool { return f&fs.ModeCharDevice != 0 }},
		{"isBlockDevice", func(f fs.FileMode) bool { return f&fs.ModeDevice != 0 && f&fs.ModeCharDevice == 0 }},
		{"isFIFO", func(f fs.FileMode) bool { return f&fs.ModeNamedPipe != 0 }},
		{"isSymbolicLink", func(f fs.FileMode) bool { return f&fs.ModeSymlink != 0 }},
		{"isSocket", func(f fs.FileMode) bool { return f&fs.ModeSocket != 0 }},
	} {
		m.method(stats, p.name, func(call goja.FunctionCall) goja.Value {
			mode := nativeOf[fs.FileMode](m, call.This, "os.Stats."+p.name, "an os.Stats object")
			return m.rt.ToValue(p.is(mode))
		})
	}
	m.method(o, "stat", func(call goja.FunctionCall) goja.Value {
		name := m.resolvePath(m.argString(call.Arguments, 0, "os.stat", "path"))
		fi, err := os.Stat(name)
		if err != nil {
			return goja.Null()
		}
		s := m.wrap(stats, fi.Mode())
		for _, f := range statFields(fi) {
			m.must(s.Set(f.name, f.value))
		}
		return s
	})
}

// resolvePath makes a script's path relative to the script's directory.
func (m *modEnv) resolvePath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(m.h.BaseDir(), p)
}

// statField is a named field of os.Stats.
type statField struct {
	name  string
	value any
}

// statFields lists the stat(2) fields of fi. Size, mode and mtime come from
// fi; the rest are read from the platform's Stat_t by field name, so that
// this file needs no build tags (a field the platform lacks reads 0).
func statFields(fi fs.FileInfo) []statField {
	sys := reflect.Indirect(reflect.ValueOf(fi.Sys()))
	num := func(names ...string) any {
		if sys.Kind() != reflect.Struct {
			return 0
		}
		for _, n := range names {
			f := sys.FieldByName(n)
			switch {
			case !f.IsValid():
				continue
			case f.CanInt():
				return f.Int()
			case f.CanUint():
				return f.Uint()
			}
		}
		return 0
	}
	secs := func(names ...string) any {
		if sys.Kind() != reflect.Struct {
			return 0
		}
		for _, n := range names {
			f := sys.FieldByName(n)
			if f.IsValid() && f.Kind() == reflect.Struct {
				if s := f.FieldByName("Sec"); s.IsValid() && s.CanInt() {
					return s.Int()
				}
			}
		}
		return 0
	}
	return []statField{
		{"dev", num("Dev")},
		{"ino", num("Ino")},
		{"mode", unixMode(fi.Mode())},
		{"nlink", num("Nlink")},
		{"uid", num("Uid")},
		{"gid", num("Gid")},
		{"rdev", num("Rdev")},
		{"size", fi.Size()},
		{"blksize", num("Blksize")},
		{"blocks", num("Blocks")},
		{"atime", secs("Atim", "Atimespec")},
		{"mtime", fi.ModTime().Unix()},
		{"ctime", secs("Ctim", "Ctimespec")},
	}
}

// unixMode converts a FileMode to the st_mode bits of stat(2).
func unixMode(f fs.FileMode) uint32 {
	const (
		sIFIFO  = 0o010000
		sIFCHR  = 0o020000
		sIFDIR  = 0o040000
		sIFBLK  = 0o060000
		sIFREG  = 0o100000
		sIFLNK  = 0o120000
		sIFSOCK = 0o140000
		sISUID  = 0o4000
		sISGID  = 0o2000
		sISVTX  = 0o1000
	)
	m := uint32(f.Perm())
	switch {
	case f.IsDir():
		m |= sIFDIR
	case f&fs.ModeSymlink != 0:
		m |= sIFLNK
	case f&fs.ModeNamedPipe != 0:
		m |= sIFIFO
	case f&fs.ModeSocket != 0:
		m |= sIFSOCK
	case f&fs.ModeCharDevice != 0:
		m |= sIFCHR
	case f&fs.ModeDevice != 0:
		m |= sIFBLK
	default:
		m |= sIFREG
	}
	if f&fs.ModeSetuid != 0 {
		m |= sISUID
	}
	if f&fs.ModeSetgid != 0 {
		m |= sISGID
	}
	if f&fs.ModeSticky != 0 {
		m |= sISVTX
	}
	return m
}
