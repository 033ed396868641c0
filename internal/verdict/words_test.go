package verdict_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"google.golang.org/protobuf/reflect/protoreflect"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/sourcetree"
	"github.com/ocopvn/estamp/internal/verdict"
)

// causes are the causes each verdict is decided with (verdict.go).
var causes = map[estampv1.Verdict][]verdict.Cause{
	estampv1.Verdict_VERDICT_MALFORMED: {verdict.NotACode, verdict.NewerFormat, verdict.LookAlike},
	estampv1.Verdict_VERDICT_REVOKED:   {verdict.StampRevoked, verdict.BatchRevoked},
}

func values[E interface {
	Descriptor() protoreflect.EnumDescriptor
}](e E) []protoreflect.EnumNumber {
	var out []protoreflect.EnumNumber
	vs := e.Descriptor().Values()
	for i := range vs.Len() {
		if n := vs.Get(i).Number(); n != 0 {
			out = append(out, n)
		}
	}
	return out
}

// catalogue is every text the catalogue holds, by what it is.
func catalogue() map[string]verdict.Words {
	all := map[string]verdict.Words{}
	for _, n := range values(estampv1.Verdict(0)) {
		v := estampv1.Verdict(n)
		t := verdict.Tell(v, nil)
		all[v.String()+" label"], all[v.String()+" headline"], all[v.String()+" advice"] = t.Label, t.Headline, t.Advice
		cs, ok := causes[v]
		if !ok {
			cs = []verdict.Cause{verdict.NoCause}
		}
		for _, c := range cs {
			o := verdict.Outcome{Verdict: v, Cause: c}
			all[fmt.Sprintf("%v sentence %d", v, c)] = verdict.Words{VI: strings.TrimSpace(verdict.Sentence(o, ocop.VI)), EN: strings.TrimSpace(verdict.Sentence(o, ocop.EN))}
		}
	}
	copied := verdict.Tell(estampv1.Verdict_VERDICT_GENUINE, []estampv1.VerifyWarning{estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS})
	all["copied label"], all["copied headline"], all["copied advice"] = copied.Label, copied.Headline, copied.Advice
	genuine := verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_GENUINE}
	all["copied sentence"] = verdict.Message(genuine, 9, []estampv1.VerifyWarning{estampv1.VerifyWarning_VERIFY_WARNING_SEVERAL_RETAILERS})
	all["first scan"] = verdict.Message(genuine, 1, nil)
	all["scanned before"] = verdict.Message(genuine, 2, nil)
	for _, n := range values(estampv1.VerifyWarning(0)) {
		w := estampv1.VerifyWarning(n)
		all[w.String()] = verdict.Warning(w)
	}
	own := map[estampv1.IntakeVerdict]bool{}
	for _, n := range values(estampv1.IntakeVerdict(0)) {
		own[estampv1.IntakeVerdict(n)] = true
	}
	for _, n := range values(estampv1.Verdict(0)) {
		delete(own, verdict.IntakeOf(estampv1.Verdict(n))) // told as that verdict
	}
	for _, n := range values(estampv1.IntakeVerdict(0)) {
		v := estampv1.IntakeVerdict(n)
		all[v.String()+" label"] = verdict.IntakeLabel(v)
		if own[v] {
			all[v.String()+" sentence"] = verdict.IntakeSentence(v, verdict.Outcome{})
		}
	}
	return all
}

// Every verdict, warning and intake outcome is told in Vietnamese with its
// diacritics and in English, and a verdict added to the proto without
// words fails here instead of showing another verdict's.
func TestEveryOutcomeHasWords(t *testing.T) {
	for what, w := range catalogue() {
		hasDiacritic := strings.IndexFunc(w.VI, func(r rune) bool { return r > unicode.MaxASCII && unicode.IsLetter(r) }) >= 0
		if !hasDiacritic || w.EN == "" || w.VI == w.EN {
			t.Errorf("%s: %q / %q: want Vietnamese with diacritics, then English", what, w.VI, w.EN)
		}
	}
	malformed := verdict.Tell(estampv1.Verdict_VERDICT_MALFORMED, nil)
	labels := map[string]string{}
	for _, n := range values(estampv1.Verdict(0)) {
		v := estampv1.Verdict(n)
		t1 := verdict.Tell(v, nil)
		if v != estampv1.Verdict_VERDICT_MALFORMED && (t1.Headline == malformed.Headline || t1.Label == malformed.Label) {
			t.Errorf("%v is told as MALFORMED: it has no words of its own", v)
		}
		if t1.Tone == "" {
			t.Errorf("%v has no tone", v)
		}
		for _, c := range causes[v] {
			if s := verdict.Sentence(verdict.Outcome{Verdict: v, Cause: c}, ocop.VI); v != estampv1.Verdict_VERDICT_MALFORMED && c != verdict.NotACode &&
				s == verdict.Sentence(verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_MALFORMED, Cause: verdict.NotACode}, ocop.VI) {
				t.Errorf("%v cause %d has no sentence of its own", v, c)
			}
		}
		if other, dup := labels[t1.Label.VI]; dup {
			t.Errorf("%v and %s share the label %q", v, other, t1.Label.VI)
		}
		labels[t1.Label.VI] = v.String()
	}
}

