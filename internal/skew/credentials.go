package skew

import (
	"context"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// Credentials is what [Clock.Do] needs of a backend's keys when they may
// expire.
type Credentials interface {
	// Prepare makes the keys the next request signs with ready (fetching
	// them if the cached ones are stale) and returns a handle on them for
	// Refresh. Its error is already classified.
	Prepare(ctx context.Context) (used any, err error)
	// Refresh is called once after a call failed with err while signing
	// with used. It reports whether err refused expired keys and newer
	// keys are now in place, so that one more call is worth it; when it
	// is not, it returns err (with hints naming the credentials' source
	// added) or the classified failure of the refresh.
	Refresh(ctx context.Context, used any, err error) (retry bool, out error)
	// Refused is called when the call after a refresh failed too; it
	// returns err, with hints naming the credentials' source if the
	// refreshed keys were refused.
	Refused(err error) error
}

// doRefreshing is Do with [Options.Credentials]: Prepare, the runs of do,
// and after a refusal of expired keys one Refresh and the runs of do
// again, their attempts marked CredentialsRefreshed.
func (c *Clock) doRefreshing(ctx context.Context, target, provider string, op func(signAt time.Time) error) ([]uploader.Attempt, error) {
	cr := c.opts.Credentials
	start := c.opts.Now()
	used, err := cr.Prepare(ctx)
	if err != nil {
		return []uploader.Attempt{uploader.NewAttempt(target, provider, start, c.opts.Now(), err)}, err
	}
	first, err := c.do(ctx, target, provider, op)
	if err == nil || ctx.Err() != nil {
		return first, err
	}
	retry, err := cr.Refresh(ctx, used, err)
	if !retry {
		if len(first) > 0 {
			first[len(first)-1].Err = err
		}
		return first, err
	}
	second, err := c.do(ctx, target, provider, op)
	for i := range second {
		second[i].CredentialsRefreshed = true
	}
	if err != nil {
		err = cr.Refused(err)
		second[len(second)-1].Err = err
	}
	return append(first, second...), err
}
