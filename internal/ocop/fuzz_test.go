package ocop_test

import (
	"errors"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/ocopvn/estamp/internal/ocop"
)

// FuzzClientInput feeds client-supplied strings to every parser of the
// registry: they must never panic, and what they accept must be clean.
func FuzzClientInput(f *testing.F) {
	for _, s := range []string{"", "Hợp tác xã Nem chua Thanh Hóa", "2025-02-29", "2024-02-29", "HTX-1", "\xff", "a\u0301", "  \t\n ", "MjAyNQ", "!!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := ocop.Text("name", s, true, ocop.MaxNameLength)
		if err == nil {
			if !utf8.ValidString(out) || !norm.NFC.IsNormalString(out) || out == "" || utf8.RuneCountInString(out) > ocop.MaxNameLength {
				t.Fatalf("Text accepted %q as %q", s, out)
			}
		} else if !errors.As(err, new(*ocop.InvalidError)) {
			t.Fatalf("Text error of the wrong type: %v", err)
		}
		if d, err := ocop.ParseDate("date", s); err == nil && ocop.FormatDate(d) != s {
			t.Fatalf("ParseDate accepted %q as %s", s, ocop.FormatDate(d))
		}
		if err := ocop.CheckID("id", s); err == nil && (len(s) == 0 || len(s) > ocop.MaxIDLength) {
			t.Fatalf("CheckID accepted %q", s)
		}
	})
}
