package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// The labels of a batch leave its revoked stamps out, as the service does
// by default: the job draws the others, and the preview of the first page,
// which changes with each revocation, is not kept by the browser.
func TestLabelsLeaveOutRevokedStamps(t *testing.T) {
	e := start(t, false)
	b := e.person(t, "lan", estampv1.Role_ROLE_PRODUCER, producerA)
	id := b.issue(productA, "L-IN", 30)
	batch := "/console/producer/batches/" + strconv.FormatUint(id, 10)
	first := e.batchesOf(t, productA)[0].FirstSerial
	serials := strconv.FormatUint(first+1, 10) + "\n" + strconv.FormatUint(first+3, 10)
	if p := b.post(batch+"/revoke", url.Values{"target": {"stamps"}, "serials": {serials}, "reason": {"Nhãn in hỏng"}, "confirm": {"yes"}}); p.code != http.StatusSeeOther {
		t.Fatalf("revoke: %d\n%s", p.code, p.body)
	}

	p := b.get(batch + "?layout=a4-5x13")
	preview := regexp.MustCompile(`<img src="([^"]+)"`).FindStringSubmatch(p.body)
	if preview == nil {
		t.Fatalf("no preview on the batch page:\n%s", p.body)
	}
	img := b.get(strings.ReplaceAll(preview[1], "&amp;", "&"))
	if img.code != http.StatusOK || img.header.Get("Cache-Control") != "private, no-cache" {
		t.Errorf("preview: %d, Cache-Control %q", img.code, img.header.Get("Cache-Control"))
	}

	start := b.post(batch+"/labels", url.Values{"layout": {"a4-5x13"}})
	if start.code != http.StatusSeeOther {
		t.Fatalf("start: %d\n%s", start.code, start.body)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		ready := b.get(start.location)
		if strings.Contains(ready.body, "Tệp PDF đã sẵn sàng.") {
			if !strings.Contains(ready.body, "Đã dựng 28 / 28 nhãn") {
				t.Errorf("the job of a batch of 30 with 2 revoked:\n%s", ready.body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job did not finish:\n%s", ready.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
