package epcis_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/epcis"
)

const stampURL = "HTTP://LOCALHOST:8080/V/AFLEOWVHAAAAAEWWQ4AAAABKAAAAABYEKMCGSAFPDJD2OXDKSL6MQUWWYOTCBHG7TAC3UYZK7VHCIUGL6SRTQAKOQZWZXBX5O5SNLRABI3GRBYR3NGEO34NMOQCPO5KGRSORQ7JCA4"

func mustScheme(t testing.TB, base string) epcis.Scheme {
	t.Helper()
	s, err := epcis.NewScheme(base)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewScheme(t *testing.T) {
	for _, tc := range []struct {
		base string
		want string // the producer location of id "P1" under it; "" when refused
	}{
		{"https://tem.ocop.vn", "https://tem.ocop.vn/epcis/loc/producer/P1"},
		{"https://tem.ocop.vn/", "https://tem.ocop.vn/epcis/loc/producer/P1"},
		{"HTTP://LOCALHOST:8080", "http://localhost:8080/epcis/loc/producer/P1"}, // as stamp codes write it
		{" https://Tem.OCOP.vn/thanhhoa/ ", "https://tem.ocop.vn/thanhhoa/epcis/loc/producer/P1"},
		{"ftp://tem.ocop.vn", ""},
		{"tem.ocop.vn", ""},
		{"https://", ""},
		{"https://tem.ocop.vn/?a=1", ""},
		{"https://tem.ocop.vn/#x", ""},
		{"https://user@tem.ocop.vn", ""},
		{"https://tem.ocop.vn/tem ocop", ""},
		{"https://tem.ocop.vn/tem%20ocop", "https://tem.ocop.vn/tem%20ocop/epcis/loc/producer/P1"},
		{"https://tem.ocop.vn/tỉnh", ""},
	} {
		s, err := epcis.NewScheme(tc.base)
		if tc.want == "" {
			if err == nil {
				t.Errorf("NewScheme(%q) accepted", tc.base)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewScheme(%q): %v", tc.base, err)
			continue
		}
		if got, err := s.Producer("P1", ""); err != nil || got != tc.want {
			t.Errorf("NewScheme(%q).Producer(P1) = %q, %v; want %q", tc.base, got, err, tc.want)
		}
	}
}

func TestStamp(t *testing.T) {
	s := mustScheme(t, "https://tem.ocop.vn")
	for _, tc := range []struct {
		name  string
		stamp epcis.Stamp
		want  string // "" when refused
	}{
		{"GTIN-13 and lot", epcis.Stamp{GTIN: "8934588012228", Lot: "L2501", Serial: 42, URL: stampURL},
			"https://tem.ocop.vn/01/08934588012228/10/L2501/21/42"},
		{"GTIN-14 and lot", epcis.Stamp{GTIN: "18934588012225", Lot: "L-25.01_A", Serial: 1},
			"https://tem.ocop.vn/01/18934588012225/10/L-25.01_A/21/1"},
		{"GTIN-8", epcis.Stamp{GTIN: "96385074", Lot: "A", Serial: 281474976710655},
			"https://tem.ocop.vn/01/00000096385074/10/A/21/281474976710655"},
		{"lot with characters to encode", epcis.Stamp{GTIN: "8934588012228", Lot: `01/2025&"A"%+?`, Serial: 7},
			"https://tem.ocop.vn/01/08934588012228/10/01%2F2025%26%22A%22%25%2B%3F/21/7"},
		{"lot of 20 characters", epcis.Stamp{GTIN: "8934588012228", Lot: "ABCDEFGHIJ0123456789", Serial: 7},
			"https://tem.ocop.vn/01/08934588012228/10/ABCDEFGHIJ0123456789/21/7"},
		{"lot of 21 characters: left out", epcis.Stamp{GTIN: "8934588012228", Lot: "ABCDEFGHIJ01234567890", Serial: 7},
			"https://tem.ocop.vn/01/08934588012228/21/7"},
		{"Vietnamese lot: left out", epcis.Stamp{GTIN: "8934588012228", Lot: "Lô 01", Serial: 7},
			"https://tem.ocop.vn/01/08934588012228/21/7"},
		{"space in lot: left out", epcis.Stamp{GTIN: "8934588012228", Lot: "L 01", Serial: 7},
			"https://tem.ocop.vn/01/08934588012228/21/7"},
		{"tilde in lot (not in GS1's set): left out", epcis.Stamp{GTIN: "8934588012228", Lot: "L~1", Serial: 7},
			"https://tem.ocop.vn/01/08934588012228/21/7"},
		{"no lot yet (inactive roll)", epcis.Stamp{GTIN: "8934588012228", Serial: 0},
			"https://tem.ocop.vn/01/08934588012228/21/0"},
		{"no GTIN: the stamp URL", epcis.Stamp{Lot: "L2501", Serial: 42, URL: stampURL}, stampURL},
		{"no GTIN, lower-case URL", epcis.Stamp{Serial: 42, URL: "https://tem.ocop.vn/v/AFLE"}, "https://tem.ocop.vn/v/AFLE"},
		{"bad GTIN", epcis.Stamp{GTIN: "8934588012227", Serial: 1, URL: stampURL}, ""},
		{"neither GTIN nor URL", epcis.Stamp{Lot: "L", Serial: 1}, ""},
		{"URL not http", epcis.Stamp{Serial: 1, URL: "urn:epc:id:sgtin:0614141.107346.2017"}, ""},
		{"relative URL", epcis.Stamp{Serial: 1, URL: "/V/AFLE"}, ""},
		{"URL with a space", epcis.Stamp{Serial: 1, URL: "https://tem.ocop.vn/v/A FLE"}, ""},
	} {
		got, err := s.Stamp(tc.stamp)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s: Stamp = %q, want an error", tc.name, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: Stamp = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

// Every character of GS1's set 82 that a lot may hold comes back out of
// the URI as it went in.
func TestStampLotRoundTrip(t *testing.T) {
	s := mustScheme(t, "https://tem.ocop.vn")
	const cset82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`
	for i := 0; i < len(cset82); i += 20 {
		lot := cset82[i:min(i+20, len(cset82))]
		uri, err := s.Stamp(epcis.Stamp{GTIN: "8934588012228", Lot: lot, Serial: 9})
		if err != nil {
			t.Fatal(err)
		}
		got, ok := lotOf(t, uri)
		if !ok || got != lot {
			t.Errorf("lot %q → %s → %q", lot, uri, got)
		}
	}
}

func TestLocations(t *testing.T) {
	s := mustScheme(t, "https://tem.ocop.vn")
	for _, tc := range []struct {
		kind, id, gln string
		want          string // "" when refused
	}{
		{"producer", "HTX-NEM-CHUA", "", "https://tem.ocop.vn/epcis/loc/producer/HTX-NEM-CHUA"},
		{"retailer", "shop.a_1", "", "https://tem.ocop.vn/epcis/loc/retailer/shop.a_1"},
		{"producer", "HTX-NEM-CHUA", "8930000000019", "https://id.gs1.org/414/8930000000019"},
		{"retailer", "shop-a", " 4012345000054 ", "https://id.gs1.org/414/4012345000054"},
		{"retailer", "", "4012345000054", "https://id.gs1.org/414/4012345000054"},
		{"producer", "HTX", "8930000000010", ""}, // wrong check digit
		{"producer", "", "", ""},
		{"retailer", "shop/a", "", ""},
		{"retailer", "cửa hàng", "", ""},
		// A shop of another province, by the id its receipts carry.
		{"retailer", "01:CH-HN.1", "", "https://tem.ocop.vn/epcis/loc/retailer/01:CH-HN.1"},
		{"retailer", "01:", "", ""},
		{"retailer", ":CH-HN", "", ""},
		{"retailer", "01:CH:HN", "", ""},
		{"retailer", "01:CH/HN", "", ""},
	} {
		var got string
		var err error
		if tc.kind == "producer" {
			got, err = s.Producer(tc.id, tc.gln)
		} else {
			got, err = s.Retailer(tc.id, tc.gln)
		}
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s(%q, %q) = %q, want an error", tc.kind, tc.id, tc.gln, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s(%q, %q) = %q, %v; want %q", tc.kind, tc.id, tc.gln, got, err, tc.want)
		}
	}
}

// lotOf returns the decoded value of AI 10 in a Digital Link URI.
func lotOf(t testing.TB, uri string) (string, bool) {
	t.Helper()
	_, rest, ok := strings.Cut(uri, "/10/")
	if !ok {
		return "", false
	}
	enc, _, ok := strings.Cut(rest, "/21/")
	if !ok || strings.Contains(enc, "/") {
		t.Fatalf("%s: lot segment not followed by /21/", uri)
	}
	lot, err := url.PathUnescape(enc)
	if err != nil {
		t.Fatalf("%s: %v", uri, err)
	}
	return lot, true
}
