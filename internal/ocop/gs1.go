package ocop

import (
	"strconv"
	"strings"
)

// GS1 identification keys a producer may already hold: a GTIN on its
// product's barcode, a GLN for its premises. Both are optional (most
// household producers have neither) and, when given, are checked the way a
// barcode scanner would, so that a mistyped digit is caught when the
// record is saved instead of when a trading partner fails to match it.

// CheckGTIN validates an optional GTIN-8, -12, -13 or -14 and returns it
// as GTIN-14, left-padded with zeros: the one form GS1 Digital Link URIs
// and EPCIS use, so that a product typed as 13 digits and the same product
// typed as 14 compare equal. Empty input is no GTIN: ("", nil).
func CheckGTIN(field, s string) (string, error) {
	digits, err := checkGS1Key(field, s, "GTIN", 8, 12, 13, 14)
	if err != nil || digits == "" {
		return "", err
	}
	return strings.Repeat("0", 14-len(digits)) + digits, nil
}

// CheckGLN validates an optional GLN (13 digits) and returns it trimmed.
// Empty input is no GLN: ("", nil).
func CheckGLN(field, s string) (string, error) {
	return checkGS1Key(field, s, "GLN", 13)
}

// checkGS1Key checks the digits of a GS1 key whose last digit is the
// GS1 mod-10 check digit. The four rules share one message each so that
// a GTIN and a GLN are refused in the same words.
func checkGS1Key(field, s, kind string, lengths ...int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", Invalid(field, "%q chỉ được gồm các chữ số 0-9", "%q may hold only the digits 0-9", s)
		}
	}
	ok := false
	for _, n := range lengths {
		ok = ok || len(s) == n
	}
	if !ok {
		counts := make([]string, len(lengths))
		for i, n := range lengths {
			counts[i] = strconv.Itoa(n)
		}
		return "", Invalid(field, "có %d chữ số; %s phải có %s chữ số", "%d digits; a %s has %s digits", len(s), kind, strings.Join(counts, "/"))
	}
	if strings.Trim(s, "0") == "" {
		// Zeros pass the check digit, but no GS1 key is all zeros: it is
		// what a blank form or a misread barcode produces.
		return "", Invalid(field, "toàn số 0 không phải là mã GS1", "all zeros is not a GS1 number")
	}
	if want := gs1CheckDigit(s[:len(s)-1]); s[len(s)-1] != want {
		return "", Invalid(field, "chữ số kiểm tra phải là %c, không phải %c", "check digit should be %c, not %c", want, s[len(s)-1])
	}
	return s, nil
}

// gs1CheckDigit is the GS1 mod-10 check digit of digits (a key without
// its last digit; ASCII digits only): weights 3 and 1 alternate from the
// right, so a GTIN-13 padded to 14 digits keeps its check digit.
func gs1CheckDigit(digits string) byte {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}
