package failover

import (
	"context"
	"log/slog"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// EventType says what an [Event] reports.
type EventType int

// The event types. Each names the fields of [Event] it sets, beyond Type,
// Time and Target.
const (
	// EventBreaker: a target's breaker changed state, From → To. Kind is the
	// failure that opened it, when To is Open. Open → HalfOpen is reported
	// when the first trial call is let through (after the open period, or a
	// successful probe), not when the open period ends.
	EventBreaker EventType = iota + 1
	// EventRetry: an attempt failed (Kind, Err) and the same target will be
	// tried again after Wait; Attempt is the number of the failed attempt
	// on this target, from 1. Key is set.
	EventRetry
	// EventFailover: the upload of Key leaves Target after Kind (Err), for
	// Next (a cloud target or the backup). CircuitOpen means the breaker
	// refused the call.
	EventFailover
	// EventSkew: an attempt measured the server's clock Skew (server minus
	// local) on Target, at least [Options].SkewReport, or SkewCorrected says
	// the backend signed it with a corrected time.
	EventSkew
	// EventBackup: every cloud target failed and the backup Target stored
	// Key (Err nil), or failed to (Err, Kind).
	EventBackup
	// EventLanded: an attempt on Target failed ambiguously (a timeout, or
	// no reply), and a Stat showed that Key landed whole, by its content:
	// the upload counts as a success there.
	EventLanded
	// EventDrain: Drain handled one spooled object, Key: Outcome, and the
	// cloud Target where it is now (or Err).
	EventDrain
	// EventProbe: a health probe of the open Target succeeded (OK, and the
	// open period ended) or failed (Err, Kind).
	EventProbe
)

// String returns the type's snake_case name, e.g. "failover".
func (t EventType) String() string {
	switch t {
	case EventBreaker:
		return "breaker"
	case EventRetry:
		return "retry"
	case EventFailover:
		return "failover"
	case EventSkew:
		return "skew"
	case EventBackup:
		return "backup"
	case EventLanded:
		return "landed"
	case EventDrain:
		return "drain"
	case EventProbe:
		return "probe"
	}
	return "event?"
}

// Event is one thing an [Uploader] did that a caller may want to observe or
// export. Which fields are set depends on Type; see [EventType].
type Event struct {
	Type   EventType
	Time   time.Time
	Target string
	Key    string
	// From and To are a breaker's states (EventBreaker).
	From, To State
	// Next is the target an upload fails over to (EventFailover).
	Next string
	// Attempt and Wait describe a retry (EventRetry).
	Attempt int
	Wait    time.Duration
	// Kind and Err are the failure that caused the event.
	Kind uploader.Kind
	Err  error
	// Skew and SkewCorrected come from an attempt (EventSkew).
	Skew          time.Duration
	SkewCorrected bool
	// Outcome is what Drain did with one object (EventDrain).
	Outcome DrainOutcome
	// OK is a probe's success (EventProbe).
	OK bool
}

// emit logs ev and passes it to Options.OnEvent.
func (u *Uploader) emit(ev Event) {
	u.logEvent(ev)
	if u.opts.OnEvent != nil {
		u.opts.OnEvent(ev)
	}
}

func (u *Uploader) logEvent(ev Event) {
	level := eventLevel(ev)
	log := u.opts.Logger
	if !log.Enabled(context.Background(), level) {
		return
	}
	msg := ""
	attrs := []slog.Attr{slog.String("target", ev.Target)}
	if ev.Key != "" {
		attrs = append(attrs, slog.String("key", ev.Key))
	}
	switch ev.Type {
	case EventBreaker:
		msg = "breaker " + ev.To.String()
		attrs = append(attrs, slog.String("from", ev.From.String()))
		if ev.To == Open {
			attrs = append(attrs, slog.String("kind", ev.Kind.String()))
		}
	case EventRetry:
		msg = "retrying"
		attrs = append(attrs, slog.Int("attempt", ev.Attempt), slog.Duration("wait", ev.Wait))
	case EventFailover:
		msg = "failing over"
		attrs = append(attrs, slog.String("next", ev.Next))
	case EventSkew:
		msg = "clock skew"
		attrs = append(attrs, slog.Duration("skew", ev.Skew), slog.Bool("corrected", ev.SkewCorrected))
	case EventBackup:
		msg = "stored in the backup"
		if ev.Err != nil {
			msg = "backup failed"
		}
	case EventLanded:
		msg = "timed-out attempt had landed"
	case EventDrain:
		msg = "drained"
		if ev.Outcome == DrainFailed {
			msg = "drain failed"
		}
		attrs = append(attrs, slog.String("outcome", ev.Outcome.String()))
	case EventProbe:
		msg = "probe succeeded"
		if !ev.OK {
			msg = "probe failed"
		}
	}
	if ev.Err != nil && ev.Type != EventBreaker {
		attrs = append(attrs, slog.String("kind", ev.Kind.String()), slog.String("error", ev.Err.Error()))
	}
	log.LogAttrs(context.Background(), level, msg, attrs...)
}

// eventLevel is the log level of an event: Debug for retries and for
// failovers past an open breaker, Warn for a breaker that opens, a large
// skew, a backup and a failed drain, Error for a failed backup, Info else.
func eventLevel(ev Event) slog.Level {
	switch ev.Type {
	case EventRetry:
		return slog.LevelDebug
	case EventFailover:
		if ev.Kind == uploader.CircuitOpen {
			return slog.LevelDebug
		}
	case EventBreaker:
		if ev.To == Open {
			return slog.LevelWarn
		}
	case EventSkew:
		if ev.Skew > time.Minute || ev.Skew < -time.Minute {
			return slog.LevelWarn
		}
	case EventBackup:
		if ev.Err != nil {
			return slog.LevelError
		}
		return slog.LevelWarn
	case EventDrain:
		if ev.Outcome == DrainFailed {
			return slog.LevelWarn
		}
	}
	return slog.LevelInfo
}
