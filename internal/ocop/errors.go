// Package ocop holds the rules of the OCOP programme that every service
// applies: validation and normalisation of registry records, certificate
// validity, and the typed errors those rules produce.
//
// The errors here carry messages that are safe to show to a client; the
// gRPC layer maps them to status codes in one place.
//
// Every error says its reason twice: in English (Error, the status message
// API clients and logs read) and in Vietnamese (Vietnamese, sent beside it
// for the people at the console and the command line). The constructors
// take the Vietnamese first, so that a reason cannot be written without
// it; TestEveryReasonIsInVietnamese walks the source for calls that do.
package ocop

import (
	"fmt"
	"strings"
)

// LocaleVI is the locale of the Vietnamese message sent beside a status
// (errdetails.LocalizedMessage).
const LocaleVI = "vi-VN"

// InvalidError is input that breaks a rule: it names the field and why.
type InvalidError struct {
	Field  string
	Reason string
	// ReasonVI is Reason in Vietnamese.
	ReasonVI string
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Reason }

// Vietnamese is the error for a person: the field keeps its API name,
// which is what the person typed a flag or filled a form field for.
func (e *InvalidError) Vietnamese() string { return e.Field + ": " + e.ReasonVI }

// Invalid returns an *InvalidError; vi and en are formats of the same
// args (a Vietnamese sentence that orders them otherwise uses %[n]).
func Invalid(field, vi, en string, args ...any) error {
	return &InvalidError{Field: field, Reason: fmt.Sprintf(en, args...), ReasonVI: fmt.Sprintf(vi, args...)}
}

// NotFoundError is a reference to something that does not exist.
type NotFoundError struct {
	What string // "producer", "product", "batch"
	ID   string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %q not found", e.What, e.ID) }

// Vietnamese is the error for a person.
func (e *NotFoundError) Vietnamese() string {
	return fmt.Sprintf("không tìm thấy %s %q", WhatVI(e.What), e.ID)
}

// ConflictError is a create of something that already exists.
type ConflictError struct {
	What string
	ID   string
	// Detail, when set, follows the message: what the existing one is.
	Detail string
	// DetailVI is Detail in Vietnamese.
	DetailVI string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %q already exists", e.What, e.ID) + e.Detail
}

// Vietnamese is the error for a person.
func (e *ConflictError) Vietnamese() string {
	return fmt.Sprintf("%s %q đã có", WhatVI(e.What), e.ID) + e.DetailVI
}

// PreconditionError is a well-formed request the current state refuses,
// e.g. issuing stamps for a revoked certificate.
type PreconditionError struct {
	Reason string
	// ReasonVI is Reason in Vietnamese.
	ReasonVI string
}

func (e *PreconditionError) Error() string { return e.Reason }

// Vietnamese is the error for a person.
func (e *PreconditionError) Vietnamese() string { return e.ReasonVI }

// Precondition returns a *PreconditionError; vi and en are formats of the
// same args, as for Invalid.
func Precondition(vi, en string, args ...any) error {
	return &PreconditionError{Reason: fmt.Sprintf(en, args...), ReasonVI: fmt.Sprintf(vi, args...)}
}

// ExhaustedError is a limit of the issuer that is used up for good, such
// as the 48-bit serial space: not the caller's mistake, not something a
// retry fixes.
type ExhaustedError struct {
	What string
}

func (e *ExhaustedError) Error() string { return e.What + " exhausted" }

// Vietnamese is the error for a person.
func (e *ExhaustedError) Vietnamese() string { return "đã dùng hết " + WhatVI(e.What) }

// whatVI names in Vietnamese what NotFoundError, ConflictError and
// ExhaustedError are about. Their What is one of a few words written where
// the store and the services refuse (TestEveryWhatIsInVietnamese finds
// them); a What that qualifies one ("delivery of retailer CH-1") is
// translated by its longest known beginning.
var whatVI = map[string]string{
	"producer":             "chủ thể",
	"product":              "sản phẩm",
	"product named":        "sản phẩm tên",
	"producer named":       "chủ thể tên",
	"retailer":             "cửa hàng",
	"batch":                "lô tem",
	"stamp":                "tem",
	"token":                "token",
	"key":                  "khóa",
	"key state":            "trạng thái khóa",
	"account":              "tài khoản",
	"session":              "phiên đăng nhập",
	"photo":                "ảnh",
	"flag of stamp":        "cảnh báo của tem",
	"delivery of retailer": "lần giao hàng của cửa hàng",
	"batch ids":            "mã lô tem",
	"serial numbers":       "số sê-ri",
	"product numbers":      "số hiệu sản phẩm",
	"foreign shop":         "cửa hàng của tỉnh khác",
}

// WhatVI is what in Vietnamese; an unknown word is shown as it is.
func WhatVI(what string) string {
	if vi, ok := whatVI[what]; ok {
		return vi
	}
	best := ""
	for en := range whatVI {
		if strings.HasPrefix(what, en+" ") && len(en) > len(best) {
			best = en
		}
	}
	if best == "" {
		return what
	}
	return whatVI[best] + what[len(best):]
}
