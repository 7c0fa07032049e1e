package script_test

import (
	"fmt"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
	"github.com/sluice-go/sluice/script"
)

// ExampleLoadSource loads a configuration and runs one of its pipelines on a
// worker driven by hand.
func ExampleLoadSource() {
	m, err := script.LoadSource("hello.js", `
pipy({ _count: 0 })
.pipeline('hello')
  .replaceMessage(msg => new Message({ status: 200 }, 'hello ' + msg.body.toString() + ' #' + (++_count)))
`, script.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	w.Post(func() {
		st := pipeline.NewStream(m.Find("hello"), pipeline.NewContext(w), pipeline.TargetFunc(func(e event.Event) {
			if d, ok := e.(*event.Data); ok {
				fmt.Println(d.String())
			}
		}))
		for _, name := range []string{"ann", "bob"} {
			pipeline.Emit(st, event.NewMessage(nil, name))
		}
		st.Input(&event.SessionEnd{})
	})
	w.RunPending()
	// Output:
	// hello ann #1
	// hello bob #2
}
