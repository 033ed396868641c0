package epcis_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaFile is GS1's EPCIS 2.0 JSON Schema, vendored with its licence
// and source in testdata/epcis-2.0/README.md.
const (
	schemaFile = "testdata/epcis-2.0/EPCIS-JSON-Schema.json"
	schemaID   = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"
)

// noFetch refuses every URL: the schema is one inlined draft-07 file and
// the draft-07 meta-schema is built into the library, so a test that
// wanted the network would be validating against something else.
type noFetch struct{}

func (noFetch) Load(url string) (any, error) {
	return nil, fmt.Errorf("refusing to fetch %s: tests use the vendored schema only", url)
}

// negativeLookahead is a pattern ^(?!X): the schema writes two of them to
// refuse CBV URNs where bare words belong, and Go's regexp has no
// lookahead.
var negativeLookahead = regexp.MustCompile(`^\^\(\?!(.*)\)$`)

type notMatching struct {
	pattern string
	x       *regexp.Regexp
}

func (n notMatching) MatchString(s string) bool { return !n.x.MatchString(s) }
func (n notMatching) String() string            { return n.pattern }

// schemaRegexp compiles the schema's patterns with Go's regexp, reading
// ^(?!X) as "^X does not match", which is what it means when X has no
// lookaround of its own; anything else Go cannot compile is an error, so
// a new kind of pattern in a newer schema cannot pass unnoticed.
func schemaRegexp(pattern string) (jsonschema.Regexp, error) {
	if m := negativeLookahead.FindStringSubmatch(pattern); m != nil && !strings.Contains(m[1], "(?") {
		x, err := regexp.Compile(`^(?:` + m[1] + `)`)
		if err != nil {
			return nil, err
		}
		return notMatching{pattern, x}, nil
	}
	return regexp.Compile(pattern)
}

// compileSchema returns GS1's schema, with formats (uri, date-time)
// asserted.
func compileSchema(t testing.TB) *jsonschema.Schema {
	return compile(t, false)
}

// compile returns GS1's schema; with blankNodes, its "uri" format also
// takes JSON-LD blank node identifiers (_:name). The schema writes "uri"
// for JSON-LD @id values, which may be blank nodes, and GS1's example
// names its document "_:document1"; estamp's documents have no blank
// nodes and are held to the strict format.
func compile(t testing.TB, blankNodes bool) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noFetch{})
	c.UseRegexpEngine(schemaRegexp)
	c.AssertFormat()
	if blankNodes {
		c.RegisterFormat(&jsonschema.Format{Name: "uri", Validate: uriOrBlankNode})
	}
	if err := c.AddResource(schemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schemaID)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func uriOrBlankNode(v any) error {
	s, ok := v.(string)
	if !ok || len(s) > 2 && strings.HasPrefix(s, "_:") {
		return nil
	}
	if u, err := url.Parse(s); err != nil || !u.IsAbs() {
		return fmt.Errorf("%q is neither an absolute URI nor a blank node", s)
	}
	return nil
}

// validate reports why doc is not a valid EPCIS 2.0 document, or nil.
func validate(sch *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

// GS1's own example must pass: a validator set up to refuse it would make
// every other test here pass or fail for the wrong reason.
func TestSchemaAcceptsGS1Example(t *testing.T) {
	sch := compile(t, true)
	doc, err := os.ReadFile("testdata/epcis-2.0/Example-ObjectEventWithDigitalLink.jsonld")
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
	example, err := os.ReadFile("testdata/epcis-2.0/Example-ObjectEventWithDigitalLink.jsonld")
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
	doc, err := os.ReadFile("testdata/epcis-2.0/Example-ObjectEventWithDigitalLink.jsonld")
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
