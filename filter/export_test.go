package filter

import "github.com/sluice-go/sluice/pipeline"

// RelayCounts returns how many connections connect has taken over
// (pipeline.Outbound.Relay) and how many of those it copied with TCPConn.ReadFrom
// both ways (splice on Linux), since the process started.
func RelayCounts() (accepted, spliced int64) { return pipeline.RelayCounts() }

// ReaperRunning reports whether the exec reaper's helper runs.
func ReaperRunning() bool { return reaperRunning() }
