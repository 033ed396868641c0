// Package ocop holds the rules of the OCOP programme that every service
// applies: validation and normalisation of registry records, certificate
// validity, and the typed errors those rules produce.
//
// The errors here carry messages that are safe to show to a client; the
// gRPC layer maps them to status codes in one place.
package ocop

import "fmt"

// InvalidError is input that breaks a rule: it names the field and why.
type InvalidError struct {
	Field  string
	Reason string
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Reason }

// Invalid returns an *InvalidError.
func Invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// NotFoundError is a reference to something that does not exist.
type NotFoundError struct {
	What string // "producer", "product", "batch"
	ID   string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %q not found", e.What, e.ID) }

// ConflictError is a create of something that already exists.
type ConflictError struct {
	What string
	ID   string
	// Detail, when set, follows the message: what the existing one is.
	Detail string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %q already exists", e.What, e.ID) + e.Detail
}

// PreconditionError is a well-formed request the current state refuses,
// e.g. issuing stamps for a revoked certificate.
type PreconditionError struct {
	Reason string
}

func (e *PreconditionError) Error() string { return e.Reason }

// Precondition returns a *PreconditionError.
func Precondition(format string, args ...any) error {
	return &PreconditionError{Reason: fmt.Sprintf(format, args...)}
}

// ExhaustedError is a limit of the issuer that is used up for good, such
// as the 48-bit serial space: not the caller's mistake, not something a
// retry fixes.
type ExhaustedError struct {
	What string
}

func (e *ExhaustedError) Error() string { return e.What + " exhausted" }
