package trust

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: Parse never panics, and whatever it accepts is exactly what
// signing the list it returned writes (Ed25519 signatures are
// deterministic), so accepted bytes have one meaning. Each input is tried
// twice: as a signed document, and as a payload the test anchor signs, so
// that the fuzzer reaches the payload's checks past the signature.
func FuzzParse(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add(encodeList(goldenList(f)))
	f.Add([]byte(`{"expires":"2027-01-01T00:00:00Z","format":1,"issued":"2026-07-01T00:00:00Z","issuers":[],"version":1}`))
	anchor := readKey(f, "anchor-test-key.pem")
	as := anchors(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, doc := range [][]byte{data, signPayload(t, data)} {
			list, err := Parse(doc, as, goldenNow)
			if err != nil {
				continue
			}
			again, err := Sign(list, anchor.Signer)
			if err != nil {
				t.Fatalf("accepted %q, but Sign refuses what Parse returned: %v", doc, err)
			}
			if !bytes.Equal(again, bytes.TrimSuffix(doc, []byte("\n"))) {
				t.Fatalf("accepted %q, re-signed as %q", doc, again)
			}
		}
	})
}
