package failover

import "sync"

// keyLocks serialises, per key, Drain's check-then-write against the
// uploads of the same key in this process: uploads share a key's lock, a
// drain item holds it alone.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	sync.RWMutex
	refs int
}

// lock locks key, alone if exclusive, and returns the unlock.
func (kl *keyLocks) lock(key string, exclusive bool) (unlock func()) {
	kl.mu.Lock()
	if kl.m == nil {
		kl.m = map[string]*keyLock{}
	}
	l := kl.m[key]
	if l == nil {
		l = &keyLock{}
		kl.m[key] = l
	}
	l.refs++
	kl.mu.Unlock()
	if exclusive {
		l.Lock()
	} else {
		l.RLock()
	}
	return func() {
		if exclusive {
			l.Unlock()
		} else {
			l.RUnlock()
		}
		kl.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(kl.m, key)
		}
		kl.mu.Unlock()
	}
}
