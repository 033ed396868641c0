package verify

import "time"

// NewRecorderLingering is NewRecorder with another linger; lingering is
// told each time a group starts waiting.
func NewRecorderLingering(s ScanStore, maxBatch int, linger time.Duration, lingering func()) *Recorder {
	r := newRecorder(s, maxBatch, linger)
	r.lingering = lingering
	go r.loop()
	return r
}

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
