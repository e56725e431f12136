package uploader

import "context"

type progressKey struct{}

// WithProgress returns a copy of ctx that carries fn. Backends call fn with
// the number of body bytes sent as they send them; a rewind for a retry is
// reported as a negative number, so the sum is the bytes of the current
// attempt. fn must be safe for concurrent use (the parts of a multipart
// upload are sent in parallel) and fast.
func WithProgress(ctx context.Context, fn func(n int64)) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

// ProgressFunc returns the function [WithProgress] put in ctx, or nil.
func ProgressFunc(ctx context.Context) func(n int64) {
	fn, _ := ctx.Value(progressKey{}).(func(int64))
	return fn
}

// ProgressContext returns ctx carrying obj.Progress as well as any progress
// function ctx already carries (both are called), or ctx itself when obj
// has none. The Uploaders of this module ([New], failover.Uploader) call it
// on entry, so that Object.Progress works as [WithProgress] does; a caller
// of [Backend.Put] calls it itself.
func ProgressContext(ctx context.Context, obj Object) context.Context {
	fn := obj.Progress
	if fn == nil {
		return ctx
	}
	if prev := ProgressFunc(ctx); prev != nil {
		both := func(n int64) { prev(n); fn(n) }
		return WithProgress(ctx, both)
	}
	return WithProgress(ctx, fn)
}
