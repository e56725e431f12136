package gateway

import (
	"errors"
	"net/http"
	"time"
)

// errHeld is what a held reply's writes return: the reply never goes out.
var errHeld = errors.New("gateway: reply held")

// holdWriter carries out ActionHold: the request is forwarded as usual,
// and when the reply would start (the upstream has answered), it signals
// the action's Held, waits for the client to give up, and resets the
// connection; nothing of the reply is sent.
type holdWriter struct {
	http.ResponseWriter
	g    *Gateway
	x    *exchange
	a    Action
	held bool
}

func (h *holdWriter) WriteHeader(int) { h.hold() }

func (h *holdWriter) Write([]byte) (int, error) {
	h.hold()
	return 0, errHeld
}

func (h *holdWriter) hold() {
	if h.held {
		return
	}
	h.held = true
	h.g.holdOn(h.ResponseWriter, h.x, h.a)
}

// holdOn signals a's Held, then waits until the client gives up, the
// gateway closes or a's Delay (at most Options.MaxStall) passes, and resets
// the connection.
func (g *Gateway) holdOn(w http.ResponseWriter, x *exchange, a Action) {
	if a.Held != nil {
		select {
		case a.Held <- struct{}{}:
		case <-x.r.Context().Done():
		case <-g.closing:
		}
	}
	d := a.Delay
	if d <= 0 || d > g.opts.MaxStall {
		d = g.opts.MaxStall
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-x.r.Context().Done():
	case <-g.closing:
	case <-t.C:
	}
	resetConn(w)
}
