package epcis_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/epcis"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// Golden vectors: events of GS1's reference implementation of the event
// hash (github.com/RalphTro/epcis-event-hash-generator, tests/examples),
// with the pre-hash strings and hashes it publishes. The events are
// written as in GS1's files, except that EPC URNs are written in the
// Digital Link form the hash gives them (estamp writes no URNs).
func TestEventHashGoldenVectors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		event   epcis.Event
		prehash string
		id      string
	}{
		{
			// TimeStampRoundOff.jsonld, event 1: a custom Digital Link
			// domain becomes id.gs1.org, .1415 s rounds up to .142.
			name: "TimeStampRoundOff 1",
			event: epcis.Event{
				Time: mustTime(t, "2023-02-02T11:04:03.1415Z"), Offset: "+01:00", Action: epcis.Observe,
				BizStep: "shipping", Disposition: "in_transit",
				EPCs:      []string{"https://id.gs1.de/00/040123451111111110"},
				ReadPoint: "https://id.gs1.de/414/4012345000115",
			},
			prehash: "eventType=ObjectEventeventTime=2023-02-02T11:04:03.142ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1.org/00/040123451111111110action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-shippingdisposition=https://ref.gs1.org/cbv/Disp-in_transitreadPointid=https://id.gs1.org/414/4012345000115",
			id:      "ni:///sha-256;af7658e711574363633f20b3dadc7bc4c13c6f612cf96d95e03c421c0e58f3c6?ver=CBV2.0",
		},
		{
			// Event 2: .1414 s rounds down; a geo URI is kept as it is.
			name: "TimeStampRoundOff 2",
			event: epcis.Event{
				Time: mustTime(t, "2023-02-02T11:04:03.1414Z"), Offset: "+01:00", Action: epcis.Observe,
				BizStep:   "transporting",
				EPCs:      []string{"https://id.gs1.de/00/040123451111111110"},
				ReadPoint: "geo:50.947573340894124,6.922120147375441",
			},
			prehash: "eventType=ObjectEventeventTime=2023-02-02T11:04:03.141ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1.org/00/040123451111111110action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-transportingreadPointid=geo:50.947573340894124,6.922120147375441",
			id:      "ni:///sha-256;0550df44527332c1fe417c5837fe61b9e71eaa93307b88519dac549bf2d4dcf9?ver=CBV2.0",
		},
		{
			// epcisDocWithVariousEventTypes.jsonld, event 3: a time with
			// an offset is hashed in UTC.
			name: "VariousEventTypes 3",
			event: epcis.Event{
				Time: mustTime(t, "2019-10-21T15:45:00.000+01:00"), Offset: "+01:00", Action: epcis.Observe,
				BizStep: "inspecting", Disposition: "in_progress",
				EPCs:      []string{"https://id.gs1.org/00/040123451111111110"}, // urn:epc:id:sscc:4012345.0111111111
				ReadPoint: "https://id.gs1.org/414/4012345000245",               // urn:epc:id:sgln:4012345.00024.0
			},
			prehash: "eventType=ObjectEventeventTime=2019-10-21T14:45:00.000ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1.org/00/040123451111111110action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-inspectingdisposition=https://ref.gs1.org/cbv/Disp-in_progressreadPointid=https://id.gs1.org/414/4012345000245",
			id:      "ni:///sha-256;c50842eb714406394a77fb7b517fea621c78a61f65549874de7c9e019afe7b6f?ver=CBV2.0",
		},
		{
			// epcisDocWithShippingAndTransportingEvent.jsonld, event 2.
			name: "ShippingAndTransporting 2",
			event: epcis.Event{
				Time: mustTime(t, "2022-02-16T16:50:00.000+01:00"), Offset: "+01:00", Action: epcis.Observe,
				BizStep:   "transporting",
				EPCs:      []string{"https://id.gs1.org/00/140123451122233341"}, // urn:epc:id:sscc:4012345.1112223334
				ReadPoint: "geo:47.506694,11.104301",
			},
			prehash: "eventType=ObjectEventeventTime=2022-02-16T15:50:00.000ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1.org/00/140123451122233341action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-transportingreadPointid=geo:47.506694,11.104301",
			id:      "ni:///sha-256;1d2ec4174d8f0b5988a44795b31a636e8bc7f88ebc4bdc0d35c14f215a842e80?ver=CBV2.0",
		},
	} {
		pre, err := tc.event.PreHash()
		if err != nil || pre != tc.prehash {
			t.Errorf("%s: pre-hash\n got %s (%v)\nwant %s", tc.name, pre, err, tc.prehash)
		}
		id, err := tc.event.ID()
		if err != nil || id != tc.id {
			t.Errorf("%s: id = %s, %v; want %s", tc.name, id, err, tc.id)
		}
	}
}

