// Package trace tells the life of a lot's stamps as GS1 EPCIS 2.0 events,
// the format of Vietnam's traceability rules (Circular 02/2024/TT-BKHCN,
// TCVN 12850) and of its national portal: commissioning when labels go on
// goods (at issuance with a lot, or at activation), receiving at a shop's
// intake, retail selling at the till, and the recall of a lot or the
// revocation of single stamps.
//
// It reads what the store already keeps (batches, activations, stamp
// states) and writes no record of its own: the events are derived, so
// they can never disagree with what verification answers. Package epcis
// writes and hashes the document; docs/epcis.md maps each step.
package trace

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/epcis"
	"github.com/ocopvn/estamp/internal/insight"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/paging"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

// Store is what the export reads.
type Store interface {
	Product(ctx context.Context, id string) (*estampv1.Product, error)
	Producer(ctx context.Context, id string) (*estampv1.Producer, error)
	Retailer(ctx context.Context, id string) (*estampv1.Retailer, error)
	Batches(ctx context.Context, productID string, after uint64, limit int) ([]*estampv1.Batch, bool, error)
	Activations(ctx context.Context, batchID uint64) ([]*estampv1.Activation, error)
	StampStates(ctx context.Context, first, last uint64) ([]store.SerialState, error)
}

// Codes reproduces the signed codes of a batch: a stamp of a product
// without a GTIN is identified by its stamp URL.
type Codes interface {
	BatchStamps(ctx context.Context, id uint64) (*estampv1.Batch, []*estampv1.Stamp, error)
}

// Exporter builds EPCIS documents.
type Exporter struct {
	store  Store
	codes  Codes
	scheme epcis.Scheme
	now    func() time.Time
}

// New returns an exporter naming stamps and places under baseURL.
func New(st Store, codes Codes, baseURL string, now func() time.Time) (*Exporter, error) {
	scheme, err := epcis.NewScheme(baseURL)
	if err != nil {
		return nil, err
	}
	return &Exporter{store: st, codes: codes, scheme: scheme, now: now}, nil
}

// span is serials of one batch bound to one lot: a batch issued with its
// lot is one span, a roll printed ahead one per activation.
type span struct {
	batch       *estampv1.Batch
	first, last uint64
	lot         epcis.ILMD
	at          time.Time // commissioning
}

// Export builds the document of q's events, in time order. It implements
// insight.Events.
func (x *Exporter) Export(ctx context.Context, q insight.EventQuery) ([]byte, error) {
	product, err := x.store.Product(ctx, q.ProductID)
	if err != nil {
		return nil, err
	}
	producer, err := x.store.Producer(ctx, product.ProducerId)
	if err != nil {
		return nil, err
	}
	home, err := x.scheme.Producer(producer.Id, producer.GetGln())
	if err != nil {
		return nil, err
	}
	spans, err := x.spans(ctx, q)
	if err != nil {
		return nil, err
	}
	var events []epcis.Event
	keep := func(e epcis.Event) {
		if (q.Since.IsZero() || !e.Time.Before(q.Since)) && (q.Until.IsZero() || e.Time.Before(q.Until)) {
			events = append(events, e)
		}
	}
	shops := map[string]string{}
	shop := func(id string) (string, error) {
		if uri, ok := shops[id]; ok {
			return uri, nil
		}
		r, err := x.store.Retailer(ctx, id)
		gln := ""
		switch {
		case err == nil:
			gln = r.GetGln()
		case !isNotFound(err):
			return "", err
		}
		uri, err := x.scheme.Retailer(id, gln)
		shops[id] = uri
		return uri, err
	}
	signed := stampURLs{}
	for _, sp := range spans {
		ids, err := x.identify(ctx, product, sp, signed)
		if err != nil {
			return nil, err
		}
		all := make([]string, 0, len(ids))
		for s := sp.first; s <= sp.last; s++ {
			all = append(all, ids[s])
		}
		keep(epcis.Commissioning(sp.at, all, home, sp.lot))
		if sp.batch.Revoked {
			keep(epcis.Recall(sp.batch.RevokeTime.AsTime(), all, home))
		}
		states, err := x.store.StampStates(ctx, sp.first, sp.last)
		if err != nil {
			return nil, err
		}
		// Stamps observed together (one delivery, one sale, one
		// revocation) make one event.
		type key struct {
			kind  string
			where string
			at    int64
		}
		groups := map[key][]string{}
		var order []key
		add := func(k key, serial uint64) {
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], ids[serial])
		}
		for _, ss := range states {
			for _, rc := range ss.State.GetReceipts() {
				add(key{"receiving", rc.GetRetailerId(), rc.GetFirstUnixNano()}, ss.Serial)
			}
			if s := ss.State.GetSale(); s != nil {
				add(key{"selling", s.GetRetailerId(), s.GetTimeUnixNano()}, ss.Serial)
			}
			if rv := ss.State.GetRevocation(); rv != nil {
				add(key{"revocation", "", rv.GetTimeUnixNano()}, ss.Serial)
			}
		}
		for _, k := range order {
			at := record.Time(k.at)
			if k.kind == "revocation" {
				keep(epcis.Revocation(at, groups[k], home))
				continue
			}
			where, err := shop(k.where)
			if err != nil {
				return nil, err
			}
			if k.kind == "receiving" {
				keep(epcis.Receiving(at, groups[k], where))
			} else {
				keep(epcis.RetailSale(at, groups[k], where))
			}
		}
	}
	slices.SortStableFunc(events, func(a, b epcis.Event) int { return a.Time.Compare(b.Time) })
	return epcis.Document(events, x.now())
}

