package camtest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The vendored jsQR is the package's file byte for byte, as its VERSION
// note says: an edit to it, or an update without a new note, fails here
// rather than going unnoticed in a 250 kB file nobody reads.
func TestVendoredJSQRMatchesNote(t *testing.T) {
	dir := filepath.Join("..", "assets", "vendor", "jsqr")
	note, err := os.ReadFile(filepath.Join(dir, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for line := range strings.Lines(string(note)) {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "sha256" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, f[2]))
		if err != nil {
			t.Error(err)
			continue
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f[1] {
			t.Errorf("%s: sha256 %x, the note says %s", f[2], sum, f[1])
		}
		checked[f[2]] = true
	}
	if !checked["jsQR.js"] || !checked["LICENSE"] {
		t.Errorf("VERSION names sha256 sums for %v, want jsQR.js and LICENSE", checked)
	}
}