// GS1 publishes no ObjectEvent with both an epcList and ILMD; its
// commissioning event with ILMD (epcisDocWithVariousEventTypes.jsonld,
// event 4, a quantityList) ends in the ILMD part every commissioning
// event of estamp ends in: the same names, in the same form.
func TestEventHashILMD(t *testing.T) {
	const published = "readPointid=https://id.gs1.org/414/4054739000011ilmd{urn:epcglobal:cbv:mda:}bestBeforeDate=2019-10-21"
	e := epcis.Commissioning(mustTime(t, "2019-10-21T14:58:56.000+02:00"), []string{"https://id.gs1.org/01/04054739999148/21/1"},
		"https://id.gs1.org/414/4054739000011", epcis.ILMD{BestBeforeDate: "2019-10-21"})
	e.BizLocation = ""
	pre, err := e.PreHash()
	if err != nil || !strings.HasSuffix(pre, published) {
		t.Errorf("pre-hash %s (%v), want it to end in GS1's %s", pre, err, published)
	}

	// All four ILMD names, sorted by their expanded {namespace}name.
	e.ILMD = epcis.ILMD{Lot: "L2501", ProductionDate: "2025-01-15", BestBeforeDate: "2025-07-15", ExpirationDate: "2026-01-15"}
	pre, err = e.PreHash()
	const want = "ilmd{https://gs1.org/voc/}productionDate=2025-01-15{urn:epcglobal:cbv:mda:}bestBeforeDate=2025-07-15{urn:epcglobal:cbv:mda:}itemExpirationDate=2026-01-15{urn:epcglobal:cbv:mda:}lotNumber=L2501"
	if err != nil || !strings.HasSuffix(pre, want) {
		t.Errorf("pre-hash %s (%v), want it to end in %s", pre, err, want)
	}
}

// What the hash must and must not see. Each case changes one thing of
// a base event.
func TestEventHashSensitivity(t *testing.T) {
	base := func() epcis.Event {
		return epcis.Receiving(time.Date(2025, 11, 20, 1, 2, 3, 456_000_000, time.UTC),
			[]string{"https://tem.ocop.vn/01/08934588012228/10/L1/21/7", "https://tem.ocop.vn/01/08934588012228/10/L1/21/8"},
			"https://tem.ocop.vn/epcis/loc/retailer/shop-a")
	}
	id0, err := base().ID()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*epcis.Event)
		same bool
	}{
		{"epcList order", func(e *epcis.Event) { e.EPCs[0], e.EPCs[1] = e.EPCs[1], e.EPCs[0] }, true},
		{"same instant in another zone", func(e *epcis.Event) { e.Time = e.Time.In(time.FixedZone("", -5*3600)) }, true},
		{"below 0.5 ms", func(e *epcis.Event) { e.Time = e.Time.Add(499 * time.Microsecond) }, true},
		{"another domain, same GS1 key", func(e *epcis.Event) { e.EPCs[0] = "https://id.gs1.org/01/08934588012228/21/7" }, true},
		{"another lot, same serial", func(e *epcis.Event) { e.EPCs[0] = "https://tem.ocop.vn/01/08934588012228/10/L2/21/7" }, true},
		{"0.5 ms later", func(e *epcis.Event) { e.Time = e.Time.Add(500 * time.Microsecond) }, false},
		{"another serial", func(e *epcis.Event) { e.EPCs[0] = "https://tem.ocop.vn/01/08934588012228/10/L1/21/9" }, false},
		{"one stamp fewer", func(e *epcis.Event) { e.EPCs = e.EPCs[:1] }, false},
		{"another shop", func(e *epcis.Event) { e.ReadPoint = "https://tem.ocop.vn/epcis/loc/retailer/shop-b" }, false},
		{"no bizLocation", func(e *epcis.Event) { e.BizLocation = "" }, false},
		{"no disposition", func(e *epcis.Event) { e.Disposition = "" }, false},
		{"another step", func(e *epcis.Event) { e.BizStep = "arriving" }, false},
		{"another offset", func(e *epcis.Event) { e.Offset = "+08:00" }, false},
		{"another action", func(e *epcis.Event) { e.Action = epcis.Add }, false},
	} {
		e := base()
		tc.edit(&e)
		id, err := e.ID()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if (id == id0) != tc.same {
			t.Errorf("%s: id %s, base %s; same = %v, want %v", tc.name, id, id0, id == id0, tc.same)
		}
	}
}

