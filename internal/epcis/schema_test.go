package epcis_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ocopvn/estamp/internal/epcis/epcistest"
)

// compileSchema returns GS1's schema, with formats (uri, date-time)
// asserted.
func compileSchema(t testing.TB) *jsonschema.Schema {
	return compile(t, false)
}

// compile returns GS1's schema; with blankNodes, "uri" also takes JSON-LD
// blank nodes (epcistest.Compile).
func compile(t testing.TB, blankNodes bool) *jsonschema.Schema {
	t.Helper()
	sch, err := epcistest.Compile(blankNodes)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validate(sch *jsonschema.Schema, doc []byte) error { return epcistest.Validate(sch, doc) }

var schemaRegexp = epcistest.Regexp

// GS1's own example must pass: a validator set up to refuse it would make
// every other test here pass or fail for the wrong reason.
func TestSchemaAcceptsGS1Example(t *testing.T) {
	sch := compile(t, true)
	doc, err := bytes.Clone(epcistest.Example), error(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(sch, doc); err != nil {
		t.Fatalf("GS1's example does not validate: %v", err)
	}
}

// The validator refuses what the schema refuses: each change to GS1's
// example breaks one rule, among them the two lookahead patterns and a
// format, which would pass silently if patterns or formats were ignored.
func TestSchemaRefuses(t *testing.T) {
	sch := compile(t, true)
	example, err := bytes.Clone(epcistest.Example), error(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, old, new string }{
		{"unknown action", `"action": "OBSERVE",`, `"action": "MOVE",`},
		{"CBV URN as bizStep", `"bizStep": "shipping"`, `"bizStep": "urn:epcglobal:cbv:bizstep:shipping"`},
		{"CBV URN as disposition", `"disposition": "in_progress"`, `"disposition": "urn:epcglobal:cbv:disp:in_progress"`},
		{"time zone offset", `"eventTimeZoneOffset": "-06:00",
        "readPoint": {"id": "urn:epc:id:sgln:0012345.11111.400"}`, `"eventTimeZoneOffset": "-6:00",
        "readPoint": {"id": "urn:epc:id:sgln:0012345.11111.400"}`},
		{"relative URI in epcList", `"https://id.gs1.org/01/70614141123451/21/2017"`, `"01/70614141123451/21/2017"`},
		{"no eventTime", `"eventTime": "2005-04-04T20:33:31.116-06:00",`, ``},
		{"not a date-time", `"creationDate": "2005-07-11T11:30:47.0Z"`, `"creationDate": "11/07/2005"`},
		{"no schemaVersion", `"schemaVersion": "2.0",`, ``},
	} {
		doc := strings.Replace(string(example), tc.old, tc.new, 1)
		if doc == string(example) {
			t.Fatalf("%s: the example has no %q", tc.name, tc.old)
		}
		err := validate(sch, []byte(doc))
		var verr *jsonschema.ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("%s: validated (%v), want a validation error", tc.name, err)
		}
	}
}

// Held to the strict "uri" format, GS1's example fails on its blank node
// id and nothing else: formats are asserted for estamp's documents.
func TestSchemaStrictURI(t *testing.T) {
	doc, err := bytes.Clone(epcistest.Example), error(nil)
	if err != nil {
		t.Fatal(err)
	}
	err = validate(compileSchema(t), doc)
	if err == nil || !strings.Contains(err.Error(), "'/id'") || !strings.Contains(err.Error(), "_:document1") {
		t.Errorf("strict validation of GS1's example = %v, want a failure at /id", err)
	}
	fixed := strings.Replace(string(doc), `"_:document1"`, `"https://id.example.org/document1"`, 1)
	if err := validate(compileSchema(t), []byte(fixed)); err != nil {
		t.Errorf("GS1's example with a URI id: %v", err)
	}
}

func TestSchemaRegexp(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		match      bool
	}{
		{`^(?!(urn:epcglobal:cbv|https?:\/\/ns\.gs1\.org/cbv\/))`, "https://example.com/step", true},
		{`^(?!(urn:epcglobal:cbv|https?:\/\/ns\.gs1\.org/cbv\/))`, "urn:epcglobal:cbv:bizstep:shipping", false},
		{`^(?!(urn:epcglobal:cbv|https?:\/\/ns\.gs1\.org/cbv\/))`, "http://ns.gs1.org/cbv/x", false},
		{`^(?!(urn:epcglobal:cbv|https?:\/\/ns\.gs1\.org/cbv\/))`, "x-urn:epcglobal:cbv", true},
		{`^(?!(https?:\/\/gs1\.org\/voc\/|https?:\/\/www\.gs1\.org\/voc\/))`, "https://www.gs1.org/voc/x", false},
		{`^(?!(https?:\/\/gs1\.org\/voc\/|https?:\/\/www\.gs1\.org\/voc\/))`, "https://example.org/voc/x", true},
		{`^[A-Z0-9]{2,3}$`, "KGM", true},
		{`^[A-Z0-9]{2,3}$`, "KG", true},
		{`^[A-Z0-9]{2,3}$`, "kgm", false},
	} {
		re, err := schemaRegexp(tc.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		if got := re.MatchString(tc.s); got != tc.match {
			t.Errorf("%s on %q = %v, want %v", tc.pattern, tc.s, got, tc.match)
		}
	}
	if _, err := schemaRegexp(`^(?!a(?=b))`); err == nil {
		t.Error("a nested lookaround compiled")
	}
}
