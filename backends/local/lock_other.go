//go:build !unix

package local

// lock takes the lock of the shard holding the key with hash h. Without
// flock(2), it serializes the goroutines of this process only: on such
// systems, do not share a root between processes.
func (b *Backend) lock(h string) (unlock func(), err error) {
	mu := &b.shardMu[shardIndex(h)]
	mu.Lock()
	return mu.Unlock, nil
}
