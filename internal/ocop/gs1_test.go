package ocop_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/ocop"
)

// checkDigit is the GS1 mod-10 check digit computed the way GS1's
// calculator lays it out (weights from the left, by the key's padded
// length), independently of the implementation under test.
func checkDigit(body string) byte {
	padded := strings.Repeat("0", 17-len(body)) + body // 17 = GSRN/SSCC body length
	sum := 0
	for i, c := range padded {
		w := 1
		if i%2 == 0 {
			w = 3
		}
		sum += w * int(c-'0')
	}
	return byte('0' + (10-sum%10)%10)
}

// The GTINs are in the format of real ones: Vietnam's GS1 prefix 893, the
// GS1 manual's GTIN-8 and UPC-A examples, and the GTIN-14 of GS1's EPCIS
// examples. Check digits were computed by hand and are cross-checked by
// checkDigit below.
func TestCheckGTIN(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		reason   string // part of the error's reason when refused
	}{
		{in: "", want: ""},
		{in: "   ", want: ""},
		{in: "8934588012228", want: "08934588012228"},
		{in: " 8934673573207 ", want: "08934673573207"},
		{in: "8935000000014", want: "08935000000014"},
		{in: "8936045160077", want: "08936045160077"},
		{in: "8930000000019", want: "08930000000019"},
		{in: "18934588012225", want: "18934588012225"}, // GTIN-14 of a case of 893…
		{in: "08934588012228", want: "08934588012228"}, // already 14
		{in: "96385074", want: "00000096385074"},       // GTIN-8
		{in: "036000291452", want: "00036000291452"},   // GTIN-12 (UPC-A)
		{in: "10614141073464", want: "10614141073464"},

		{in: "8934588012227", reason: "check digit should be 8, not 7"},
		{in: "8934673573200", reason: "check digit should be 7, not 0"},
		{in: "8935000000041", reason: "check digit should be 5, not 1"},  // two digits swapped
		{in: "18934588012228", reason: "check digit should be 5, not 8"}, // GTIN-13 digit after a GTIN-14 prefix
		{in: "893458801222", reason: "check digit should be 6, not 2"},   // a GTIN-13 short of its check digit reads as a GTIN-12
		{in: "89345880122", reason: "11 digits; a GTIN has 8/12/13/14 digits"},
		{in: "893458801222800", reason: "15 digits"},
		{in: "1234567", reason: "7 digits"},
		{in: "893 4588 012228", reason: "only the digits 0-9"},
		{in: "893-4588012228", reason: "only the digits 0-9"},
		{in: "８９３４５８８０１２２２８", reason: "only the digits 0-9"}, // full-width digits
		{in: "0000000000000", reason: "all zeros"},
		{in: "00000000", reason: "all zeros"},
	} {
		got, err := ocop.CheckGTIN("product.gtin", tc.in)
		if tc.reason == "" {
			if err != nil || got != tc.want {
				t.Errorf("CheckGTIN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			if got != "" && checkDigit(got[:13]) != got[13] {
				t.Errorf("test table: %q has a wrong check digit", tc.in)
			}
			continue
		}
		var inv *ocop.InvalidError
		if !errors.As(err, &inv) || inv.Field != "product.gtin" || !strings.Contains(inv.Reason, tc.reason) {
			t.Errorf("CheckGTIN(%q) = %q, %v; want invalid product.gtin: …%s…", tc.in, got, err, tc.reason)
		}
	}
}

func TestCheckGLN(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		reason   string
	}{
		{in: "", want: ""},
		{in: "4012345000054", want: "4012345000054"},
		{in: "0614141073467", want: "0614141073467"},
		{in: " 8930000000019\t", want: "8930000000019"},
		{in: "4012345000055", reason: "check digit should be 4, not 5"},
		{in: "0614141073460", reason: "check digit should be 7, not 0"},
		{in: "08930000000019", reason: "14 digits; a GLN has 13 digits"}, // a GTIN-14 is no GLN
		{in: "96385074", reason: "8 digits"},
		{in: "401234500005A", reason: "only the digits 0-9"},
		{in: "0000000000000", reason: "all zeros"},
	} {
		got, err := ocop.CheckGLN("producer.gln", tc.in)
		if tc.reason == "" {
			if err != nil || got != tc.want {
				t.Errorf("CheckGLN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			if got != "" && checkDigit(got[:12]) != got[12] {
				t.Errorf("test table: %q has a wrong check digit", tc.in)
			}
			continue
		}
		var inv *ocop.InvalidError
		if !errors.As(err, &inv) || inv.Field != "producer.gln" || !strings.Contains(inv.Reason, tc.reason) {
			t.Errorf("CheckGLN(%q) = %q, %v; want invalid producer.gln: …%s…", tc.in, got, err, tc.reason)
		}
	}
}

// Every wrong last digit of a valid key is refused, and the message names
// the right one: a check digit that accepted two values would pass the
// table above on luck.
func TestCheckDigitCatchesEveryWrongDigit(t *testing.T) {
	for _, valid := range []string{"8934588012228", "96385074", "036000291452", "10614141073464"} {
		body, good := valid[:len(valid)-1], valid[len(valid)-1]
		for d := byte('0'); d <= '9'; d++ {
			_, err := ocop.CheckGTIN("gtin", body+string(d))
			if (err == nil) != (d == good) {
				t.Errorf("CheckGTIN(%s%c) = %v", body, d, err)
			}
			if err != nil && !strings.Contains(err.Error(), "should be "+string(good)) {
				t.Errorf("CheckGTIN(%s%c) = %v, want it to name %c", body, d, err, good)
			}
		}
	}
}

// FuzzCheckGTIN: whatever is typed, CheckGTIN either refuses it as an
// *InvalidError naming the field, or returns 14 digits with a valid check
// digit that re-check to themselves.
func FuzzCheckGTIN(f *testing.F) {
	for _, s := range []string{"8934588012228", "96385074", "036000291452", "10614141073464", "", " 8934588012227", "0000000000000", "８９３"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ocop.CheckGTIN("gtin", s)
		if err != nil {
			var inv *ocop.InvalidError
			if !errors.As(err, &inv) || inv.Field != "gtin" {
				t.Fatalf("CheckGTIN(%q) error of the wrong kind: %v", s, err)
			}
			return
		}
		if got == "" {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("CheckGTIN(%q) = \"\"", s)
			}
			return
		}
		if len(got) != 14 || checkDigit(got[:13]) != got[13] || !strings.HasSuffix(got, strings.TrimSpace(s)) {
			t.Fatalf("CheckGTIN(%q) = %q", s, got)
		}
		if again, err := ocop.CheckGTIN("gtin", got); err != nil || again != got {
			t.Fatalf("CheckGTIN(%q) = %q, but re-checking it gives %q, %v", s, got, again, err)
		}
	})
}

// FuzzCheckGLN: a GLN is accepted only as 13 digits with a valid check
// digit, exactly as typed.
func FuzzCheckGLN(f *testing.F) {
	for _, s := range []string{"4012345000054", "0614141073467", "4012345000055", "", "401234500005A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ocop.CheckGLN("gln", s)
		if err != nil {
			var inv *ocop.InvalidError
			if !errors.As(err, &inv) || inv.Field != "gln" {
				t.Fatalf("CheckGLN(%q) error of the wrong kind: %v", s, err)
			}
			return
		}
		if got != strings.TrimSpace(s) || (got != "" && (len(got) != 13 || checkDigit(got[:12]) != got[12])) {
			t.Fatalf("CheckGLN(%q) = %q", s, got)
		}
	})
}