// spans are the serials q's lot covers, batch by batch.
func (x *Exporter) spans(ctx context.Context, q insight.EventQuery) ([]span, error) {
	var out []span
	for after := uint64(0); ; {
		batches, more, err := x.store.Batches(ctx, q.ProductID, after, paging.MaxSize)
		if err != nil {
			return nil, err
		}
		for _, b := range batches {
			after = b.Id
			if !b.IssuedInactive {
				if q.Lot == "" || b.Lot == q.Lot {
					out = append(out, span{batch: b, first: b.FirstSerial, last: b.FirstSerial + uint64(b.Quantity) - 1,
						lot: ilmd(b.Lot, b.ProductionDate, b.ExpiryDate), at: b.IssueTime.AsTime()})
				}
				continue
			}
			acts, err := x.store.Activations(ctx, b.Id)
			if err != nil {
				return nil, err
			}
			for _, a := range acts {
				if q.Lot != "" && a.Lot != q.Lot {
					continue
				}
				for _, r := range a.SerialRanges {
					out = append(out, span{batch: b, first: r.First, last: r.Last,
						lot: ilmd(a.Lot, a.ProductionDate, a.ExpiryDate), at: a.ActivateTime.AsTime()})
				}
			}
		}
		if !more {
			break
		}
	}
	slices.SortFunc(out, func(a, b span) int { return cmp.Compare(a.first, b.first) })
	return out, nil
}

// ilmd is a lot as EPCIS describes objects at commissioning: estamp's
// expiry date (hạn sử dụng) is CBV's item expiration date.
func ilmd(lot, production, expiry string) epcis.ILMD {
	return epcis.ILMD{Lot: lot, ProductionDate: production, ExpirationDate: expiry}
}

// stampURLs are the signed codes of batches, each batch signed once per
// export however many spans (activations) it has.
type stampURLs map[uint64]map[uint64]string

// identify names each stamp of a span: by GS1 Digital Link when its
// product has a GTIN, else by its signed stamp URL.
func (x *Exporter) identify(ctx context.Context, p *estampv1.Product, sp span, signed stampURLs) (map[uint64]string, error) {
	ids := make(map[uint64]string, sp.last-sp.first+1)
	urls := signed[sp.batch.Id]
	if p.GetGtin() == "" && urls == nil {
		_, stamps, err := x.codes.BatchStamps(ctx, sp.batch.Id)
		if err != nil {
			return nil, err
		}
		urls = make(map[uint64]string, len(stamps))
		for _, s := range stamps {
			urls[s.Serial] = s.Code
		}
		signed[sp.batch.Id] = urls
	}
	for s := sp.first; s <= sp.last; s++ {
		id, err := x.scheme.Stamp(epcis.Stamp{GTIN: p.GetGtin(), Lot: sp.lot.Lot, Serial: s, URL: urls[s]})
		if err != nil {
			return nil, fmt.Errorf("trace: stamp %d: %w", s, err)
		}
		ids[s] = id
	}
	return ids, nil
}

func isNotFound(err error) bool {
	var nf *ocop.NotFoundError
	return errors.As(err, &nf)
}
