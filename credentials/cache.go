package credentials

import (
	"context"
	"errors"
	"sync"
	"time"
)

// DefaultMargin is how long before their expiry cached temporary keys are
// replaced, unless a quarter of their lifetime is shorter.
const DefaultMargin = 5 * time.Minute

// CacheOptions configures a [Cache]. The zero value is ready to use.
type CacheOptions struct {
	// Margin is how long before Expires cached keys are fetched again; it
	// is capped at a quarter of the keys' lifetime. Default: DefaultMargin.
	Margin time.Duration
	// Now returns the time; nil means time.Now. Tests inject a fake clock.
	Now func() time.Time
}

// Cache is a [Provider] that keeps the keys of another until shortly
// before they expire. When they must be fetched again, one caller fetches
// while the others wait for its result. It is safe for concurrent use.
type Cache struct {
	p    Provider
	opts CacheOptions

	mu       sync.Mutex
	cur      Value
	have     bool
	fetched  time.Time
	inflight *fetchCall
	fetches  int
}

type fetchCall struct {
	done chan struct{}
	v    Value
	err  error
}

// NewCache returns a Cache over p.
func NewCache(p Provider, opts CacheOptions) *Cache {
	if opts.Margin <= 0 {
		opts.Margin = DefaultMargin
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{p: p, opts: opts}
}

// Retrieve returns the cached keys while they are fresh, else fetches new
// ones. If fetching fails while the cached keys have not yet expired, it
// returns the cached keys.
func (c *Cache) Retrieve(ctx context.Context) (Value, error) {
	c.mu.Lock()
	if c.have && c.fresh(c.opts.Now()) {
		v := c.cur
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	return c.fetch(ctx, false, func(Value) bool { return false })
}

// Refresh fetches new keys after the server refused stale, unless another
// caller already replaced them: then it returns those. A failure to fetch
// is returned (the server has just refused the cached keys). Static keys (no
// token, no expiry) are fetched again too, since their source may have
// changed; callers decide whether a retry is worth it.
func (c *Cache) Refresh(ctx context.Context, stale Value) (Value, error) {
	return c.fetch(ctx, true, func(cur Value) bool { return !sameKeys(cur, stale) })
}

// Fetches returns how many times the underlying provider was asked for
// keys (successfully or not).
func (c *Cache) Fetches() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fetches
}

// Peek returns the cached keys without fetching, and whether there are any.
func (c *Cache) Peek() (Value, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur, c.have
}

func sameKeys(a, b Value) bool {
	return a.AccessKeyID == b.AccessKeyID && a.SecretAccessKey == b.SecretAccessKey && a.SessionToken == b.SessionToken
}

// fresh reports whether the cached keys are good at now. c.mu is held.
func (c *Cache) fresh(now time.Time) bool {
	if c.cur.Expires.IsZero() {
		return true
	}
	margin := c.opts.Margin
	if life := c.cur.Expires.Sub(c.fetched); life > 0 && life/4 < margin {
		margin = life / 4
	}
	return now.Before(c.cur.Expires.Add(-margin))
}

// fetch asks the provider once for all callers that arrive meanwhile;
// skip(cur) reports whether the cached keys already do.
func (c *Cache) fetch(ctx context.Context, forced bool, skip func(cur Value) bool) (Value, error) {
	for {
		c.mu.Lock()
		if c.have && skip(c.cur) {
			v := c.cur
			c.mu.Unlock()
			return v, nil
		}
		if call := c.inflight; call != nil {
			c.mu.Unlock()
			select {
			case <-call.done:
			case <-ctx.Done():
				return Value{}, ctx.Err()
			}
			if call.err != nil && isCtxErr(call.err) && ctx.Err() == nil {
				continue // the leader gave up; try again with this context
			}
			return call.v, call.err
		}
		call := &fetchCall{done: make(chan struct{})}
		c.inflight = call
		c.fetches++
		c.mu.Unlock()

		v, err := c.p.Retrieve(ctx)
		if err == nil && v.Anonymous() {
			err = &Error{Link: v.Source, Err: ErrNotFound}
		}
		now := c.opts.Now()
		c.mu.Lock()
		if err == nil {
			c.cur, c.have, c.fetched = v, true, now
		} else if !forced && c.have && (c.cur.Expires.IsZero() || now.Before(c.cur.Expires)) && !isCtxErr(err) {
			// Keep signing with keys that still work.
			v, err = c.cur, nil
		}
		call.v, call.err = v, err
		c.inflight = nil
		c.mu.Unlock()
		close(call.done)
		return v, err
	}
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
