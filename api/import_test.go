package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

func TestImportAllOrNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	future := e.clock.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	past := e.clock.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
	local := e.clock.Now().Add(72*time.Hour).In(time.UTC).Format("2006-01-02") + " 09:30"
	imp := func(body string) *response {
		return e.do(req{method: "POST", path: "/v1/posts/import?tz=Europe/Paris", secret: e.secrets[rythme.RoleEditor], body: body,
			header: map[string]string{"Content-Type": "text/csv"}})
	}
	bad := "content,scheduled_at,accounts,tags\n" +
		"Good one," + future + "," + acc.ID + ",launch\n" +
		"Too late," + past + "," + acc.ID + ",\n" +
		"," + future + "," + acc.ID + ",\n" +
		"Nobody," + future + "," + rythme.NewID(rythme.PrefixAccount) + ",\n" +
		strings.Repeat("x", 150) + "," + future + "," + acc.ID + ",\n"
	res := imp(bad)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a file with bad rows: %d %s", res.Status, res.Body)
	}
	er := res.err(t)
	for _, want := range []string{"rows[2].scheduled_at", "rows[3].content", "rows[4].accounts[0]", "rows[5].content"} {
		if !er.hasField(want) {
			t.Errorf("no error on %s: %s", want, res.Body)
		}
	}
	if !strings.Contains(string(res.Body), "line 3") {
		t.Errorf("errors do not give the line: %s", res.Body)
	}
	if list := e.as(rythme.RoleViewer, "GET", "/v1/posts", nil); strings.Contains(string(list.Body), "Good one") {
		t.Fatal("a post was scheduled from a file with bad rows")
	}
	res = imp("content,scheduled_at,accounts,tags\n" +
		"Good one," + future + "," + acc.ID + ",launch;green\n" +
		"Local time in Paris," + local + "," + acc.ID + ",\n")
	expect(t, res, http.StatusCreated)
	var out struct {
		Created int      `json:"created"`
		PostIDs []string `json:"post_ids"`
	}
	res.decode(t, &out)
	if out.Created != 2 || len(out.PostIDs) != 2 {
		t.Fatalf("import: %+v", out)
	}
	var p struct {
		ScheduledAt time.Time `json:"scheduled_at"`
		Timezone    string    `json:"timezone"`
		Tags        []string  `json:"tags"`
	}
	e.as(rythme.RoleViewer, "GET", "/v1/posts/"+out.PostIDs[1], nil).decode(t, &p)
	paris, _ := time.LoadLocation("Europe/Paris")
	if p.ScheduledAt.In(paris).Format("15:04") != "09:30" || p.Timezone != "Europe/Paris" {
		t.Fatalf("a local time is read in the file's zone: %+v", p)
	}
	e.as(rythme.RoleViewer, "GET", "/v1/posts/"+out.PostIDs[0], nil).decode(t, &p)
	if len(p.Tags) != 2 {
		t.Fatalf("tags %v", p.Tags)
	}
	if res := e.do(req{method: "POST", path: "/v1/posts/import", secret: e.secrets[rythme.RoleEditor], body: "x",
		header: map[string]string{"Content-Type": "text/plain"}}); res.Status != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain: %d", res.Status)
	}
	expect(t, e.do(req{method: "POST", path: "/v1/posts/import", secret: e.secrets[rythme.RoleViewer], body: "x",
		header: map[string]string{"Content-Type": "text/csv"}}), http.StatusForbidden)
}

// TestImportReportsDSTAdjustments: local times that a DST change made
// impossible or ambiguous are scheduled by the documented rule and listed.
func TestImportReportsDSTAdjustments(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	e.clock.now = utc("2027-03-01T10:00:00Z")
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	res := e.do(req{method: "POST", path: "/v1/posts/import?tz=America/New_York", secret: e.secrets[rythme.RoleEditor],
		header: map[string]string{"Content-Type": "text/csv"},
		body: "content,scheduled_at,accounts\n" +
			"Spring,2027-03-14 02:30," + acc.ID + "\n" +
			"Autumn,2027-11-07 01:30," + acc.ID + "\n" +
			"Plain,2027-03-15 09:00," + acc.ID + "\n"})
	expect(t, res, http.StatusCreated)
	var out struct {
		Adjustments []struct {
			Field       string    `json:"field"`
			Local       string    `json:"local"`
			Resolution  string    `json:"resolution"`
			ScheduledAt time.Time `json:"scheduled_at"`
		} `json:"adjustments"`
	}
	res.decode(t, &out)
	if len(out.Adjustments) != 2 {
		t.Fatalf("adjustments = %+v", out.Adjustments)
	}
	spring, autumn := out.Adjustments[0], out.Adjustments[1]
	// 02:30 never happens on 14 March 2027 in New York: 03:30 EDT (07:30 UTC).
	if spring.Field != "rows[1].scheduled_at" || spring.Local != "2027-03-14 02:30" || spring.Resolution != "gap_shifted" ||
		!spring.ScheduledAt.Equal(utc("2027-03-14T07:30:00Z")) {
		t.Errorf("spring = %+v", spring)
	}
	// 01:30 happens twice on 7 November 2027: the first, EDT (05:30 UTC).
	if autumn.Field != "rows[2].scheduled_at" || autumn.Local != "2027-11-07 01:30" || autumn.Resolution != "fold_first" ||
		!autumn.ScheduledAt.Equal(utc("2027-11-07T05:30:00Z")) {
		t.Errorf("autumn = %+v", autumn)
	}
}
