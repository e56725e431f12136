package netem

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// safety bounds every wait on the real clock; a healthy run takes a
// fraction of it.
const safety = time.Minute

// fakeClock is a Clock that moves only when the test advances it.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	nows    int // calls of Now
	waiters map[chan struct{}]time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), waiters: map[chan struct{}]time.Time{}}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nows++
	return c.now
}

func (c *fakeClock) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nows
}

func (c *fakeClock) SleepUntil(t time.Time, stop <-chan struct{}) bool {
	c.mu.Lock()
	if !t.After(c.now) {
		c.mu.Unlock()
		return true
	}
	ch := make(chan struct{})
	c.waiters[ch] = t
	c.mu.Unlock()
	select {
	case <-ch:
		return true
	case <-stop:
		c.mu.Lock()
		delete(c.waiters, ch)
		c.mu.Unlock()
		return false
	}
}

// advance moves the clock by d and wakes whoever is due.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for ch, t := range c.waiters {
		if !t.After(c.now) {
			close(ch)
			delete(c.waiters, ch)
		}
	}
}

func (c *fakeClock) sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// waitUntil polls cond until it holds, failing t after the safety bound.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(safety)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", safety, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// The token bucket is one per direction, shared by every connection: the
// second and third reservations of a direction queue behind the first,
// whoever makes them, and the delay is added after the bandwidth.
func TestScheduleSharedBandwidthAndDelay(t *testing.T) {
	clk := newFakeClock()
	t0 := clk.Now()
	lk := NewWithClock(Config{
		Up:   Direction{Delay: 50 * time.Millisecond, BytesPerSecond: 1000},
		Down: Direction{Delay: 10 * time.Millisecond},
	}, clk)
	if got := lk.chunk(up); got != 100 {
		t.Fatalf("up chunk %d, want a tenth of a second's worth, 100", got)
	}
	for i, want := range []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond} {
		sent, due := lk.schedule(up, t0, 100) // three connections at the same instant
		if got := sent.Sub(t0); got != want {
			t.Errorf("reservation %d: sent after %v, want %v", i, got, want)
		}
		if got := due.Sub(sent); got != 50*time.Millisecond {
			t.Errorf("reservation %d: due %v after sent, want the 50ms delay", i, got)
		}
	}
	// Down is unlimited and independent of up's queue.
	sent, due := lk.schedule(down, t0, 64<<10)
	if !sent.Equal(t0) || due.Sub(t0) != 10*time.Millisecond {
		t.Errorf("down: sent %v due %v after t0, want 0 and 10ms", sent.Sub(t0), due.Sub(t0))
	}
	// Set changes the rate for what is sent from then on.
	if err := lk.Set(Symmetric(0, 10_000)); err != nil {
		t.Fatal(err)
	}
	if got := lk.chunk(up); got != 1000 {
		t.Errorf("after Set, up chunk %d, want 1000", got)
	}
	later := t0.Add(time.Second)
	if sent, due := lk.schedule(up, later, 1000); !due.Equal(sent) || sent.Sub(later) > 300*time.Millisecond {
		t.Errorf("after Set: sent %v after, due %v after sent; want a fresh bucket and no delay", sent.Sub(later), due.Sub(sent))
	}
}

// Writes are pipelined: ten writes made at once on a 100 ms link all
// arrive after one advance of the clock by 100 ms, not one per round
// trip; and none arrives before.
func TestDelayIsPipelinedNotPerWrite(t *testing.T) {
	clk := newFakeClock()
	lk := NewWithClock(Config{Up: Direction{Delay: 100 * time.Millisecond}}, clk)
	client, c := net.Pipe()
	server := lk.Conn(c)
	defer server.Close()
	defer client.Close()

	msg := bytes.Repeat([]byte("0123456789"), 100)
	for i := 0; i < 10; i++ {
		if _, err := client.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	// Every write returned; the line stamped each piece (one Now each, on
	// top of New's) and waits for the first.
	waitUntil(t, "every piece stamped", func() bool { return clk.calls() >= 1+10 })
	waitUntil(t, "the delay line to wait on the clock", func() bool { return clk.sleepers() == 1 })
	if s := lk.Stats(); s.Up != 0 {
		t.Fatalf("%d bytes delivered before the delay passed", s.Up)
	}
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, 10*len(msg))
		_, _ = io.ReadFull(server, b)
		got <- b
	}()
	clk.advance(100 * time.Millisecond)
	select {
	case b := <-got:
		if !bytes.Equal(b, bytes.Repeat(msg, 10)) {
			t.Fatal("the bytes arrived changed")
		}
	case <-time.After(safety):
		t.Fatalf("after one delay only %d of %d bytes arrived: the line is not pipelined", lk.Stats().Up, 10*len(msg))
	}
	// The counter moves once the write into the server's end returned,
	// just after the reader has the bytes.
	waitUntil(t, "the counter", func() bool { return lk.Stats().Up == int64(10*len(msg)) })
	if s := lk.Stats(); s.Conns != 1 {
		t.Errorf("stats %+v, want 1 connection", s)
	}
}

