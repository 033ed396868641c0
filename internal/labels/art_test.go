package labels

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// wholeDots tells whether mm is a whole number of dots at dpi.
func wholeDots(mm float64, dpi int) bool {
	d := mm / 25.4 * float64(dpi)
	return math.Abs(d-math.Round(d)) < 1e-6
}

// What a page draws is what the geometry says: every label's code starts
// on a printer dot and its modules are whole dots, codes of a smaller
// version too (they centre by whole modules).
func TestArtPutsCodesOnDots(t *testing.T) {
	r, err := NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range Layouts() {
		for _, dpi := range PrinterDPIs() {
			g, err := l.Geometry(dpi)
			if err != nil {
				t.Fatal(err)
			}
			b := Batch{ProductName: "Chè lam", StarGrade: 4, Lot: "L-1"}
			plans := r.newTextPlans(g, b)
			for slot := range l.PerPage() {
				for _, code := range []string{"HTTP://LOCALHOST:8080/V/" + strings.Repeat("A", 138), "HTTPS://X.VN/V/ABC"} {
					a, err := r.labelArt(plans, slot, Stamp{Serial: 1_234_567, Code: code})
					if err != nil {
						t.Fatal(err)
					}
					if a.dpi != dpi || a.dots != g.ModuleDots || !wholeDots(a.module, dpi) || !wholeDots(a.qx, dpi) || !wholeDots(a.qy, dpi) {
						t.Fatalf("%s at %d dpi, slot %d, code of %d bytes: module %.4f mm (%d dots of %d dpi) at %.4f, %.4f mm: not on whole dots",
							l.Name, dpi, slot, len(code), a.module, a.dots, a.dpi, a.qx, a.qy)
					}
				}
			}
		}
	}
}

// The text column's sizes keep their order: the stars largest, then the
// product's name, never smaller than the lot and serial, then the
// invitation to scan; and text grows with the label.
func TestTextSizesKeepTheirOrder(t *testing.T) {
	r, err := NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	nameSize := map[string]float64{}
	for _, name := range []string{
		"Mắm tép",
		"Nước mắm cốt nhĩ truyền thống Ba Làng đặc biệt",
		"Hợp tác xã Dịch vụ Nông nghiệp và Chế biến Nem chua Thanh Hóa truyền thống lâu đời của làng nghề",
	} {
		for _, l := range Layouts() {
			for _, dpi := range PrinterDPIs() {
				t.Run(fmt.Sprintf("%d/%s/%d", len(name), l.Name, dpi), func(t *testing.T) {
					g, err := l.Geometry(dpi)
					if err != nil {
						t.Fatal(err)
					}
					lines := r.layText(g, Batch{ProductName: name, StarGrade: 5, Lot: "L2026-11"}, serialLine(1_234_567))
					size := map[string]float64{}
					for _, ln := range lines {
						switch {
						case strings.HasPrefix(ln.text, "OCOP "):
							size["stars"] = ln.size
						case strings.HasPrefix(ln.text, "Lô: "):
							size["lot"] = ln.size
						case ln.serial:
							size["serial"] = ln.size
							if ln.text != "Sê-ri: 1 234 567" {
								t.Errorf("serial line %q", ln.text)
							}
						case size["serial"] > 0: // the lines after the serial's
							size["scan"] = ln.size
						default:
							size["name"] = ln.size
						}
						if ln.x+r.face.width(ln.text, ln.size)/ptPerMM > g.textX+g.textW+1e-6 {
							t.Errorf("%q at %.1f pt is wider than the column", ln.text, ln.size)
						}
					}
					if len(size) != 5 {
						t.Fatalf("lines %+v", lines)
					}
					if !(size["stars"] >= size["name"] && size["name"] >= size["lot"] && size["lot"] == size["serial"] && size["serial"] >= size["scan"]) {
						t.Errorf("sizes %v: want stars ≥ name ≥ lot = serial ≥ scan", size)
					}
					if len(name) < 20 {
						nameSize[fmt.Sprint(l.Name, dpi)] = size["name"]
					}
				})
			}
		}
	}
	for _, dpi := range PrinterDPIs() {
		if large, small := nameSize[fmt.Sprint("a4-3x8", dpi)], nameSize[fmt.Sprint("a4-5x13", dpi)]; large < 1.5*small {
			t.Errorf("at %d dpi a short name is %.1f pt on 70 × 37 mm labels, %.1f pt on 38 × 21 mm ones", dpi, large, small)
		}
	}
}
