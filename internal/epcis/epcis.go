// Package epcis writes a stamp's life as GS1 EPCIS 2.0 events: what
// Vietnam's traceability rules (Circular 02/2024/TT-BKHCN, TCVN 12850) ask
// for per stage, in the format the national traceability portal and GS1
// trading partners read. docs/epcis.md maps each estamp step to its event.
//
// The package is pure: it knows nothing of the store. Callers hand it the
// facts (times, stamp and location identifiers, lot data) and get back a
// JSON-LD document whose event ids are the CBV 2.0 event hash, so the same
// event exported twice, by estamp or by anyone recomputing it, has the
// same id. Errors are plain: they describe a caller's mistake, not input
// from a user.
package epcis

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// VietnamOffset is the eventTimeZoneOffset of every event estamp records:
// its producers and shops are all in Vietnam, which keeps UTC+7 all year.
// A test holds it to the zone internal/ocop computes.
const VietnamOffset = "+07:00"

// Action is what an ObjectEvent does to its objects' identifiers.
type Action string

// The three actions of EPCIS 2.0.
const (
	// Add: the identifiers were commissioned by this event.
	Add Action = "ADD"
	// Observe: the identifiers existed before and go on existing.
	Observe Action = "OBSERVE"
	// Delete: the identifiers cease to be used (decommissioned, destroyed).
	Delete Action = "DELETE"
)

// The CBV 2.0 business steps and dispositions estamp records, in bare
// string form as EPCIS 2.0 JSON-LD writes standard vocabulary.
const (
	StepCommissioning   = "commissioning"
	StepReceiving       = "receiving"
	StepRetailSelling   = "retail_selling"
	StepHolding         = "holding"
	StepDecommissioning = "decommissioning"

	DispActive     = "active"
	DispInProgress = "in_progress"
	DispRetailSold = "retail_sold"
	DispRecalled   = "recalled"
	DispInactive   = "inactive"
)

// cbvBizSteps and cbvDispositions are the standard vocabularies of CBV 2.0
// (the enums of GS1's EPCIS 2.0 JSON Schema). Only these can be written
// in bare form; anything else would need a URI of its own vocabulary,
// which estamp has no use for.
var cbvBizSteps = map[string]bool{
	"accepting": true, "arriving": true, "assembling": true, "collecting": true, "commissioning": true,
	"consigning": true, "creating_class_instance": true, "cycle_counting": true, "decommissioning": true,
	"departing": true, "destroying": true, "disassembling": true, "dispensing": true, "encoding": true,
	"entering_exiting": true, "holding": true, "inspecting": true, "installing": true, "killing": true,
	"loading": true, "other": true, "packing": true, "picking": true, "receiving": true, "removing": true,
	"repackaging": true, "repairing": true, "replacing": true, "reserving": true, "retail_selling": true,
	"shipping": true, "staging_outbound": true, "stock_taking": true, "stocking": true, "storing": true,
	"transporting": true, "unloading": true, "unpacking": true, "void_shipping": true,
	"sensor_reporting": true, "sampling": true,
}

var cbvDispositions = map[string]bool{
	"active": true, "container_closed": true, "damaged": true, "destroyed": true, "dispensed": true,
	"disposed": true, "encoded": true, "expired": true, "in_progress": true, "in_transit": true,
	"inactive": true, "no_pedigree_match": true, "non_sellable_other": true, "partially_dispensed": true,
	"recalled": true, "reserved": true, "retail_sold": true, "returned": true, "sellable_accessible": true,
	"sellable_not_accessible": true, "stolen": true, "unknown": true, "available": true,
	"completeness_verified": true, "completeness_inferred": true, "conformant": true,
	"container_open": true, "mismatch_instance": true, "mismatch_class": true, "mismatch_quantity": true,
	"needs_replacement": true, "non_conformant": true, "unavailable": true,
}

