package foreign

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzReadList: a saved list is outside input (a data directory or a
// cache file anyone may have edited): ReadList never panics, keeps the
// bounds of a fetch, and what it accepts it writes back in a form it reads
// as the same list.
func FuzzReadList(f *testing.F) {
	sample, err := json.Marshal(sampleList(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	f.Add([]byte(`{"format":1,"url":"https://tem.thanhhoa.example/.well-known/estamp-revocations.json","version":0,"fetched":"2026-11-28T03:00:00Z","bytes":0,"entries":[]}`))
	f.Add([]byte(`{"format":1,"url":"http://a.example","version":3,"fetched":"2026-11-28T03:00:00+07:00","bytes":10,"entries":[{"version":"1","batchId":"2"},{"certificate":{"productNumber":3,"validUntil":"2027-01-01"}}]}`))
	f.Add([]byte(`{"format":1,"entries":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ReadList(data)
		if err != nil {
			return
		}
		if l.Len() > MaxEntries || l.Bytes < 0 || l.Bytes > MaxBytes || l.Fetched.IsZero() {
			t.Fatalf("accepted a list past the bounds: %d entries, %d bytes, fetched %v", l.Len(), l.Bytes, l.Fetched)
		}
		written, err := json.Marshal(l)
		if err != nil {
			t.Fatalf("accepted %q, but cannot write it: %v", data, err)
		}
		again, err := ReadList(written)
		if err != nil {
			t.Fatalf("accepted %q, wrote %q, refused that: %v", data, written, err)
		}
		rewritten, _ := json.Marshal(again)
		if !bytes.Equal(written, rewritten) || again.Len() != l.Len() || again.Version != l.Version || again.URL != l.URL || !again.Fetched.Equal(l.Fetched) {
			t.Fatalf("%q read back as another list: %q", written, rewritten)
		}
	})
}
