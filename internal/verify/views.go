package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"sync"
	"time"
)

// ViewWindow is how long views of one stamp by one client count as one
// scan: reloading the page, switching its language or checking again a
// few minutes later is not a second scan, and must not trip the copy
// warning.
const ViewWindow = 30 * time.Minute

// maxViews bounds one generation of the view log; past it the log starts a
// new generation early, so that a flood of clients costs bounded memory
// (about 20 MB) at the price of a shorter window for everyone.
const maxViews = 1 << 18

// views remembers who viewed which stamp recently. It keeps a keyed hash of
// the client (IP address and User-Agent) and the serial, in memory only:
// the key is random per process, so nothing it holds identifies anyone or
// survives a restart.
type views struct {
	key []byte
	mu  sync.Mutex
	// cur is the generation being filled since start; old the one before.
	cur, old map[[16]byte]int64
	start    time.Time
}

func newViews(rand io.Reader) (*views, error) {
	key := make([]byte, 32)
	if _, err := io.ReadFull(rand, key); err != nil {
		return nil, err
	}
	return &views{key: key, cur: map[[16]byte]int64{}, old: map[[16]byte]int64{}}, nil
}

// seen reports whether client viewed serial within ViewWindow before now,
// and otherwise remembers this view.
func (v *views) seen(client string, serial uint64, now time.Time) bool {
	m := hmac.New(sha256.New, v.key)
	io.WriteString(m, client)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], serial)
	m.Write(s[:])
	var id [16]byte
	copy(id[:], m.Sum(nil))
	at := now.UnixNano()

	v.mu.Lock()
	defer v.mu.Unlock()
	if now.Sub(v.start) >= ViewWindow || len(v.cur) >= maxViews {
		v.old, v.cur, v.start = v.cur, make(map[[16]byte]int64, len(v.cur)), now
	}
	for _, gen := range []map[[16]byte]int64{v.cur, v.old} {
		if t, ok := gen[id]; ok && at-t < int64(ViewWindow) && at >= t {
			return true
		}
	}
	v.cur[id] = at
	return false
}
