//go:build !linux

package pipeline

// poller is Linux's epoll set of a worker; elsewhere every socket reads with
// a goroutine of its own.
type poller struct{ polling bool }

func (w *Worker) pollerFor() *poller     { return nil }
func (p *poller) add(k *Socket) bool     { return false }
func (p *poller) remove(k *Socket)       {}
func (p *poller) arm(k *Socket, on bool) {}

func (p *poller) poll()          {}
func (p *poller) hasReady() bool { return false }
func (p *poller) handBack()      {}
func (p *poller) closeAll()      {}
