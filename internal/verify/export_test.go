package verify

// Queued is how many scans wait for a commit.
func (r *Recorder) Queued() int { return len(r.queue) }

// Closing reports whether Close was called.
func (r *Recorder) Closing() bool {
	select {
	case <-r.quit:
		return true
	default:
		return false
	}
}
