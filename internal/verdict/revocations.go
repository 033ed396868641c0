package verdict

import (
	"maps"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
)

// Revocations is what an issuer's revocation list (ListRevocations, or
// its JSON at /.well-known/estamp-revocations.json) says of its stamps.
// The offline cache and the cache of other provinces' lists both read
// entries here, so that a list means the same wherever it is read.
type Revocations struct {
	stamps  []revokedRange                     // in list order: the first that holds a serial revoked it
	batches map[uint64]string                  // revoked batches -> reason
	pending map[uint64]bool                    // batches issued without a lot
	active  map[uint64][]*estampv1.SerialRange // their activated serials
	certs   map[uint32]*estampv1.Certificate   // by product number: the latest change
	entries int
}

// revokedRange is serials revoked together, and why.
type revokedRange struct {
	first, last uint64
	reason      string
}

// NewRevocations returns an empty list.
func NewRevocations() *Revocations {
	return &Revocations{batches: map[uint64]string{}, pending: map[uint64]bool{}, active: map[uint64][]*estampv1.SerialRange{}, certs: map[uint32]*estampv1.Certificate{}}
}

// Clone is a copy that entries can be added to while r is still read:
// a refresh that fails half-way then leaves r as it was.
func (r *Revocations) Clone() *Revocations {
	c := &Revocations{stamps: append([]revokedRange(nil), r.stamps...), batches: maps.Clone(r.batches), pending: maps.Clone(r.pending),
		active: make(map[uint64][]*estampv1.SerialRange, len(r.active)), certs: maps.Clone(r.certs), entries: r.entries}
	for b, rs := range r.active {
		c.active[b] = append([]*estampv1.SerialRange(nil), rs...)
	}
	return c
}

// Len is the number of entries added.
func (r *Revocations) Len() int { return r.entries }

// Add reads one entry; entries must come in list order.
func (r *Revocations) Add(e *estampv1.RevocationEntry) {
	r.entries++
	switch a := e.Activation; {
	case a != nil && a.Pending:
		r.pending[a.BatchId] = true
	case a != nil:
		r.active[a.BatchId] = append(r.active[a.BatchId], a.SerialRanges...)
	case e.Certificate != nil:
		cert := &estampv1.Certificate{ValidUntil: e.Certificate.ValidUntil}
		if e.Certificate.Revoked {
			cert.RevokeTime, cert.RevocationReason = e.RevokeTime, e.Reason
		}
		r.certs[e.Certificate.ProductNumber] = cert
	case len(e.SerialRanges) == 0:
		r.batches[e.BatchId] = e.Reason
	default:
		for _, s := range e.SerialRanges {
			r.stamps = append(r.stamps, revokedRange{s.First, s.Last, e.Reason})
		}
	}
}

// Record is what the list knows of a signed stamp: its revocations, and
// its product's certificate (the one the stamp carries, unless the list
// changed it). Base is left to the caller. Every signed stamp counts as
// issued: the list cannot tell otherwise.
func (r *Revocations) Record(claims stampcode.Claims) *Record {
	rec := &Record{ProductNumber: claims.ProductNumber, Certificate: &estampv1.Certificate{ValidUntil: ocop.FormatDate(claims.ValidUntil)}}
	rec.StampReason, rec.StampRevoked = r.stampRevocation(claims.Serial)
	batch := uint64(claims.BatchID)
	rec.BatchReason, rec.BatchRevoked = r.batches[batch]
	rec.NotActivated = r.pending[batch] && !r.activated(batch, claims.Serial)
	if cert, ok := r.certs[claims.ProductNumber]; ok {
		rec.Certificate = cert
	}
	return rec
}

// stampRevocation is the reason a serial was revoked, if it was: the
// issuer keeps the first revocation of a stamp, so the first range in
// list order that holds it.
func (r *Revocations) stampRevocation(serial uint64) (string, bool) {
	for _, s := range r.stamps {
		if s.first <= serial && serial <= s.last {
			return s.reason, true
		}
	}
	return "", false
}

// activated reports whether an activation covers a serial of a batch
// printed ahead.
func (r *Revocations) activated(batch, serial uint64) bool {
	for _, s := range r.active[batch] {
		if s.First <= serial && serial <= s.Last {
			return true
		}
	}
	return false
}