// Event is one EPCIS ObjectEvent: the only event type estamp records,
// since a stamp is one object with one identifier. The constructors below
// fill it for each step of a stamp's life; the fields are exported so a
// test can state GS1's published examples too.
type Event struct {
	// Time is when it happened. It is written, and hashed, to the
	// millisecond, rounded as the CBV event hash rounds.
	Time time.Time
	// Offset is eventTimeZoneOffset, "+hh:mm" or "-hh:mm".
	Offset string
	Action Action
	// BizStep and Disposition are bare CBV 2.0 words, or "".
	BizStep     string
	Disposition string
	// EPCs identify the stamps: GS1 Digital Link URIs or stamp URLs
	// (Scheme.Stamp makes them). At least one, no repeats.
	EPCs []string
	// ReadPoint is where the event happened; BizLocation where the
	// objects are afterwards. Either may be "" (see docs/epcis.md).
	ReadPoint   string
	BizLocation string
	// ILMD is the lot data a commissioning (ADD) event gives its objects.
	ILMD ILMD
}

// ILMD is instance/lot master data: set once, when stamps are
// commissioned, and true of them for the rest of their life.
type ILMD struct {
	// Lot is cbvmda:lotNumber (số lô).
	Lot string
	// ProductionDate is gs1:productionDate (GS1 AI 11), YYYY-MM-DD: CBV
	// 2.0 has no production date, the GS1 Web Vocabulary has.
	ProductionDate string
	// BestBeforeDate is cbvmda:bestBeforeDate, YYYY-MM-DD: a statement
	// about quality ("sử dụng tốt nhất trước").
	BestBeforeDate string
	// ExpirationDate is cbvmda:itemExpirationDate, YYYY-MM-DD: not to be
	// used after ("hạn sử dụng", what estamp's expiry date records).
	ExpirationDate string
}

func (m ILMD) empty() bool { return m == ILMD{} }

// Commissioning is the event of stamps put on goods: at activation, when
// the producer binds a range of labels to a lot, or at issuance for a
// batch issued with its lot. producer is where (readPoint and
// bizLocation: the goods are there afterwards).
func Commissioning(at time.Time, epcs []string, producer string, lot ILMD) Event {
	return Event{Time: at, Offset: VietnamOffset, Action: Add, BizStep: StepCommissioning, Disposition: DispActive,
		EPCs: epcs, ReadPoint: producer, BizLocation: producer, ILMD: lot}
}

// Receiving is a shop's intake of goods bearing the stamps.
func Receiving(at time.Time, epcs []string, shop string) Event {
	return Event{Time: at, Offset: VietnamOffset, Action: Observe, BizStep: StepReceiving, Disposition: DispInProgress,
		EPCs: epcs, ReadPoint: shop, BizLocation: shop}
}

// RetailSale is a sale at a shop's till. There is no bizLocation: sold
// goods leave with the buyer, and EPCIS has no location for a home.
func RetailSale(at time.Time, epcs []string, shop string) Event {
	return Event{Time: at, Offset: VietnamOffset, Action: Observe, BizStep: StepRetailSelling, Disposition: DispRetailSold,
		EPCs: epcs, ReadPoint: shop}
}

// Recall is the recall of a lot: its goods may no longer be sold for
// reasons of safety. where is the producer's location, where the recall
// is declared; there is no bizLocation, the goods being wherever they were.
func Recall(at time.Time, epcs []string, where string) Event {
	return Event{Time: at, Offset: VietnamOffset, Action: Observe, BizStep: StepHolding, Disposition: DispRecalled,
		EPCs: epcs, ReadPoint: where}
}

// Revocation is the revocation of single stamps (a stolen roll, a
// damaged or misprinted label): their identifiers are no longer good, and
// the goods may be labelled anew.
func Revocation(at time.Time, epcs []string, where string) Event {
	return Event{Time: at, Offset: VietnamOffset, Action: Delete, BizStep: StepDecommissioning, Disposition: DispInactive,
		EPCs: epcs, ReadPoint: where}
}

var offsetPattern = regexp.MustCompile(`^[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)$`)

