package failover

import (
	"sync"
	"time"
)

// retryBudget is a cloud target's retry budget, shared by every upload to
// it (see [RetryOptions].TargetRetryRatio): a token bucket on the Clock.
// Each first attempt of an upload on the target earns ratio of a retry,
// time earns rate retries per second, and the bucket holds at most burst;
// each retry after a failure other than a throttled reply spends one. A
// sick target thus gets a bounded share of retries, not all of the batch.
type retryBudget struct {
	clock              Clock
	ratio, rate, burst float64

	mu     sync.Mutex
	tokens float64
	at     time.Time
}

// newRetryBudget returns nil (no budget) when ratio is negative.
func newRetryBudget(clock Clock, o RetryOptions) *retryBudget {
	if o.TargetRetryRatio < 0 {
		return nil
	}
	burst := o.TargetRetryRate * targetRetryBurst.Seconds()
	return &retryBudget{clock: clock, ratio: o.TargetRetryRatio, rate: o.TargetRetryRate,
		burst: burst, tokens: burst, at: clock.Now()}
}

// targetRetryBurst is how many seconds of TargetRetryRate the budget holds.
const targetRetryBurst = 10 * time.Second

// refill adds the tokens earned by time; b.mu is held.
func (b *retryBudget) refill() {
	now := b.clock.Now()
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
	}
	b.at = now
}

// earn credits one first attempt.
func (b *retryBudget) earn() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.refill()
	b.tokens = min(b.burst, b.tokens+b.ratio)
	b.mu.Unlock()
}

// spend takes one retry if the budget has one.
func (b *retryBudget) spend() bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// reserve takes one retry, going into debt if need be, and returns how long
// until time has paid for it: retries past the budget are spaced at rate
// per second, whatever the number of uploads waiting.
func (b *retryBudget) reserve() time.Duration {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	b.tokens--
	if b.tokens >= 0 || b.rate <= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}
