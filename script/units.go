package script

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-go/sluice/filter"
)

// parseSize reads a byte size as scripts write it: a number of bytes (an int
// or a float), or a string made of a number and an optional binary unit: "k"
// (KiB), "m" (MiB) or "g" (GiB), case-insensitive, optionally followed by "b"
// or "ib" ("64k", "1.5M", "10KiB", "512"). A negative or malformed size
// returns an error wrapping ErrBadOption.
func parseSize(v any) (int, error) {
	f, err := sizeValue(v)
	if err != nil {
		return 0, err
	}
	if f < 0 || f > math.MaxInt64/2 || math.IsNaN(f) {
		return 0, fmt.Errorf("%w: size %v out of range", ErrBadOption, v)
	}
	return int(f), nil
}

func sizeValue(v any) (float64, error) {
	switch v := v.(type) {
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case float64:
		return v, nil
	case string:
		return parseSizeString(v)
	}
	return 0, fmt.Errorf("%w: size of type %T", ErrBadOption, v)
}

func parseSizeString(s string) (float64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(t, "b")
	t = strings.TrimSuffix(t, "i")
	mult := 1.0
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		}
		if mult != 1 {
			t = t[:n-1]
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || t == "" {
		return 0, fmt.Errorf("%w: size %q", ErrBadOption, s)
	}
	return f * mult, nil
}

// parseDuration reads a duration as scripts write it: a number of seconds (an
// int or a float), a Go duration string ("1.5s", "100ms", "1m30s"), a bare
// number of seconds as a string ("5"), or a number of days ("2d"). A negative
// or malformed duration returns an error wrapping ErrBadOption.
func parseDuration(v any) (time.Duration, error) {
	var secs float64
	switch v := v.(type) {
	case time.Duration:
		secs = v.Seconds()
	case int:
		secs = float64(v)
	case int64:
		secs = float64(v)
	case float64:
		secs = v
	case string:
		s := strings.TrimSpace(v)
		if d, err := time.ParseDuration(s); err == nil {
			secs = d.Seconds()
			break
		}
		unit := 1.0
		if strings.HasSuffix(s, "d") {
			s, unit = s[:len(s)-1], 24*3600
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: duration %q", ErrBadOption, v)
		}
		secs = f * unit
	default:
		return 0, fmt.Errorf("%w: duration of type %T", ErrBadOption, v)
	}
	if secs < 0 || math.IsNaN(secs) || secs > math.MaxInt64/1e9 {
		return 0, fmt.Errorf("%w: duration %v out of range", ErrBadOption, v)
	}
	return time.Duration(secs * 1e9), nil
}

// parseQuota reads tap's quota as scripts write it: a number is messages per
// second; a string is bytes per second with parseSize's units ("100k"). Zero
// means no limit; a negative or malformed quota returns an error wrapping
// ErrBadOption.
func parseQuota(v any) (filter.Quota, error) {
	switch v := v.(type) {
	case filter.Quota:
		return v, nil
	case string:
		f, err := parseSizeString(v)
		if err != nil {
			return filter.Quota{}, err
		}
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return filter.Quota{}, fmt.Errorf("%w: quota %q", ErrBadOption, v)
		}
		return filter.Quota{PerSecond: f, Bytes: true}, nil
	}
	f, err := sizeValue(v)
	if err != nil {
		return filter.Quota{}, fmt.Errorf("%w: quota of type %T", ErrBadOption, v)
	}
	if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return filter.Quota{}, fmt.Errorf("%w: quota %v", ErrBadOption, v)
	}
	return filter.Quota{PerSecond: f}, nil
}
