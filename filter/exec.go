package filter

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"

	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

// Exec returns a filter that runs a process for each stream: argv[0] is the
// program (looked up in PATH), the rest its arguments; no shell is involved
// (SplitCommand splits a command line for it).
//
// The process starts on the stream's first event, whatever its kind. Data
// goes to its standard input; MessageStart and MessageEnd are dropped; an
// input SessionEnd closes its standard input once everything before it is
// written. What the process writes to its standard output comes out as Data,
// and its exit ends the output with a SessionEnd: no error for exit status 0,
// UnknownError with the status otherwise. A program that cannot be found ends
// the stream with CannotResolve; any other start failure with UnknownError.
// The process's standard error is the host's (inherited, not captured).
//
// The stream is held while the process runs. When the stream ends or is
// closed first (a worker group closing closes its streams), the process is
// killed and reaped, and the filter's goroutines exit.
//
// On Unix the process runs in a process group of its own, and is killed
// with SIGKILL as a group: what it started goes with it (unless it left the
// group, as daemons do). There is no SIGTERM first: the stream has ended
// and nothing reads the process's output any more. On Linux, the process's
// exit also kills what is left of its group, so a child left running in the
// background cannot hold the stream open; and the process gets a
// parent-death signal (SIGKILL), so it does not outlive sluice even when
// sluice is killed with SIGKILL. The kernel kills only that direct child:
// what it started survives, unless StartExecReaper was called (the sluice
// command does), which starts a helper that kills the groups. Standard input is written by a goroutine; what waits for it is bounded
// through the context's Valve, so a process that reads slowly pauses the
// reading of the connections feeding it, and the process's output is not
// read while the stream's output is congested.
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
}

type execFilter struct {
	argv []string
	fn   func(*pipeline.Stream) []string
}

func (*execFilter) Info() pipeline.Info { return execInfo }

func (f *execFilter) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return &execInst{f: f, s: s, next: next}
}

// Bounds of what waits between the worker and the process.
const (
	execHighWater = 1 << 20 // bytes queued for stdin before the valve closes
	execReadAhead = 64 << 10
	execReadSize  = 16 << 10
)

// execInst is the per-stream instance.
type execInst struct {
	f       *execFilter
	s       *pipeline.Stream
	next    pipeline.Target
	started bool
	ended   bool // the output ended, or the stream is closing
	cleaned bool

	name      string
	cmd       *exec.Cmd
	proc      *execProc
	stdout    io.ReadCloser
	in        *execStdin
	done      chan struct{} // closed by cleanup: the goroutines stop
	queued    int           // bytes given to the stdin writer, not yet written
	congested bool          // we closed the valve

	inflight atomic.Int64 // stdout bytes posted, not yet delivered
	room     chan struct{}
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
		if evt.Len() > 0 {
			e.queued += evt.Len()
			e.in.write(evt.Chunks(), false)
			if !e.congested && e.queued > execHighWater {
				e.congested = true
				e.s.Context().Valve().Close()
			}
		}
	case *event.SessionEnd:
		e.in.write(nil, true)
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
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = execSysProcAttr()
	stdin, err := cmd.StdinPipe()
	if err == nil {
		e.stdout, err = cmd.StdoutPipe()
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
	e.done = make(chan struct{})
	e.room = make(chan struct{}, 1)
	e.in = &execStdin{w: stdin, kick: make(chan struct{}, 1), done: e.done, ack: e.written, w0: e.s.Worker()}
	e.s.Hold()
	e.s.OnClose(e.cleanup)
	go e.in.run()
	go e.proc.watch()
	go e.readStdout(cmd, e.stdout, e.s.Context().ReturnValve(), e.done)
	return true
}

func (e *execInst) callCommand(argv *[]string) (ok bool) {
	defer e.s.Catch("exec", &ok)
	*argv = e.f.fn(e.s)
	return true
}

// readStdout runs on its own goroutine: it posts what the process writes,
// then reaps the process (once its watch allows) and posts its exit.
func (e *execInst) readStdout(cmd *exec.Cmd, stdout io.Reader, valve *pipeline.Valve, done chan struct{}) {
	buf := make([]byte, execReadSize)
read:
	for valve.Wait(done) {
		for e.inflight.Load() >= execReadAhead {
			select {
			case <-e.room:
			case <-done:
				break read
			}
		}
		n, err := stdout.Read(buf)
		if n > 0 {
			var d *event.Data
			if n >= execReadSize/2 {
				d = event.FromBytes(buf[:n])
				buf = make([]byte, execReadSize)
			} else {
				d = event.FromBytes(append([]byte(nil), buf[:n]...))
			}
			e.inflight.Add(int64(n))
			e.s.Post(func() { e.fromStdout(d) })
		}
		if err != nil {
			break
		}
	}
	err := e.proc.reap(cmd)
	e.s.Post(func() { e.exited(err) })
}

func (e *execInst) fromStdout(d *event.Data) {
	if e.inflight.Add(-int64(d.Len())) < execReadAhead {
		select {
		case e.room <- struct{}{}:
		default:
		}
	}
	if !e.ended {
		e.next.Input(d)
	}
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

// written runs on the worker when the stdin writer has written n bytes (or
// dropped them after the process closed its input).
func (e *execInst) written(n int) {
	e.queued -= n
	if e.congested && e.queued <= execHighWater/4 {
		e.congested = false
		e.s.Context().Valve().Open()
	}
}

// cleanup stops the goroutines, and kills the process if it still runs; the
// stdout goroutine reaps it.
func (e *execInst) cleanup() {
	if e.cmd == nil || e.cleaned {
		return
	}
	e.cleaned, e.ended = true, true
	close(e.done)
	if e.congested {
		e.congested = false
		e.s.Context().Valve().Open()
	}
	e.proc.kill()
	e.stdout.Close()
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

// execStdin feeds a process's standard input from its own goroutine. The
// worker hands it chunks with write; it writes them in order and reports
// each write back through ack, on the worker.
type execStdin struct {
	w    io.WriteCloser
	kick chan struct{}
	done <-chan struct{}
	ack  func(n int)
	w0   *pipeline.Worker

	mu      sync.Mutex
	pending net.Buffers
	closing bool
}

// write queues chunks (shared, never modified) and, with end, asks for stdin
// to be closed after them. It never blocks.
func (in *execStdin) write(chunks [][]byte, end bool) {
	in.mu.Lock()
	in.pending = append(in.pending, chunks...)
	in.closing = in.closing || end
	in.mu.Unlock()
	select {
	case in.kick <- struct{}{}:
	default:
	}
}

func (in *execStdin) run() {
	defer in.w.Close()
	broken := false
	for {
		select {
		case <-in.kick:
		case <-in.done:
			return
		}
		in.mu.Lock()
		bufs, closing := in.pending, in.closing
		in.pending = nil
		in.mu.Unlock()
		total := 0
		for _, b := range bufs {
			total += len(b)
		}
		if !broken && total > 0 {
			if _, err := bufs.WriteTo(in.w); err != nil {
				broken = true // the process closed its input: drop the rest
			}
		}
		if total > 0 {
			in.w0.Post(func() { in.ack(total) })
		}
		if closing {
			return
		}
	}
}
