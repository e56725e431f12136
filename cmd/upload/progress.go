package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// meter counts a run's progress; the workers add to it and a progress
// display reads it. Totals grow while the walk goes on.
type meter struct {
	filesTotal, filesDone, failed atomic.Int64
	bytesTotal, bytesDone         atomic.Int64
	walking                       atomic.Bool
	start                         time.Time
}

// fileProgress follows one file's bytes: the backends report body bytes
// as they send them, negative for a rewind (a retry or another target), so
// the file's contribution stays within [0, size].
type fileProgress struct {
	m    *meter
	size int64
	sent atomic.Int64
}

func (f *fileProgress) add(n int64) {
	for {
		old := f.sent.Load()
		nv := min(max(old+n, 0), f.size)
		if f.sent.CompareAndSwap(old, nv) {
			f.m.bytesDone.Add(nv - old)
			return
		}
	}
}

// done counts the whole file as processed, whatever its outcome.
func (f *fileProgress) done() {
	f.add(f.size)
}

// targetState is what a progress display shows of one target.
type targetState struct {
	Name, State string
}

// display shows progress on standard error. Lines that must not break a
// live display go through Writer.
type display interface {
	// Writer returns where to write lines for standard error while the
	// display runs.
	Writer() io.Writer
	// Stop ends the display; later lines go straight to standard error.
	Stop()
}

// nopDisplay shows nothing.
type nopDisplay struct{ w io.Writer }

func (d nopDisplay) Writer() io.Writer { return d.w }
func (d nopDisplay) Stop()             {}

// lineDisplay prints a plain line every interval, for logs and pipes. Its
// lines and those written through Writer are serialized by mu.
type lineDisplay struct {
	mu       sync.Mutex
	w        io.Writer
	m        *meter
	what     string
	states   func() []targetState
	now      func() time.Time
	stopOnce sync.Once
	stopCh   chan struct{}
	wg       sync.WaitGroup
}

func newLineDisplay(w io.Writer, m *meter, what string, every time.Duration, states func() []targetState, now func() time.Time) *lineDisplay {
	d := &lineDisplay{w: w, m: m, what: what, states: states, now: now, stopCh: make(chan struct{})}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				line := d.line()
				d.mu.Lock()
				fmt.Fprintln(d.w, line)
				d.mu.Unlock()
			case <-d.stopCh:
				return
			}
		}
	}()
	return d
}

// line is "upload: 120/2000 files, 1.2 MiB/19.5 MiB, 3.4 MiB/s, ETA 12s;
// tos-beijing: breaker open, oss-hangzhou: ok".
func (d *lineDisplay) line() string {
	m := d.m
	done, total := m.filesDone.Load(), m.filesTotal.Load()
	bd, bt := m.bytesDone.Load(), m.bytesTotal.Load()
	el := d.now().Sub(m.start)
	more := ""
	if m.walking.Load() {
		more = "+"
	}
	s := fmt.Sprintf("%s: %d/%d%s files", d.what, done, total, more)
	if f := m.failed.Load(); f > 0 {
		s += fmt.Sprintf(" (%d failed)", f)
	}
	s += fmt.Sprintf(", %s/%s%s", formatBytes(bd), formatBytes(bt), more)
	if el > 0 && bd > 0 {
		rate := float64(bd) / el.Seconds()
		s += fmt.Sprintf(", %s/s", formatBytes(int64(rate)))
		if !m.walking.Load() && bt > bd {
			s += ", ETA " + formatDuration(time.Duration(float64(bt-bd)/rate*float64(time.Second)))
		}
	}
	var ts []string
	for _, t := range d.states() {
		ts = append(ts, t.Name+": "+t.State)
	}
	if len(ts) > 0 {
		s += "; " + strings.Join(ts, ", ")
	}
	return s
}

func (d *lineDisplay) Writer() io.Writer { return lockedWriter{d} }

// lockedWriter writes to a lineDisplay's writer under its lock.
type lockedWriter struct{ d *lineDisplay }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.d.mu.Lock()
	defer w.d.mu.Unlock()
	return w.d.w.Write(p)
}

func (d *lineDisplay) Stop() {
	d.stopOnce.Do(func() { close(d.stopCh) })
	d.wg.Wait()
}

// barDisplay draws live bars with mpb: files, bytes with rate and ETA, and
// one line per target with its state.
type barDisplay struct {
	w        io.Writer
	p        *mpb.Progress
	m        *meter
	bars     []*mpb.Bar
	files    *mpb.Bar
	bytes    *mpb.Bar
	stopOnce sync.Once
	stopCh   chan struct{}
	wg       sync.WaitGroup
}

func newBarDisplay(w io.Writer, m *meter, what string, names []string, states func() []targetState, force bool) *barDisplay {
	opts := []mpb.ContainerOption{mpb.WithOutput(w), mpb.WithWidth(72), mpb.WithRefreshRate(150 * time.Millisecond)}
	if force {
		opts = append(opts, mpb.WithAutoRefresh())
	}
	d := &barDisplay{w: w, m: m, p: mpb.New(opts...), stopCh: make(chan struct{})}
	more := func() string {
		if m.walking.Load() {
			return "+"
		}
		return ""
	}
	d.files = d.p.New(0, mpb.BarStyle(),
		mpb.PrependDecorators(decor.Name(what+" ", decor.WC{W: len(what) + 1, C: decor.DindentRight}),
			decor.Any(func(s decor.Statistics) string {
				f := ""
				if n := m.failed.Load(); n > 0 {
					f = fmt.Sprintf(" (%d failed)", n)
				}
				return fmt.Sprintf("%d/%d%s files%s", s.Current, s.Total, more(), f)
			}, decor.WC{W: 24, C: decor.DindentRight})),
		mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5})))
	d.bytes = d.p.New(0, mpb.BarStyle(),
		mpb.PrependDecorators(decor.Name("", decor.WC{W: len(what) + 1}),
			decor.Any(func(s decor.Statistics) string {
				return fmt.Sprintf("%s/%s%s", formatBytes(s.Current), formatBytes(s.Total), more())
			}, decor.WC{W: 24, C: decor.DindentRight})),
		mpb.AppendDecorators(decor.AverageSpeed(decor.SizeB1024(0), "% .1f", decor.WC{W: 12}),
			decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)))
	d.bars = []*mpb.Bar{d.files, d.bytes}
	for i, name := range names {
		i, name := i, name
		b := d.p.New(0, mpb.NopStyle(), mpb.PrependDecorators(decor.Any(func(decor.Statistics) string {
			st := states()
			if i < len(st) {
				return fmt.Sprintf("  %-20s %s", name, st[i].State)
			}
			return "  " + name
		})))
		d.bars = append(d.bars, b)
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			d.update()
			select {
			case <-t.C:
			case <-d.stopCh:
				return
			}
		}
	}()
	return d
}

func (d *barDisplay) update() {
	d.files.SetTotal(d.m.filesTotal.Load(), false)
	d.files.SetCurrent(d.m.filesDone.Load())
	d.bytes.SetTotal(d.m.bytesTotal.Load(), false)
	d.bytes.SetCurrent(d.m.bytesDone.Load())
}

func (d *barDisplay) Writer() io.Writer { return d.p }

func (d *barDisplay) Stop() {
	d.stopOnce.Do(func() {
		close(d.stopCh)
		d.wg.Wait()
		d.update()
		for _, b := range d.bars {
			b.SetTotal(-1, true)
		}
		d.p.Wait()
	})
}