// check reports the first thing that makes e not an event this package
// can write and hash faithfully.
func (e Event) check() error {
	switch {
	case e.Time.IsZero():
		return errors.New("no eventTime")
	case !offsetPattern.MatchString(e.Offset):
		return fmt.Errorf("eventTimeZoneOffset %q is not ±hh:mm", e.Offset)
	case e.Action != Add && e.Action != Observe && e.Action != Delete:
		return fmt.Errorf("action %q is not ADD, OBSERVE or DELETE", e.Action)
	case e.BizStep != "" && !cbvBizSteps[e.BizStep]:
		return fmt.Errorf("bizStep %q is not a CBV 2.0 business step", e.BizStep)
	case e.Disposition != "" && !cbvDispositions[e.Disposition]:
		return fmt.Errorf("disposition %q is not a CBV 2.0 disposition", e.Disposition)
	case len(e.EPCs) == 0:
		return errors.New("no stamps in epcList")
	case !e.ILMD.empty() && e.Action != Add:
		// In EPCIS 2.0 ILMD describes objects as they are created.
		return fmt.Errorf("ilmd on a %s event; only ADD events carry it", e.Action)
	}
	seen := make(map[string]bool, len(e.EPCs))
	for _, epc := range e.EPCs {
		if err := checkURI(epc); err != nil {
			return fmt.Errorf("epcList: %w", err)
		}
		if seen[epc] {
			return fmt.Errorf("epcList: %q twice", epc)
		}
		seen[epc] = true
	}
	for _, loc := range []struct{ name, uri string }{{"readPoint", e.ReadPoint}, {"bizLocation", e.BizLocation}} {
		if loc.uri == "" {
			continue
		}
		if err := checkURI(loc.uri); err != nil {
			return fmt.Errorf("%s: %w", loc.name, err)
		}
	}
	return e.ILMD.check()
}

func (m ILMD) check() error {
	if m.Lot != "" {
		if !utf8.ValidString(m.Lot) || strings.TrimSpace(m.Lot) != m.Lot {
			return fmt.Errorf("ilmd lot %q: not trimmed UTF-8", m.Lot)
		}
		for _, r := range m.Lot {
			if unicode.IsControl(r) {
				return fmt.Errorf("ilmd lot %q: control character", m.Lot)
			}
		}
	}
	for _, d := range []struct{ name, value string }{
		{"production date", m.ProductionDate}, {"best-before date", m.BestBeforeDate}, {"expiration date", m.ExpirationDate},
	} {
		if d.value == "" {
			continue
		}
		if t, err := time.Parse(time.DateOnly, d.value); err != nil || t.Format(time.DateOnly) != d.value {
			return fmt.Errorf("ilmd %s %q is not YYYY-MM-DD", d.name, d.value)
		}
	}
	return nil
}

// checkURI accepts the absolute URIs an epcList or a location may hold.
// EPC URNs (urn:epc:…) are refused: the event hash would have to rewrite
// them as Digital Link URIs, and estamp never writes them.
func checkURI(s string) error {
	for _, r := range s {
		if r <= ' ' || r >= 0x7f {
			return fmt.Errorf("%q: URIs are ASCII without spaces", s)
		}
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return fmt.Errorf("%q is not an absolute URI", s)
	}
	if strings.HasPrefix(s, "urn:epc:") || strings.HasPrefix(s, "urn:epcglobal:") {
		return fmt.Errorf("%q: EPC URNs are not supported, use GS1 Digital Link", s)
	}
	return nil
}

// eventTime is t as EPCIS dates are written here: UTC, milliseconds,
// "Z". Below a millisecond it rounds half up, as the CBV 2.0 event hash rounds
// the times it hashes, so the hash of the written event and of the event
// given are the same.
func eventTime(t time.Time) string {
	t = t.UTC()
	ms := t.Truncate(time.Millisecond)
	if t.Sub(ms) >= 500*time.Microsecond {
		ms = ms.Add(time.Millisecond)
	}
	return ms.Format("2006-01-02T15:04:05.000Z")
}
