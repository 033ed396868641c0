package verdict

import (
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// ForeignMessage is the sentence of an outcome of another province's
// stamp (IssuerID set), as Verify says it and verify --offline too: a
// genuine stamp names its issuer, and whether its revocation list was
// taken into account; any other verdict is told as for the own stamps.
func ForeignMessage(o Outcome) Words {
	switch {
	case o.Verdict == estampv1.Verdict_VERDICT_GENUINE && o.StatusTime.IsZero():
		return ForeignIssuer(o.IssuerName)
	case o.Verdict == estampv1.Verdict_VERDICT_GENUINE:
		return ForeignListed(o.IssuerName)
	}
	return Words{Sentence(o, ocop.VI), Sentence(o, ocop.EN)}
}
