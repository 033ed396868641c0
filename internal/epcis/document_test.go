package epcis_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/epcis"
	"github.com/ocopvn/estamp/internal/ocop"
)

var update = flag.Bool("update", false, "rewrite testdata/golden-document.jsonld")

// A day in the life of two products: one with a GTIN made by a producer
// with a GLN, one without either, sold by a shop without a GLN.
type story struct {
	scheme                       epcis.Scheme
	producer, plainProducer      string
	shop                         string
	withGTIN, withoutGTIN, other []string
	at                           func(hour, min int) time.Time
}

func newStory(t testing.TB) story {
	s := story{scheme: mustScheme(t, "https://tem.ocop.vn")}
	var err error
	if s.producer, err = s.scheme.Producer("HTX-NEM-CHUA", "8930000000019"); err != nil {
		t.Fatal(err)
	}
	if s.plainProducer, err = s.scheme.Producer("ho-kd-banh-gai", ""); err != nil {
		t.Fatal(err)
	}
	if s.shop, err = s.scheme.Retailer("shop-a", ""); err != nil {
		t.Fatal(err)
	}
	for serial := uint64(201); serial <= 203; serial++ {
		id, err := s.scheme.Stamp(epcis.Stamp{GTIN: "8934588012228", Lot: "L2501", Serial: serial})
		if err != nil {
			t.Fatal(err)
		}
		s.withGTIN = append(s.withGTIN, id)
	}
	for i, token := range []string{"AFLEOWVHAAAAAEWWQ4AAAABKAAAAABY", "AFLEOWVHAAAAAEWWQ4AAAABLAAAAABY"} {
		id, err := s.scheme.Stamp(epcis.Stamp{Lot: "Lô 01/2025", Serial: uint64(7 + i), URL: "HTTP://LOCALHOST:8080/V/" + token})
		if err != nil {
			t.Fatal(err)
		}
		s.withoutGTIN = append(s.withoutGTIN, id)
	}
	// A stamp whose lot cannot go in a Digital Link URI.
	id, err := s.scheme.Stamp(epcis.Stamp{GTIN: "8935000000014", Lot: "Lô 02", Serial: 9})
	if err != nil {
		t.Fatal(err)
	}
	s.other = []string{id}
	s.at = func(hour, min int) time.Time {
		// 2025-11-20 in Vietnam, written in UTC: hour 8 there is 1 here.
		return time.Date(2025, 11, 20, hour-7, min, 0, 250_000_000, time.UTC)
	}
	return s
}

func (s story) events() []epcis.Event {
	return []epcis.Event{
		epcis.Commissioning(s.at(8, 0), s.withGTIN, s.producer,
			epcis.ILMD{Lot: "L2501", ProductionDate: "2025-11-18", ExpirationDate: "2026-05-18"}),
		epcis.Commissioning(s.at(8, 5), s.withoutGTIN, s.plainProducer, epcis.ILMD{Lot: "Lô 01/2025", BestBeforeDate: "2025-12-20"}),
		epcis.Commissioning(s.at(8, 6), s.other, s.producer, epcis.ILMD{}),
		epcis.Receiving(s.at(14, 30), append(append([]string{}, s.withGTIN...), s.withoutGTIN...), s.shop),
		epcis.RetailSale(s.at(17, 45), s.withGTIN[:1], s.shop),
		epcis.Revocation(s.at(18, 0), s.withGTIN[2:], s.producer),
		epcis.Recall(s.at(20, 0), s.withoutGTIN, s.plainProducer),
	}
}