// The bandwidth holds the sender back: at 1000 B/s with a 100-byte bucket,
// a 1000-byte write is delivered in ten pieces, one per 100 ms of clock.
func TestBandwidthReleasesBytesByTheClock(t *testing.T) {
	clk := newFakeClock()
	lk := NewWithClock(Config{Up: Direction{BytesPerSecond: 1000}}, clk)
	client, c := net.Pipe()
	server := lk.Conn(c)
	defer server.Close()
	defer client.Close()
	go func() { _, _ = client.Write(make([]byte, 1000)) }()
	go func() { _, _ = io.Copy(io.Discard, server) }()
	// The first 100 bytes pass on the full bucket.
	waitUntil(t, "the first piece", func() bool { return lk.Stats().Up == 100 })
	for want := int64(200); want <= 1000; want += 100 {
		waitUntil(t, "the sender to wait for the bucket", func() bool { return clk.sleepers() == 1 })
		if got := lk.Stats().Up; got != want-100 {
			t.Fatalf("%d bytes delivered before the clock moved, want %d", got, want-100)
		}
		clk.advance(100 * time.Millisecond)
		waitUntil(t, fmt.Sprintf("%d bytes delivered", want), func() bool { return lk.Stats().Up == want })
	}
}

// echo serves ln, writing back what it reads until EOF, then closing.
func echo(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_, _ = io.Copy(c, c)
		}()
	}
}

// Every byte crosses the proxy intact, in both directions, on concurrent
// connections; the client's half-close reaches the server, whose close
// reaches the client; the link counts every byte.
func TestProxyCarriesEveryByte(t *testing.T) {
	back, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	go echo(back)
	lk := New(Symmetric(2*time.Millisecond, 50<<20))
	p, err := lk.ListenProxy("127.0.0.1:0", back.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	const conns, size = 8, 300_000
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			data := make([]byte, size)
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for j := range data {
				data[j] = byte(r.Uint32())
			}
			c, err := net.Dial("tcp", p.Addr().String())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			go func() {
				_, _ = c.Write(data)
				_ = c.(*net.TCPConn).CloseWrite()
			}()
			got, err := io.ReadAll(c) // EOF: the echo server closed after our half-close
			if err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(got, data) {
				errs <- fmt.Errorf("connection %d: %d bytes back, MD5 %x; want %d, %x", i, len(got), md5.Sum(got), size, md5.Sum(data))
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitUntil(t, "the counters", func() bool { s := lk.Stats(); return s.Down == conns*size })
	if s := lk.Stats(); s.Up != conns*size || s.Conns != conns {
		t.Errorf("stats %+v, want %d bytes each way over %d connections", s, conns*size, conns)
	}
}

// A target that refuses connections closes the client's.
func TestProxyUnreachableTarget(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := dead.Addr().String()
	dead.Close()
	p, err := New(Config{}).ListenProxy("127.0.0.1:0", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(safety))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("read %d bytes, err %v; want the connection closed", n, err)
	}
}

// An HTTP server behind Listener gets the whole body and its reply comes
// back whole, over keep-alive connections.
func TestListenerHTTP(t *testing.T) {
	lk := New(Symmetric(2*time.Millisecond, 20<<20))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := md5.New()
		n, _ := io.Copy(h, r.Body)
		fmt.Fprintf(w, "%d %s", n, hex.EncodeToString(h.Sum(nil)))
	}))
	srv.Listener = lk.Listener(srv.Listener)
	srv.Start()
	defer srv.Close()
	body := bytes.Repeat([]byte("slow link "), 100_000)
	sum := md5.Sum(body)
	want := fmt.Sprintf("%d %s", len(body), hex.EncodeToString(sum[:]))
	for i := 0; i < 3; i++ {
		resp, err := srv.Client().Post(srv.URL, "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != want {
			t.Fatalf("request %d: server saw %q, want %q", i, got, want)
		}
	}
	if s := lk.Stats(); s.Up < 3*int64(len(body)) || s.Conns != 1 {
		t.Errorf("stats %+v: want at least %d bytes up on one kept-alive connection", s, 3*len(body))
	}
}

