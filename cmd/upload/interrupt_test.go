package main

import (
	"context"
	"os"
	"testing"
)

// TestInterruptWatchCountsPendingSignal: an interrupt delivered before the
// work ends counts even when the watch never got to read it, so a command
// that finishes quickly still exits 130 (doctor once exited 1 this way).
func TestInterruptWatchCountsPendingSignal(t *testing.T) {
	sig := make(chan os.Signal, 1)
	a := &app{signals: sig}
	w := a.watchInterrupts(context.Background(), nil, nil)
	// The work ends at once: stop races the watch for the signal, and
	// whoever reads it, it is counted.
	sig <- os.Interrupt
	if !w.stop() {
		t.Fatal("an interrupt delivered before stop was not counted")
	}
	if !w.stop() {
		t.Fatal("a second stop forgot the interrupt")
	}
}

// TestInterruptWatchCallbacks: the first interrupt calls first, the second
// calls second; without one, stop reports no interruption.
func TestInterruptWatchCallbacks(t *testing.T) {
	sig := make(chan os.Signal)
	a := &app{signals: sig}
	calls := make(chan string, 2)
	w := a.watchInterrupts(context.Background(), func() { calls <- "first" }, func() { calls <- "second" })
	sig <- os.Interrupt
	if c := <-calls; c != "first" {
		t.Fatalf("first interrupt called %s", c)
	}
	sig <- os.Interrupt
	if c := <-calls; c != "second" {
		t.Fatalf("second interrupt called %s", c)
	}
	if !w.stop() {
		t.Error("stop after two interrupts reports none")
	}

	quiet := (&app{signals: make(chan os.Signal, 1)}).watchInterrupts(context.Background(), nil, nil)
	if quiet.stop() {
		t.Error("stop with no interrupt reports one")
	}
}

// TestInterruptWatchContext: the end of the command's context counts as
// an interrupt.
func TestInterruptWatchContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	called := make(chan struct{})
	w := (&app{}).watchInterrupts(ctx, func() { close(called) }, nil)
	cancel()
	<-called
	if !w.stop() {
		t.Error("a cancelled context is not reported as an interrupt")
	}
}
