// Package record names what estamp keeps about issued stamps, in the words
// the services and the store share: a stamp's record and state, a scan, an
// intake at a shop and the delivery it was part of, a request to revoke
// and what it revoked.
//
// The store imports these; the services read and write them without the
// store's vocabulary. What a stamp's state keeps of its scans, receipts
// and sale is decided by verification (verify.CountScan) and custody
// (custody.Receive, custody.Sell), and the store applies their folds
// inside its transactions.
package record

import (
	"time"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
)

// StampState is the mutable state of one issued stamp: its scans, the
// shops that received it, its revocation. A stamp nobody scanned, received
// or revoked has the zero state.
type StampState = storagev1.StampState

// Receipt is one shop's intakes of a stamp.
type Receipt = storagev1.Receipt

// Sale is a shop's sale of a stamp at its till.
type Sale = storagev1.Sale

// SaleStep is what a sale does to one stamp, as custody decides it.
type SaleStep int

const (
	// SaleNothing records nothing: the code is no genuine stamp, or the
	// stamp was sold by the very call now retried.
	SaleNothing SaleStep = iota
	// SaleSell records the sale in the stamp's state.
	SaleSell
	// SaleCopy records nothing in the stamp's state (its first sale
	// stands) but flags the stamp for the office: it was sold before.
	SaleCopy
)

// Stamp is what is on record about one issued stamp, read in one
// transaction: its batch, product, producer and state. A revoked stamp's
// state carries its revocation's time, reason and actor.
type Stamp struct {
	Batch    *estampv1.Batch
	Product  *estampv1.Product
	Producer *estampv1.Producer
	State    *StampState
	// Activation binds the stamp to its lot when its batch was issued
	// without one; nil for other batches, and for a stamp of such a
	// batch that was never activated.
	Activation *estampv1.Activation
	// Read is how the store read State, for the store alone: handed back
	// with the stamp's scan (Scan.Read), it lets the store answer the
	// state after the scan without reading the stamp again. Nil when the
	// store keeps no such note.
	Read any
}

// NotActivated reports whether the stamp belongs to a batch printed ahead
// and no activation covers it.
func (s *Stamp) NotActivated() bool {
	return s.Batch.GetIssuedInactive() && s.Activation == nil
}

// Scan is one verification of an issued stamp.
type Scan struct {
	Serial uint64
	Time   time.Time
	// Read is the Stamp.Read of the read that led to the scan, or nil.
	Read any
}

// Intake is one scanned stamp of a delivery, already checked offline: the
// serial and batch its signed code claims.
type Intake struct {
	Serial  uint64
	BatchID uint64
	// Issuer is the trust-list id of the province that issued the stamp
	// when it is not this service ("" for its own): such a stamp has no
	// record here, only its custody at this province's shops. Code is
	// its code as scanned, reported to that province.
	Issuer, Code string
	// ReceiptID is set by an intake that records a receipt of another
	// province's stamp and queues it to be reported there: the key of
	// the queued report, 0 when nothing was queued.
	ReceiptID uint64
}

// Delivery is custody's account of one delivery, which the store keeps
// beside the receipts it records, in the same commit: what the retailer
// and the office see of it later.
type Delivery struct {
	// Reference is the retailer's own for it (a delivery note number);
	// may be empty.
	Reference string
	// Codes is how many non-blank codes were scanned.
	Codes int
	// Verdicts counts the codes of each verdict, in verdict order.
	Verdicts []*estampv1.VerdictCount
	// Problems are the codes that were not accepted or already received,
	// in line order, every one of them: the store keeps the first
	// thousand, and flags each suspected copy.
	Problems []*estampv1.IntakeItem
}

// Activation is one request to bind serials of a batch issued without a
// lot to the lot they were put on.
type Activation struct {
	BatchID uint64
	// Ranges are the serials, ascending and disjoint; none for the whole
	// batch.
	Ranges                          []*estampv1.SerialRange
	Lot, ProductionDate, ExpiryDate string
	// Change.Actor is recorded with the revocation-list entry.
	Change audit.Change
}

// Revocation is one request to revoke: a whole batch, or serials.
type Revocation struct {
	BatchID uint64   // revoke this batch whole, unless Serials are given
	Serials []uint64 // revoke these; with BatchID they must belong to it
	Reason  string
	// Change.Actor is recorded with the revocation-list entries.
	Change audit.Change
}

// Revoked is what a revocation changed.
type Revoked struct {
	// Batch is the batch the request named, as it now stands; nil when it
	// named serials only.
	Batch *estampv1.Batch
	// Count is how many stamps it newly revoked.
	Count int
	// Versions are the revocation-list entries it added, in order.
	Versions []uint64
}

// Time reads a record's Unix-nanosecond field; zero stays the zero time.
func Time(unixNano int64) time.Time {
	if unixNano == 0 {
		return time.Time{}
	}
	return time.Unix(0, unixNano).UTC()
}
