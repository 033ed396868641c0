package ocop

import (
	"strconv"
	"strings"
)

// SerialSeparator groups a serial's digits in threes. A serial is read off
// a label aloud or typed from it; "1 234 567" is read and compared at a
// glance where "1234567" is not. The label, the stamp page, the console
// and the CLI all print serials through ShowSerial, so a buyer on the
// phone and an operator at the terminal read the same thing.
const SerialSeparator = " "

// ShowSerial writes a serial as people read it: digits in groups of
// three from the right, "1 234 567".
func ShowSerial(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	first := len(s) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(s[:first])
	for i := first; i < len(s); i += 3 {
		b.WriteString(SerialSeparator)
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// ParseSerial reads a serial as typed: plain digits, or grouped as
// ShowSerial writes them (spaces, no-break spaces, dots or commas between
// groups are ignored, as people copy them from a label or a page).
func ParseSerial(field, s string) (uint64, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '\u202f', '.', ',':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	n, err := strconv.ParseUint(clean, 10, 64)
	if err != nil || clean == "" {
		return 0, Invalid(field, "%q không phải số sê-ri (chữ số, ví dụ 1 234 567)", "%q is not a serial number (digits, e.g. 1 234 567)", s)
	}
	return n, nil
}
