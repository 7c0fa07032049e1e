package filter

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"sync"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Exec returns a filter that runs a process for each stream, started on its
// first event: argv[0] is the program (looked up in PATH), the rest its
// arguments, with no shell. Data goes to its standard input,
// flow-controlled as a connection's; MessageStart and MessageEnd are dropped; an input SessionEnd closes the input once written.
// Its standard output comes out as Data, and its exit ends the output: no
// error for status 0, UnknownError otherwise; a program not found ends the
// stream with CannotResolve. Standard error is inherited.
//
// When the stream ends or is closed first, the process is killed with
// SIGKILL as a process group (Unix) and reaped: nothing reads its output any
// more. On Linux its exit also kills what is left of its group (a child in
// the background cannot hold the stream open), it dies with sluice
// (parent-death signal), and what it started dies with it if
// StartExecReaper or EnableExecReaper was called (the sluice command calls
// EnableExecReaper).
func Exec(argv ...string) pipeline.Filter {
	return &execFilter{argv: append([]string(nil), argv...)}
}

// ExecFunc is Exec with the command computed by fn, on the stream's worker,
// when the first event arrives. A panic in fn ends the stream with a
// runtime-error SessionEnd. ExecFunc panics if fn is nil.
func ExecFunc(fn func(s *pipeline.Stream) []string) pipeline.Filter {
	if fn == nil {
		panic("filter: exec: nil command function")
	}
	return &execFilter{fn: fn}
}

var execInfo = pipeline.Info{
	Name:     "exec",
	Synopsis: "(command)",
	Summary:  "Runs a process: Data to its stdin, its stdout out as Data",
	Params: []pipeline.Param{
		{Name: "command", Type: "string|array|function", Doc: "Command line, argv array, or a function returning one of those"},
	},
}

type execFilter struct {
	argv []string
	fn   func(*pipeline.Stream) []string
}

func (*execFilter) Info() pipeline.Info { return execInfo }

func (f *execFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &execInst{f: f, s: s, next: next}
}

// execInst is the per-stream instance.
type execInst struct {
	f       *execFilter
	s       *pipeline.Stream
	next    pipeline.Target
	started bool
	ended   bool // the output ended, or the stream is closing
	cleaned bool
	reaping bool

	name string
	cmd  *exec.Cmd
	proc *execProc
	o    *pipeline.Outbound // the process's input and output
}

func (e *execInst) Input(evt event.Event) {
	if e.ended || e.s.Ended() {
		return
	}
	if !e.started && !e.start() {
		return
	}
	switch evt := evt.(type) {
	case *event.Data:
		e.o.Write(evt)
	case *event.SessionEnd:
		e.o.End()
	}
}

func (e *execInst) start() bool {
	e.started = true
	argv := e.f.argv
	if e.f.fn != nil && !e.callCommand(&argv) {
		return false
	}
	if len(argv) == 0 || argv[0] == "" {
		e.ended = true
		e.s.Fail(event.CannotResolve, fmt.Errorf("%w: exec: empty command", ErrBadCommand))
		return false
	}
	e.name = argv[0]
	if err := reaperForExec(); err != nil {
		e.s.Logger().Warn("exec: processes' children may outlive a killed sluice", "err", err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = execSysProcAttr()
	stdin, err := cmd.StdinPipe()
	var stdout io.ReadCloser
	if err == nil {
		stdout, err = cmd.StdoutPipe()
	}
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		e.ended = true
		kind := event.UnknownError
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			kind = event.CannotResolve
		}
		err = fmt.Errorf("filter: exec %s: %w", e.name, err)
		e.s.Logger().Warn("exec: cannot start", "command", argv, "err", err)
		e.s.Fail(kind, err)
		return false
	}
	e.cmd = cmd
	e.proc = &execProc{p: cmd.Process, exited: make(chan struct{})}
	reaperTell('+', cmd.Process.Pid)
	e.s.Hold()
	e.s.OnClose(e.cleanup)
	go e.proc.watch()
	e.o = pipeline.NewOutboundConn(e.s, pipeline.PipeConn(stdout, stdin), pipeline.TargetFunc(e.fromProcess),
		pipeline.OutboundOptions{Name: "exec"})
	return true
}

func (e *execInst) callCommand(argv *[]string) (ok bool) {
	defer e.s.Catch("exec", &ok)
	*argv = e.f.fn(e.s)
	return true
}

// fromProcess receives what the process writes, as Data, then the end of
// its output, after which the process is reaped and its exit ends the
// output.
func (e *execInst) fromProcess(evt event.Event) {
	if e.ended {
		return
	}
	if _, ok := evt.(*event.SessionEnd); !ok {
		e.next.Input(evt)
		return
	}
	e.reap()
}

// reap waits for the process on a goroutine (once), then posts its exit.
func (e *execInst) reap() {
	if e.reaping {
		return
	}
	e.reaping = true
	cmd, proc := e.cmd, e.proc
	go func() {
		err := proc.reap(cmd)
		e.s.Post(func() { e.exited(err) })
	}()
}

func (e *execInst) exited(err error) {
	if e.ended {
		return
	}
	end := &event.SessionEnd{}
	if err != nil {
		end = event.End(event.UnknownError, fmt.Errorf("filter: exec %s: %w", e.name, err))
	}
	e.cleanup()
	e.next.Input(end)
	e.s.Release()
}

// cleanup kills the process if it still runs and closes its pipes; it is
// reaped on a goroutine.
func (e *execInst) cleanup() {
	if e.cmd == nil || e.cleaned {
		return
	}
	e.cleaned, e.ended = true, true
	e.proc.kill()
	e.o.Close(nil)
	e.reap()
}

// execProc is a started process, which leads a process group of its own:
// it kills the group, and no longer once the process may be reaped (its pid,
// so the group's id, may then belong to another process).
type execProc struct {
	p      *os.Process
	mu     sync.Mutex
	gone   bool          // do not signal p's group any more
	exited chan struct{} // closed by watch: p may be reaped
}

// watch runs on its own goroutine. Where the platform can wait for the
// exit without reaping (Linux), it does, then kills what is left of the
// group; otherwise it lets the process be reaped at once.
func (p *execProc) watch() {
	if waitExited(p.p.Pid) {
		p.mu.Lock()
		killGroup(p.p)
		p.gone = true
		p.mu.Unlock()
	}
	close(p.exited)
}

// kill kills the process's group, unless it may have been reaped.
func (p *execProc) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.gone {
		killGroup(p.p)
	}
}

// reap waits for the process, once watch allows, and returns cmd.Wait's
// result. Where watch cannot wait first, the process is reaped when its
// output ends, and what it started is no longer killed after that.
func (p *execProc) reap(cmd *exec.Cmd) error {
	<-p.exited
	p.mu.Lock()
	p.gone = true
	p.mu.Unlock()
	reaperTell('-', p.p.Pid)
	return cmd.Wait()
}
