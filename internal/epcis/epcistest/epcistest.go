// Package epcistest validates documents against GS1's official EPCIS 2.0
// JSON Schema, vendored in testdata/epcis-2.0/ with its licence and source: every
// test that exports events (package epcis's own, the service's, the
// CLI's) holds them to the same schema, set up the same way. Only tests
// import it.
package epcistest

import (
	"bytes"
	_ "embed"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaID is the schema's $id.
const SchemaID = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"

var (
	//go:embed testdata/epcis-2.0/EPCIS-JSON-Schema.json
	schemaJSON []byte
	// Example is GS1's example ObjectEvent with Digital Link identifiers.
	//
	//go:embed testdata/epcis-2.0/Example-ObjectEventWithDigitalLink.jsonld
	Example []byte
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

// Regexp compiles the schema's patterns with Go's regexp, reading ^(?!X)
// as "^X does not match", which is what it means when X has no lookaround
// of its own; anything else Go cannot compile is an error, so a new kind
// of pattern in a newer schema cannot pass unnoticed.
func Regexp(pattern string) (jsonschema.Regexp, error) {
	if m := negativeLookahead.FindStringSubmatch(pattern); m != nil && !strings.Contains(m[1], "(?") {
		x, err := regexp.Compile(`^(?:` + m[1] + `)`)
		if err != nil {
			return nil, err
		}
		return notMatching{pattern, x}, nil
	}
	return regexp.Compile(pattern)
}

// Compile returns GS1's schema with formats (uri, date-time) asserted;
// with blankNodes, its "uri" format also takes JSON-LD blank node
// identifiers (_:name). The schema writes "uri" for JSON-LD @id values,
// which may be blank nodes, and GS1's example names its document
// "_:document1"; estamp's documents have no blank nodes and are held to
// the strict format.
func Compile(blankNodes bool) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noFetch{})
	c.UseRegexpEngine(Regexp)
	c.AssertFormat()
	if blankNodes {
		c.RegisterFormat(&jsonschema.Format{Name: "uri", Validate: uriOrBlankNode})
	}
	if err := c.AddResource(SchemaID, doc); err != nil {
		return nil, err
	}
	return c.Compile(SchemaID)
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

// Validate reports why doc is not a valid EPCIS 2.0 document under sch,
// or nil.
func Validate(sch *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}