func TestSentencesAndTellings(t *testing.T) {
	genuine := verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_GENUINE}
	revoked := verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_REVOKED, Cause: verdict.BatchRevoked, Reason: "Lỗi bao bì"}
	certRevoked := verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED, Reason: "Không tái đánh giá"}
	many := []estampv1.VerifyWarning{estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS}
	notRecorded := []estampv1.VerifyWarning{estampv1.VerifyWarning_VERIFY_WARNING_SCAN_NOT_RECORDED}
	tests := []struct {
		name     string
		o        verdict.Outcome
		scans    uint64
		warnings []estampv1.VerifyWarning
		vi, en   string // Message
		tone     verdict.Tone
		headline string
	}{
		{"genuine, no scan recorded (a HEAD request)", genuine, 0, nil, "Tem chính hãng.", "Genuine stamp.", verdict.ToneOK, "Sản phẩm chính hãng"},
		{"genuine, first scan", genuine, 1, nil, "Tem chính hãng. Đây là lần quét đầu tiên.", "Genuine stamp. This is its first scan.", verdict.ToneOK, "Sản phẩm chính hãng"},
		{"genuine, scanned before", genuine, 3, nil, "Tem chính hãng. Tem đã được quét trước đó; nếu bạn vừa mua hàng, hãy xem lịch sử quét.", "", verdict.ToneOK, "Sản phẩm chính hãng"},
		{"genuine, a full disk is not a sign of copying", genuine, 1, notRecorded, "Tem chính hãng. Đây là lần quét đầu tiên.", "", verdict.ToneOK, "Sản phẩm chính hãng"},
		{"genuine, scanned many times", genuine, 9, many, "Mã tem hợp lệ nhưng có dấu hiệu bị sao chép: tem đã được quét nhiều lần hoặc đã được nhiều cửa hàng nhận.", "", verdict.ToneWarn, "Sản phẩm chính hãng — cần lưu ý"},
		{"batch recalled, with the reason", revoked, 4, nil, "Cả lô hàng mang tem này đã bị thu hồi: Lỗi bao bì", "The whole lot this stamp belongs to has been recalled: Lỗi bao bì", verdict.ToneBad, "Tem đã bị thu hồi"},
		{"certificate revoked, with the reason", certRevoked, 1, nil, "Tem thật, nhưng giấy chứng nhận OCOP của sản phẩm đã bị thu hồi. Lý do: Không tái đánh giá", "Genuine stamp, but the product's OCOP certificate has been revoked. Reason: Không tái đánh giá", verdict.ToneBad, "Chứng nhận OCOP đã bị thu hồi"},
		{"altered code", verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_BAD_SIGNATURE}, 0, nil, "Mã trên tem đã bị sửa hoặc là mã giả.", "The code was altered or is a fake.", verdict.ToneBad, "Không phải tem chính hãng"},
		{"a verdict the catalogue does not know", verdict.Outcome{Verdict: 99}, 0, nil, "Đây không phải mã tem điện tử OCOP.", "", verdict.ToneBad, "Không nhận ra mã"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := verdict.Message(tt.o, tt.scans, tt.warnings)
			if m.VI != tt.vi || tt.en != "" && m.EN != tt.en {
				t.Errorf("Message = %q / %q, want %q / %q", m.VI, m.EN, tt.vi, tt.en)
			}
			tell := verdict.Tell(tt.o.Verdict, tt.warnings)
			if tell.Tone != tt.tone || tell.Headline.In(ocop.VI) != tt.headline {
				t.Errorf("Tell = %v %q, want %v %q", tell.Tone, tell.Headline.VI, tt.tone, tt.headline)
			}
		})
	}
	// Intake tells a verdict in Verify's sentence, reason included, and
	// its own outcomes in its own words.
	if got := verdict.IntakeSentence(verdict.IntakeOf(revoked.Verdict), revoked); got.VI != verdict.Sentence(revoked, ocop.VI) || got.EN != verdict.Sentence(revoked, ocop.EN) {
		t.Errorf("intake says a recall as %q", got.VI)
	}
	if got := verdict.IntakeLabel(estampv1.IntakeVerdict_INTAKE_VERDICT_BAD_SIGNATURE); got != verdict.Tell(estampv1.Verdict_VERDICT_BAD_SIGNATURE, nil).Label {
		t.Errorf("intake labels a bad signature %q", got.VI)
	}
	if got := verdict.IntakeSentence(estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY, verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_GENUINE}); !strings.Contains(got.VI, "cửa hàng khác") {
		t.Errorf("a suspected copy is told as %q", got.VI)
	}
}

// The words live in words.go alone: the server's sentence, the offline
// CLI's, the page's headlines, the CLI's labels and intake's messages had
// been five copies that said a bad signature five ways.
func TestWordsLiveInOneFile(t *testing.T) {
	sources, err := sourcetree.GoFiles(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for what, w := range catalogue() {
		for _, text := range []string{w.VI, w.EN} {
			if text == w.EN && strings.Count(text, " ") < 2 {
				continue // short English ("GENUINE") is also in identifiers
			}
			var in []string
			for path, src := range sources {
				if strings.Contains(src, text) {
					in = append(in, path)
				}
			}
			slices.Sort(in)
			if !slices.Equal(in, []string{"internal/verdict/words.go"}) {
				t.Errorf("%s %q is in %v, want only internal/verdict/words.go", what, text, in)
			}
		}
	}
}