func TestConfigValidateAndSet(t *testing.T) {
	lk := New(Config{})
	bad := Config{Down: Direction{BytesPerSecond: -1}}
	if err := lk.Set(bad); err == nil {
		t.Error("Set accepted a negative bandwidth")
	}
	if err := (Config{Up: Direction{Delay: -time.Second}}).Validate(); err == nil {
		t.Error("Validate accepted a negative delay")
	}
	want := Config{Up: Direction{Delay: 20 * time.Millisecond, BytesPerSecond: 2_500_000}, Down: Direction{Delay: 20 * time.Millisecond}}
	if err := lk.Set(want); err != nil {
		t.Fatal(err)
	}
	if got := lk.Config(); got != want {
		t.Errorf("Config %+v, want %+v", got, want)
	}
	if got := want.String(); got != "up 20ms 2.5 MB/s, down 20ms unlimited" {
		t.Errorf("String %q", got)
	}
	if want.RTT() != 40*time.Millisecond {
		t.Errorf("RTT %v", want.RTT())
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]int64{
		"": 0, "0": 0, "262144": 262144, "100Mbit": 12_500_000, "100Mbit/s": 12_500_000,
		"20MB": 20_000_000, "20 MB/s": 20_000_000, "2MiB": 2 << 20, "1.5GB": 1_500_000_000,
		"800kbit": 100_000, "1Gbit": 125_000_000, "512KiB/s": 512 << 10, "10B": 10,
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"fast", "10Mb", "-5MB", "MB", "3 furlongs", "0.5"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) accepted", in)
		}
	}
}

// BenchmarkProxy reports what a proxy achieves at 100 Mbit/s: the
// throughput of one connection moving 4 MiB per op (mb/s) and the round
// trip of a one-byte ping-pong (rtt-ms), for each configured RTT.
func BenchmarkProxy(b *testing.B) {
	back, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer back.Close()
	go echo(back)
	for _, rtt := range []time.Duration{0, 20 * time.Millisecond, 80 * time.Millisecond} {
		b.Run(fmt.Sprintf("rtt=%v", rtt), func(b *testing.B) {
			lk := New(Symmetric(rtt, 12_500_000))
			p, err := lk.ListenProxy("127.0.0.1:0", back.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			c, err := net.Dial("tcp", p.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			one := make([]byte, 1)
			start := time.Now()
			const pings = 5
			for i := 0; i < pings; i++ {
				if _, err := c.Write(one); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, one); err != nil {
					b.Fatal(err)
				}
			}
			ping := time.Since(start) / pings
			const size = 4 << 20
			buf := make([]byte, size)
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				go func() { _, _ = c.Write(buf) }()
				if _, err := io.ReadFull(c, make([]byte, size)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(ping.Microseconds())/1000, "rtt-ms")
		})
	}
}

// BenchmarkProxyRequests reports the requests per second (req/s) 256
// concurrent HTTP clients get through a proxy with 80 ms of round trip,
// each PUT of 16 KiB one request and one reply: the link's ceiling is
// 256 / 80 ms = 3,200 req/s; the machine's CPU may set a lower one.
func BenchmarkProxyRequests(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	lk := New(Symmetric(80*time.Millisecond, 0))
	p, err := lk.ListenProxy("127.0.0.1:0", srv.Listener.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	const workers = 256
	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	url := "http://" + p.Addr().String() + "/"
	body := make([]byte, 16<<10)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan struct{})
	go func() {
		for i := 0; i < b.N; i++ {
			next <- struct{}{}
		}
		close(next)
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				resp, err := client.Post(url, "application/octet-stream", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
