package ocop

import "testing"

func TestShowSerial(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1 000"}, {12345, "12 345"},
		{123456, "123 456"}, {1234567, "1 234 567"}, {281474976710655, "281 474 976 710 655"},
	} {
		if got := ShowSerial(tc.n); got != tc.want {
			t.Errorf("ShowSerial(%d) = %q, want %q", tc.n, got, tc.want)
		}
		back, err := ParseSerial("serial", tc.want)
		if err != nil || back != tc.n {
			t.Errorf("ParseSerial(%q) = %d, %v, want %d", tc.want, back, err, tc.n)
		}
	}
}

func TestParseSerial(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"1234567", 1234567, true},
		{" 1 234 567 ", 1234567, true},
		{"1\u00a0234", 1234, true},
		{"1.234.567", 1234567, true},
		{"", 0, false},
		{" . ", 0, false},
		{"12a", 0, false},
		{"-1", 0, false},
		{"99999999999999999999", 0, false},
	} {
		got, err := ParseSerial("serial", tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSerial(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func FuzzParseSerial(f *testing.F) {
	f.Add("1 234 567")
	f.Add("0")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSerial("serial", s)
		if err != nil {
			return
		}
		if back, err := ParseSerial("serial", ShowSerial(n)); err != nil || back != n {
			t.Fatalf("round trip of %d: %d, %v", n, back, err)
		}
	})
}
