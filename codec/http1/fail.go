package http1

import (
	"fmt"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// failIn ends s with a runtime error naming filter, so that the log of the
// failure (see pipeline.Stream.Fail) says which filter could not go on.
func failIn(s *pipeline.Stream, filter string, err error) {
	s.Fail(event.RuntimeError, fmt.Errorf("%s: %w", filter, err))
}
