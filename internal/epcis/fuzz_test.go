package epcis_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/epcis"
)

// FuzzEvent feeds the identifiers and lot data that come from producers
// and shops (GTIN, GLN, ids, lots, dates, stamp URLs) through the scheme
// and into a document. Whatever the package accepts must be a valid EPCIS
// 2.0 document under GS1's schema, with ids that recompute, a lot that
// reads back out of its Digital Link URI, and identifiers the event hash
// would not rewrite into another stamp's.
func FuzzEvent(f *testing.F) {
	f.Add("8934588012228", "L2501", uint64(42), "HTX-1", "8930000000019", "2025-11-18", "HTTP://LOCALHOST:8080/V/AFLE", int64(1763600000123456789))
	f.Add("", "Lô 01/2025", uint64(0), "shop-a", "", "", "https://tem.ocop.vn/v/AFLE", int64(0))
	f.Add("96385074", `01/2025&"A"%+?`, uint64(1<<48-1), "a", "4012345000055", "2025-02-30", "x", int64(-1))
	f.Add("036000291452", "~", uint64(7), "", "", "2025-01-01", "https://[::1]:8080/V/A", int64(1<<62))
	sch := compileSchema(f)
	s := mustScheme(f, "https://tem.ocop.vn/thanh-hoa")
	f.Fuzz(func(t *testing.T, gtin, lot string, serial uint64, id, gln, date, stampURL string, nanos int64) {
		stamp, err := s.Stamp(epcis.Stamp{GTIN: gtin, Lot: lot, Serial: serial, URL: stampURL})
		if err != nil {
			return
		}
		if strings.HasPrefix(stamp, "https://tem.ocop.vn/thanh-hoa/01/") {
			if got, ok := lotOf(t, stamp); ok && got != lot {
				t.Fatalf("lot %q written as %s, reads back as %q", lot, stamp, got)
			}
		} else if stamp != stampURL {
			t.Fatalf("stamp %q without GTIN named %s", stampURL, stamp)
		}
		producer, err := s.Producer(id, gln)
		if err != nil {
			return
		}
		shop, err := s.Retailer(id, gln)
		if err != nil {
			return
		}
		at := time.Unix(0, nanos)
		if at.Year() < 1 || at.Year() > 9999 {
			return // outside what RFC 3339 can write
		}
		events := []epcis.Event{
			epcis.Commissioning(at, []string{stamp}, producer, epcis.ILMD{Lot: lot, ProductionDate: date}),
			epcis.Receiving(at, []string{stamp}, shop),
			epcis.RetailSale(at, []string{stamp}, shop),
			epcis.Recall(at, []string{stamp}, producer),
			epcis.Revocation(at, []string{stamp}, producer),
		}
		doc, err := epcis.Document(events, at)
		if err != nil {
			// Only the lot data may be refused: identifiers made by the
			// scheme are always good.
			if !strings.Contains(err.Error(), "event 0: ilmd") {
				t.Fatalf("Document refused what the scheme made: %v", err)
			}
			return
		}
		if err := validate(sch, doc); err != nil {
			t.Fatalf("not valid EPCIS 2.0: %v\n%s", err, doc)
		}
		checkIDs(t, "fuzz", doc, events)
		// The hash sees a Digital Link stamp as id.gs1.org/01/<GTIN>/21/<serial>:
		// two stamps differing in serial never share an id.
		other := epcis.Stamp{GTIN: gtin, Lot: lot, Serial: serial + 1, URL: stampURL + "X"}
		if otherID, err := s.Stamp(other); err == nil {
			a, errA := epcis.Receiving(at, []string{stamp}, shop).ID()
			b, errB := epcis.Receiving(at, []string{otherID}, shop).ID()
			if errors.Join(errA, errB) == nil && a == b {
				t.Fatalf("%s and %s hash alike", stamp, otherID)
			}
		}
		if u, err := url.Parse(stamp); err != nil || !u.IsAbs() {
			t.Fatalf("stamp id %q is no absolute URI", stamp)
		}
	})
}