// The constrained canonical form of CBV 2.0's event hash rules, as GS1's
// reference implementation writes it.
func TestCanonicalURI(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://tem.ocop.vn/01/08934588012228/10/L2501/21/42", "https://id.gs1.org/01/08934588012228/21/42"},
		{"https://tem.ocop.vn/01/08934588012228/10/L%2F01/21/42", "https://id.gs1.org/01/08934588012228/21/42"},
		{"http://localhost:8080/base/01/08934588012228/21/42?linkType=all", "https://id.gs1.org/01/08934588012228/21/42"},
		{"https://example.com/01/8934588012228/10/L1", "https://id.gs1.org/01/08934588012228/10/L1"},
		{"https://example.com/gtin/96385074/lot/L1/ser/5", "https://id.gs1.org/01/00000096385074/21/5"},
		{"https://example.com/01/08934588012228/22/V1/10/L1", "https://id.gs1.org/01/08934588012228/10/L1"},
		{"https://example.com/01/08934588012228/", "https://id.gs1.org/01/08934588012228"},
		{"https://id.gs1.org/414/8930000000019", "https://id.gs1.org/414/8930000000019"},
		{"https://example.com/414/4012345000115/254/7", "https://id.gs1.org/414/4012345000115/254/7"},
		{"https://id.gs1.de/00/040123451111111110", "https://id.gs1.org/00/040123451111111110"},
		// Not GS1 Digital Link: kept as they are.
		{"HTTP://LOCALHOST:8080/V/AFLEOWVHAAAAAEWWQ4AAAABKAAAA", "HTTP://LOCALHOST:8080/V/AFLEOWVHAAAAAEWWQ4AAAABKAAAA"},
		{"https://tem.ocop.vn/epcis/loc/producer/01", "https://tem.ocop.vn/epcis/loc/producer/01"},
		{"https://tem.ocop.vn/epcis/loc/retailer/gln", "https://tem.ocop.vn/epcis/loc/retailer/gln"},
		{"https://example.com/01/0893458801222/21/1", "https://id.gs1.org/01/00893458801222/21/1"},               // any 13 digits are a GTIN-13
		{"https://example.com/01/08934588012228/21/1/10/L1", "https://example.com/01/08934588012228/21/1/10/L1"}, // qualifiers out of order
		{"https://example.com/01/08934588012228/21", "https://example.com/01/08934588012228/21"},
		{"geo:47.506694,11.104301", "geo:47.506694,11.104301"},
	} {
		e := epcis.Event{Time: time.Unix(0, 0), Offset: "+00:00", Action: epcis.Observe, EPCs: []string{tc.in}}
		pre, err := e.PreHash()
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		got := strings.TrimSuffix(strings.TrimPrefix(pre, "eventType=ObjectEventeventTime=1970-01-01T00:00:00.000ZeventTimeZoneOffset=+00:00epcListepc="), "action=OBSERVE")
		if got != tc.want {
			t.Errorf("%s → %s, want %s", tc.in, got, tc.want)
		}
	}
}
