package epcis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// ContextURL is the EPCIS 2.0 JSON-LD context. A document names it; no
// one needs to fetch it to read the document as JSON.
const ContextURL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

// prefixes repeats two prefixes of the standard context in the document
// itself, with the same values (which JSON-LD 1.1 allows of protected
// terms): GS1's reference hash generator expands the ILMD names cbvmda:…
// and gs1:… only with prefixes the document declares, and would otherwise
// compute other event ids than the ones written.
type prefixes struct {
	GS1    string `json:"gs1"`
	CBVMDA string `json:"cbvmda"`
}

type document struct {
	Context       []any  `json:"@context"`
	Type          string `json:"type"`
	SchemaVersion string `json:"schemaVersion"`
	CreationDate  string `json:"creationDate"`
	Body          body   `json:"epcisBody"`
}

type body struct {
	EventList []objectEvent `json:"eventList"`
}

type objectEvent struct {
	Type                string    `json:"type"`
	EventTime           string    `json:"eventTime"`
	EventTimeZoneOffset string    `json:"eventTimeZoneOffset"`
	EventID             string    `json:"eventID"`
	EPCList             []string  `json:"epcList"`
	Action              Action    `json:"action"`
	BizStep             string    `json:"bizStep,omitempty"`
	Disposition         string    `json:"disposition,omitempty"`
	ReadPoint           *location `json:"readPoint,omitempty"`
	BizLocation         *location `json:"bizLocation,omitempty"`
	ILMD                *ilmd     `json:"ilmd,omitempty"`
}

type location struct {
	ID string `json:"id"`
}

type ilmd struct {
	Lot            string `json:"cbvmda:lotNumber,omitempty"`
	ProductionDate string `json:"gs1:productionDate,omitempty"`
	BestBeforeDate string `json:"cbvmda:bestBeforeDate,omitempty"`
	ExpirationDate string `json:"cbvmda:itemExpirationDate,omitempty"`
}

// Document returns an EPCIS 2.0 JSON-LD EPCISDocument of the events, in
// the order given, created at created. The bytes depend on nothing else:
// the same events give the same document, so an export can be compared
// with an earlier one.
func Document(events []Event, created time.Time) ([]byte, error) {
	if created.IsZero() {
		return nil, fmt.Errorf("epcis: document without a creation date")
	}
	doc := document{
		Context:       []any{ContextURL, prefixes{GS1: nsGS1, CBVMDA: nsCBVMDA}},
		Type:          "EPCISDocument",
		SchemaVersion: "2.0",
		CreationDate:  eventTime(created),
		Body:          body{EventList: make([]objectEvent, 0, len(events))},
	}
	for i, e := range events {
		if err := e.check(); err != nil {
			return nil, fmt.Errorf("epcis: event %d: %w", i, err)
		}
		id, err := e.ID()
		if err != nil {
			return nil, err
		}
		oe := objectEvent{
			Type:                "ObjectEvent",
			EventTime:           eventTime(e.Time),
			EventTimeZoneOffset: e.Offset,
			EventID:             id,
			EPCList:             e.EPCs,
			Action:              e.Action,
			BizStep:             e.BizStep,
			Disposition:         e.Disposition,
		}
		if e.ReadPoint != "" {
			oe.ReadPoint = &location{e.ReadPoint}
		}
		if e.BizLocation != "" {
			oe.BizLocation = &location{e.BizLocation}
		}
		if !e.ILMD.empty() {
			oe.ILMD = &ilmd{Lot: e.ILMD.Lot, ProductionDate: e.ILMD.ProductionDate,
				BestBeforeDate: e.ILMD.BestBeforeDate, ExpirationDate: e.ILMD.ExpirationDate}
		}
		doc.Body.EventList = append(doc.Body.EventList, oe)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	// A lot such as "A&B" reads as written; JSON needs no HTML escaping.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("epcis: %w", err)
	}
	return out.Bytes(), nil
}
