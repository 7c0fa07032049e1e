package dubbo

import "github.com/sluice-go/sluice/event"

// Of returns msg's head as a *Head, and whether it is one (a decoded
// frame's head is). It spares Go handlers a type assertion at every use;
// HeadOf, by contrast, converts any head (a map, a script's object) into a
// new one.
func Of(msg *event.Message) (*Head, bool) {
	if msg == nil {
		return nil, false
	}
	h, ok := msg.Head.(*Head)
	return h, ok && h != nil
}
