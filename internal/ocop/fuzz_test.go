package ocop_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/ocopvn/estamp/internal/ocop"
)

// FuzzClientInput feeds client-supplied strings to every parser of the
// registry: they must never panic, and what they accept must be clean.
func FuzzClientInput(f *testing.F) {
	for _, s := range []string{"", "Hợp tác xã Nem chua Thanh Hóa", "2025-02-29", "2024-02-29", "HTX-1", "\xff", "a\u0301", "  \t\n ", "Nem chua.\r\n\r\n\r\nGói lá ổi.\n", "MjAyNQ", "!!"} {
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
		// A description is kept as accepted: normalising it again
		// changes nothing.
		if out, err := ocop.Paragraphs("description", s, ocop.MaxDescriptionLength); err == nil {
			again, err := ocop.Paragraphs("description", out, ocop.MaxDescriptionLength)
			if err != nil || again != out || !norm.NFC.IsNormalString(out) || utf8.RuneCountInString(out) > ocop.MaxDescriptionLength ||
				strings.Contains(out, "\n\n\n") || strings.HasPrefix(out, "\n") || strings.HasSuffix(out, "\n") {
				t.Fatalf("Paragraphs accepted %q as %q, then %q (%v)", s, out, again, err)
			}
		} else if !errors.As(err, new(*ocop.InvalidError)) {
			t.Fatalf("Paragraphs error of the wrong type: %v", err)
		}
		if d, err := ocop.ParseDate("date", s); err == nil && ocop.FormatDate(d) != s {
			t.Fatalf("ParseDate accepted %q as %s", s, ocop.FormatDate(d))
		}
		if err := ocop.CheckID("id", s); err == nil && (len(s) == 0 || len(s) > ocop.MaxIDLength) {
			t.Fatalf("CheckID accepted %q", s)
		}
	})
}