// The golden document: its bytes are the export format others will read,
// and its event ids must not change unless the events do. Regenerate
// with go test ./internal/epcis -run Golden -update, and read the diff.
func TestDocumentGolden(t *testing.T) {
	s := newStory(t)
	got, err := epcis.Document(s.events(), s.at(21, 0))
	if err != nil {
		t.Fatal(err)
	}
	const file = "testdata/golden-document.jsonld"
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("document differs from %s:\n%s", file, got)
	}
	if err := validate(compileSchema(t), got); err != nil {
		t.Errorf("golden document is not valid EPCIS 2.0: %v", err)
	}
	again, err := epcis.Document(s.events(), s.at(21, 0))
	if err != nil || !bytes.Equal(again, got) {
		t.Errorf("a second export differs (%v)", err)
	}
}

// docs/epcis.md quotes the golden document: its example must stay true.
func TestDocsExample(t *testing.T) {
	md, err := os.ReadFile("../../docs/epcis.md")
	if err != nil {
		t.Fatal(err)
	}
	events := newStory(t).events()
	pre, err := events[0].PreHash()
	if err != nil {
		t.Fatal(err)
	}
	quoted := []string{pre}
	for _, i := range []int{0, 4} {
		id, err := events[i].ID()
		if err != nil {
			t.Fatal(err)
		}
		quoted = append(quoted, id)
	}
	for _, q := range quoted {
		if !bytes.Contains(md, []byte(q)) {
			t.Errorf("docs/epcis.md does not quote %s", q)
		}
	}
}

// Every kind of document the package writes validates against GS1's
// schema: each kind of event alone, with and without GTIN and GLN, all of
// them, many events of many stamps, and none.
func TestDocumentsValidate(t *testing.T) {
	sch := compileSchema(t)
	s := newStory(t)
	plainShop := s.shop
	glnShop, err := s.scheme.Retailer("shop-b", "4012345000054")
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string][]epcis.Event{"no events": nil, "the story": s.events()}
	for _, ids := range []struct {
		name     string
		stamps   []string
		producer string
		shop     string
	}{
		{"GTIN and GLNs", s.withGTIN, s.producer, glnShop},
		{"no GTIN, no GLN", s.withoutGTIN, s.plainProducer, plainShop},
		{"GTIN, lot left out", s.other, s.plainProducer, plainShop},
	} {
		at := s.at(9, 0)
		docs["commissioning, "+ids.name] = []epcis.Event{epcis.Commissioning(at, ids.stamps, ids.producer, epcis.ILMD{Lot: "L1"})}
		docs["commissioning without ilmd, "+ids.name] = []epcis.Event{epcis.Commissioning(at, ids.stamps, ids.producer, epcis.ILMD{})}
		docs["commissioning, full ilmd, "+ids.name] = []epcis.Event{epcis.Commissioning(at, ids.stamps, ids.producer,
			epcis.ILMD{Lot: `Lô "A" & <B>`, ProductionDate: "2025-01-01", BestBeforeDate: "2025-06-01", ExpirationDate: "2025-07-01"})}
		docs["receiving, "+ids.name] = []epcis.Event{epcis.Receiving(at, ids.stamps, ids.shop)}
		docs["sale, "+ids.name] = []epcis.Event{epcis.RetailSale(at, ids.stamps[:1], ids.shop)}
		docs["recall, "+ids.name] = []epcis.Event{epcis.Recall(at, ids.stamps, ids.producer)}
		docs["revocation, "+ids.name] = []epcis.Event{epcis.Revocation(at, ids.stamps[:1], ids.producer)}
	}
	var many []epcis.Event
	for i := range 200 {
		var stamps []string
		for j := range 50 {
			id, err := s.scheme.Stamp(epcis.Stamp{GTIN: "8936045160077", Lot: fmt.Sprintf("L%03d", i), Serial: uint64(i*50 + j)})
			if err != nil {
				t.Fatal(err)
			}
			stamps = append(stamps, id)
		}
		many = append(many, epcis.Commissioning(s.at(6, 0).Add(time.Duration(i)*time.Minute), stamps, s.producer, epcis.ILMD{Lot: fmt.Sprintf("L%03d", i)}),
			epcis.Receiving(s.at(12, 0).Add(time.Duration(i)*time.Minute), stamps, glnShop))
	}
	docs["200 lots of 50 stamps"] = many

	for name, events := range docs {
		doc, err := epcis.Document(events, s.at(21, 0))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := validate(sch, doc); err != nil {
			t.Errorf("%s: not valid EPCIS 2.0: %v\n%s", name, err, doc)
		}
		checkIDs(t, name, doc, events)
	}
}

