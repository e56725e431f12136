package netem

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// Conn puts c, a connection accepted by a server, on the link: the
// returned connection reads what c's peer sent once it has come up the
// link, and what is written to it goes down the link to the peer. Closing
// it closes c once the bytes in flight are delivered. Deadlines work as on
// any net.Conn. The connection has no half-close: when the peer stops
// sending, the server reads EOF and can no longer write.
func (lk *Link) Conn(c net.Conn) net.Conn {
	lk.conns.Add(1)
	inner, outer := net.Pipe()
	upLine, downLine := newLine(), newLine()
	var once sync.Once
	closeAll := func() {
		once.Do(func() {
			upLine.abort()
			downLine.abort()
			_ = c.Close()
			_ = outer.Close()
		})
	}
	go func() {
		// Up: the peer's bytes reach the server through the pipe.
		err := lk.carry(outer, c, up, upLine)
		_ = outer.Close() // the server reads EOF after the last byte
		if err != nil && !errors.Is(err, net.ErrClosed) {
			closeAll()
		}
	}()
	go func() {
		// Down: what the server writes reaches the peer; when the server
		// closed, the bytes in flight still arrive, then c closes.
		_ = lk.carry(c, outer, down, downLine)
		closeAll()
	}()
	return &conn{Conn: inner, local: c.LocalAddr(), remote: c.RemoteAddr()}
}

// conn is the server's end, with the addresses of the real connection.
type conn struct {
	net.Conn
	local, remote net.Addr
}

func (c *conn) LocalAddr() net.Addr  { return c.local }
func (c *conn) RemoteAddr() net.Addr { return c.remote }

// Listener returns ln with every accepted connection put on the link
// ([Link.Conn]).
func (lk *Link) Listener(ln net.Listener) net.Listener { return &listener{Listener: ln, lk: lk} }

type listener struct {
	net.Listener
	lk *Link
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.lk.Conn(c), nil
}

// Proxy is a TCP proxy that carries every connection to its target over a
// link. Close stops it.
type Proxy struct {
	lk     *Link
	ln     net.Listener
	target string

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// Proxy serves ln: every connection accepted is joined to a new
// connection to target (host:port) across the link, the client's bytes
// going up and the target's coming down. Half-closes pass through. A
// target that cannot be reached closes the client's connection.
func (lk *Link) Proxy(ln net.Listener, target string) *Proxy {
	p := &Proxy{lk: lk, ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p
}

// ListenProxy listens on addr (like "127.0.0.1:0") and serves a [Proxy]
// to target there.
func (lk *Link) ListenProxy(addr, target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("netem: proxy to %s: %w", target, err)
	}
	return lk.Proxy(ln, target), nil
}

// Addr is where the proxy listens.
func (p *Proxy) Addr() net.Addr { return p.ln.Addr() }

// Link is the link the proxy carries connections over.
func (p *Proxy) Link() *Link { return p.lk }

// Close stops accepting, cuts every connection and waits for them.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	err := p.ln.Close()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

// track registers c for Close; false: the proxy is closing.
func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
	}
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			_ = c.Close()
			return
		}
		p.wg.Add(1)
		go p.join(c)
	}
}

// closeWrite half-closes c when it can, else closes it.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}

func (p *Proxy) join(c net.Conn) {
	defer p.wg.Done()
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		p.untrack(c)
		_ = c.Close()
		return
	}
	if !p.track(u) {
		_ = u.Close()
		_ = c.Close()
		p.untrack(c)
		return
	}
	p.lk.conns.Add(1)
	upLine, downLine := newLine(), newLine()
	var once sync.Once
	cut := func() {
		once.Do(func() {
			upLine.abort()
			downLine.abort()
			_ = c.Close()
			_ = u.Close()
		})
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := p.lk.carry(u, c, up, upLine); err != nil {
			cut()
			return
		}
		closeWrite(u)
	}()
	go func() {
		defer wg.Done()
		if err := p.lk.carry(c, u, down, downLine); err != nil {
			cut()
			return
		}
		closeWrite(c)
	}()
	wg.Wait()
	cut()
	p.untrack(c, u)
}
