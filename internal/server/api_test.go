package server_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// apiFields calls f with every field of every message of the public API
// (package estamp.v1), nested messages included, and returns how many
// messages it saw.
func apiFields(t *testing.T, f func(protoreflect.FieldDescriptor)) int {
	t.Helper()
	// Linked in through estampv1, so that the registry holds its files.
	_ = estampv1.File_estamp_v1_registry_proto
	var walk func(protoreflect.MessageDescriptors) int
	walk = func(ms protoreflect.MessageDescriptors) int {
		n := 0
		for i := range ms.Len() {
			m := ms.Get(i)
			n++
			for j := range m.Fields().Len() {
				f(m.Fields().Get(j))
			}
			n += walk(m.Messages())
		}
		return n
	}
	n := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("estamp.v1", func(fd protoreflect.FileDescriptor) bool {
		n += walk(fd.Messages())
		return true
	})
	if n < 50 {
		t.Fatalf("only %d messages in package estamp.v1: the registry does not hold the API", n)
	}
	return n
}

// Every moment in the API is a google.protobuf.Timestamp named *_time
// (AIP-142), so that a client reading JSON or Go can tell a moment from
// a date (a string, YYYY-MM-DD) or a count by its name alone: AuditEntry's
// "time" and IssuerKey's "not_before" were the odd ones out.
func TestTimestampFieldsEndInTime(t *testing.T) {
	timestamp := (&timestamppb.Timestamp{}).ProtoReflect().Descriptor().FullName()
	var odd, seen []string
	apiFields(t, func(f protoreflect.FieldDescriptor) {
		isTimestamp := f.Message() != nil && f.Message().FullName() == timestamp
		hasSuffix := strings.HasSuffix(string(f.Name()), "_time")
		if isTimestamp {
			seen = append(seen, string(f.FullName()))
		}
		if isTimestamp != hasSuffix {
			odd = append(odd, string(f.FullName())+" ("+f.Kind().String()+")")
		}
	})
	slices.Sort(odd)
	if len(odd) > 0 {
		t.Errorf("a field is a Timestamp exactly when its name ends in _time; these are not:\n%s", strings.Join(odd, "\n"))
	}
	if len(seen) < 15 {
		t.Errorf("only %d Timestamp fields found: %v", len(seen), seen)
	}
}