// checkIDs reads the document back as JSON: one event per event given,
// in order, each with the id of the event.
func checkIDs(t *testing.T, name string, doc []byte, events []epcis.Event) {
	t.Helper()
	var parsed struct {
		Body struct {
			EventList []struct {
				EventID string   `json:"eventID"`
				EPCList []string `json:"epcList"`
			} `json:"eventList"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(parsed.Body.EventList) != len(events) || parsed.Body.EventList == nil {
		t.Fatalf("%s: %d events written, want %d (and a list, never null)", name, len(parsed.Body.EventList), len(events))
	}
	for i, e := range events {
		id, err := e.ID()
		if err != nil || parsed.Body.EventList[i].EventID != id || strings.Join(parsed.Body.EventList[i].EPCList, " ") != strings.Join(e.EPCs, " ") {
			t.Errorf("%s: event %d written with id %s and %v, want %s (%v) and %v", name, i, parsed.Body.EventList[i].EventID,
				parsed.Body.EventList[i].EPCList, id, err, e.EPCs)
		}
	}
}

// The vocabulary of each step, as docs/epcis.md states it.
func TestEventKinds(t *testing.T) {
	at := time.Date(2025, 11, 20, 1, 0, 0, 0, time.UTC)
	epcs := []string{"https://tem.ocop.vn/01/08934588012228/21/1"}
	const p, shop = "https://id.gs1.org/414/8930000000019", "https://tem.ocop.vn/epcis/loc/retailer/shop-a"
	lot := epcis.ILMD{Lot: "L1"}
	for _, tc := range []struct {
		got, want epcis.Event
	}{
		{epcis.Commissioning(at, epcs, p, lot), epcis.Event{Action: epcis.Add, BizStep: "commissioning", Disposition: "active", ReadPoint: p, BizLocation: p, ILMD: lot}},
		{epcis.Receiving(at, epcs, shop), epcis.Event{Action: epcis.Observe, BizStep: "receiving", Disposition: "in_progress", ReadPoint: shop, BizLocation: shop}},
		{epcis.RetailSale(at, epcs, shop), epcis.Event{Action: epcis.Observe, BizStep: "retail_selling", Disposition: "retail_sold", ReadPoint: shop}},
		{epcis.Recall(at, epcs, p), epcis.Event{Action: epcis.Observe, BizStep: "holding", Disposition: "recalled", ReadPoint: p}},
		{epcis.Revocation(at, epcs, p), epcis.Event{Action: epcis.Delete, BizStep: "decommissioning", Disposition: "inactive", ReadPoint: p}},
	} {
		tc.want.Time, tc.want.Offset, tc.want.EPCs = at, "+07:00", epcs
		if fmt.Sprint(tc.got) != fmt.Sprint(tc.want) {
			t.Errorf("got  %+v\nwant %+v", tc.got, tc.want)
		}
	}
}

// Events the package refuses to write, rather than write an event whose
// id others could not recompute or whose document GS1's schema refuses.
func TestDocumentRefuses(t *testing.T) {
	at := time.Date(2025, 11, 20, 1, 0, 0, 0, time.UTC)
	ok := func() epcis.Event {
		return epcis.Commissioning(at, []string{"https://tem.ocop.vn/01/08934588012228/21/1"}, "https://id.gs1.org/414/8930000000019", epcis.ILMD{Lot: "L1"})
	}
	if _, err := epcis.Document([]epcis.Event{ok()}, at); err != nil {
		t.Fatalf("the base event is refused: %v", err)
	}
	for _, tc := range []struct {
		name, reason string
		edit         func(*epcis.Event)
	}{
		{"no time", "eventTime", func(e *epcis.Event) { e.Time = time.Time{} }},
		{"no offset", "eventTimeZoneOffset", func(e *epcis.Event) { e.Offset = "" }},
		{"offset beyond +14", "eventTimeZoneOffset", func(e *epcis.Event) { e.Offset = "+14:30" }},
		{"bad action", "action", func(e *epcis.Event) { e.Action = "MOVE" }},
		{"bizStep not CBV", "bizStep", func(e *epcis.Event) { e.BizStep = "activating" }},
		{"bizStep as URN", "bizStep", func(e *epcis.Event) { e.BizStep = "urn:epcglobal:cbv:bizstep:commissioning" }},
		{"disposition not CBV", "disposition", func(e *epcis.Event) { e.Disposition = "sold" }},
		{"no stamps", "epcList", func(e *epcis.Event) { e.EPCs = nil }},
		{"a stamp twice", "twice", func(e *epcis.Event) { e.EPCs = append(e.EPCs, e.EPCs[0]) }},
		{"relative EPC", "absolute", func(e *epcis.Event) { e.EPCs = []string{"/01/08934588012228/21/1"} }},
		{"EPC URN", "URN", func(e *epcis.Event) { e.EPCs = []string{"urn:epc:id:sgtin:0614141.107346.2017"} }},
		{"space in EPC", "spaces", func(e *epcis.Event) { e.EPCs = []string{"https://tem.ocop.vn/v/A B"} }},
		{"non-ASCII location", "readPoint", func(e *epcis.Event) { e.ReadPoint = "https://tem.ocop.vn/cửa-hàng" }},
		{"relative bizLocation", "bizLocation", func(e *epcis.Event) { e.BizLocation = "shop-a" }},
		{"ilmd on OBSERVE", "ilmd", func(e *epcis.Event) { e.Action = epcis.Observe }},
		{"lot with a tab", "lot", func(e *epcis.Event) { e.ILMD.Lot = "L\t1" }},
		{"lot not trimmed", "lot", func(e *epcis.Event) { e.ILMD.Lot = " L1" }},
		{"lot not UTF-8", "lot", func(e *epcis.Event) { e.ILMD.Lot = "L\xff" }},
		{"bad production date", "production date", func(e *epcis.Event) { e.ILMD.ProductionDate = "18/11/2025" }},
		{"impossible expiry", "expiration date", func(e *epcis.Event) { e.ILMD.ExpirationDate = "2025-02-30" }},
	} {
		e := ok()
		tc.edit(&e)
		_, err := epcis.Document([]epcis.Event{ok(), e}, at)
		if err == nil || !strings.Contains(err.Error(), "event 1") || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: Document error %v, want one naming event 1 and %q", tc.name, err, tc.reason)
		}
		if _, err := e.ID(); err == nil {
			t.Errorf("%s: ID computed", tc.name)
		}
	}
	if _, err := epcis.Document(nil, time.Time{}); err == nil {
		t.Error("a document without a creation date was written")
	}
}

// VietnamOffset is the offset of the zone internal/ocop keeps, the one
// place estamp knows Vietnam's time (see ocop's dates.go).
func TestVietnamOffsetIsOcops(t *testing.T) {
	off, err := time.Parse("-07:00", epcis.VietnamOffset)
	if err != nil {
		t.Fatal(err)
	}
	_, seconds := off.Zone()
	for _, at := range []time.Time{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 20, 0, 0, 0, time.UTC)} {
		// Midnight of at's date in Vietnam, as a UTC date and as an instant.
		ocopOffset := ocop.Today(at).Sub(ocop.DayStart(ocop.Day(at)))
		if time.Duration(seconds)*time.Second != ocopOffset {
			t.Errorf("VietnamOffset %s, ocop's zone is %v ahead of UTC", epcis.VietnamOffset, ocopOffset)
		}
	}
}
