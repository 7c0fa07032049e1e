package script

import (
	"testing"
	"time"

	"github.com/sluice-go/sluice/filter"
	"github.com/stretchr/testify/require"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[any]int{
		0: 0, 512: 512, 1.5: 1, "512": 512, "64k": 64 << 10, "64K": 64 << 10, "64kb": 64 << 10,
		"10KiB": 10 << 10, "1.5m": 3 << 19, "2G": 2 << 30, " 8k ": 8 << 10, int64(7): 7,
	} {
		got, err := parseSize(in)
		require.NoError(t, err, "%v", in)
		require.Equal(t, want, got, "%v", in)
	}
	for _, in := range []any{"", "k", "abc", "-1", -3, "1x", true, nil} {
		_, err := parseSize(in)
		require.ErrorIs(t, err, ErrBadOption, "%v", in)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[any]time.Duration{
		1: time.Second, 0.25: 250 * time.Millisecond, "1s": time.Second, "100ms": 100 * time.Millisecond,
		"1m30s": 90 * time.Second, "5": 5 * time.Second, "2d": 48 * time.Hour, "0": 0,
		2 * time.Minute: 2 * time.Minute,
	} {
		got, err := parseDuration(in)
		require.NoError(t, err, "%v", in)
		require.Equal(t, want, got, "%v", in)
	}
	for _, in := range []any{"", "soon", "-1s", -2, "1y", struct{}{}} {
		_, err := parseDuration(in)
		require.ErrorIs(t, err, ErrBadOption, "%v", in)
	}
}

func TestParseQuota(t *testing.T) {
	for in, want := range map[any]filter.Quota{
		2:        {PerSecond: 2},
		0.5:      {PerSecond: 0.5},
		"100k":   {PerSecond: 100 << 10, Bytes: true},
		"1000":   {PerSecond: 1000, Bytes: true},
		"1.5m":   {PerSecond: 1.5 * (1 << 20), Bytes: true},
		int64(0): {},
	} {
		got, err := parseQuota(in)
		require.NoError(t, err, "%v", in)
		require.Equal(t, want, got, "%v", in)
	}
	for _, in := range []any{"fast", -1, "-2k", nil} {
		_, err := parseQuota(in)
		require.ErrorIs(t, err, ErrBadOption, "%v", in)
	}
}
