package main

import (
	"bytes"
	"io"
	"net"
	"slices"
	"testing"
)

func TestSpread(t *testing.T) {
	xs := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	if got := spread(xs, 5); !slices.Equal(got, []int{0, 2, 4, 6, 8}) {
		t.Errorf("spread(0..9, 5) = %v, want [0 2 4 6 8]", got)
	}
	if got := spread(xs, 20); !slices.Equal(got, xs) {
		t.Errorf("spread(0..9, 20) = %v, want all ten", got)
	}
	if got := spread(xs, 0); len(got) != 0 {
		t.Errorf("spread(0..9, 0) = %v, want none", got)
	}
}

func TestLoadPayload(t *testing.T) {
	sizes := map[int]bool{}
	for n := uint64(1); n <= 200; n++ {
		a, b := loadPayload(n, 1<<10, 64<<10), loadPayload(n, 1<<10, 64<<10)
		if !bytes.Equal(a, b) {
			t.Fatalf("payload %d differs between two calls", n)
		}
		if len(a) < 1<<10 || len(a) > 64<<10 {
			t.Fatalf("payload %d has %d bytes, want 1–64 KiB", n, len(a))
		}
		sizes[len(a)] = true
	}
	if len(sizes) < 100 {
		t.Errorf("200 payloads have only %d distinct sizes", len(sizes))
	}
	if bytes.Equal(loadPayload(1, 4096, 4096), loadPayload(2, 4096, 4096)) {
		t.Error("payloads 1 and 2 are equal")
	}
}

// TestCutProxy checks that the proxy passes bytes, that Cut ends a live
// connection and refuses new ones, and that Restore lets them through.
func TestCutProxy(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	p, err := newCutProxy(echo.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	roundTrip := func(c net.Conn) error {
		if _, err := c.Write([]byte("ping")); err != nil {
			return err
		}
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); err != nil {
			return err
		}
		if string(buf) != "ping" {
			t.Fatalf("echo through the proxy = %q", buf)
		}
		return nil
	}
	live, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := roundTrip(live); err != nil {
		t.Fatalf("before the cut: %v", err)
	}
	p.Cut()
	if err := roundTrip(live); err == nil {
		t.Error("a connection made before the cut still carried bytes after it")
	}
	c2, err := net.Dial("tcp", p.Addr())
	if err == nil {
		if err := roundTrip(c2); err == nil {
			t.Error("a connection made during the cut carried bytes")
		}
		c2.Close()
		// The proxy counts a refusal before it closes the connection.
		if p.refused.Load() == 0 {
			t.Error("the proxy counted no refused connection during the cut")
		}
	}
	p.Restore()
	c3, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if err := roundTrip(c3); err != nil {
		t.Fatalf("after Restore: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWithLoadSection(t *testing.T) {
	sec := loadHeading + "\n\nnew figures\n"
	if got := withLoadSection("# Benchmarks\n\n## Results\n\nx\n", sec); got != "# Benchmarks\n\n## Results\n\nx\n\n"+sec {
		t.Errorf("append: got %q", got)
	}
	md := "# B\n\n" + loadHeading + "\n\nold\n\n## Failover\n\ny\n"
	want := "# B\n\n" + sec + "\n## Failover\n\ny\n"
	if got := withLoadSection(md, sec); got != want {
		t.Errorf("replace in the middle:\n got %q\nwant %q", got, want)
	}
	if got := loadSectionOf(md); got != loadHeading+"\n\nold\n\n" {
		t.Errorf("loadSectionOf = %q", got)
	}
	md = "# B\n\n" + loadHeading + "\n\nold\n"
	if got := withLoadSection(md, sec); got != "# B\n\n"+sec {
		t.Errorf("replace at the end: got %q", got)
	}
	if got := loadSectionOf("# B\n"); got != "" {
		t.Errorf("loadSectionOf without one = %q", got)
	}
}
