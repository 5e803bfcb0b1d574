package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

func TestCampaignUTMAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	first := e.clock.Now().Add(48 * time.Hour).UTC().Format("2006-01-02")
	res := e.as(rythme.RoleEditor, "POST", "/v1/campaigns", map[string]any{"name": "Green week", "theme": "recycling", "first_day": first, "zone": "UTC",
		"days": []map[string]any{
			{"offset": 0, "items": []map[string]any{{"time": "10:00", "content": "Read https://ex.io/a#top", "targets": []string{acc.ID}}}},
			{"offset": 1, "items": []map[string]any{{"time": "10:00", "content": strings.Repeat("y", 70) + " https://ex.io/b", "targets": []string{acc.ID}}}},
		}})
	expect(t, res, http.StatusCreated)
	var camp struct {
		ID    string `json:"id"`
		Posts []struct {
			ID string `json:"id"`
		} `json:"posts"`
	}
	res.decode(t, &camp)
	path := "/v1/campaigns/" + camp.ID + "/utm"
	body := map[string]any{"default": map[string]string{"source": "{network}", "campaign": "{campaign}"},
		"networks": map[string]any{"fakenet": map[string]string{"medium": "social"}}}
	expect(t, e.as(rythme.RoleViewer, "PUT", path, body), http.StatusForbidden)
	res = e.as(rythme.RoleEditor, "PUT", path, body)
	expect(t, res, http.StatusOK)
	var out struct {
		UTM struct {
			Default map[string]string `json:"default"`
		} `json:"utm"`
		Data []struct {
			ID    string `json:"id"`
			OK    bool   `json:"ok"`
			Error *struct {
				Code   string              `json:"code"`
				Fields []rythme.FieldError `json:"fields"`
			} `json:"error"`
		} `json:"data"`
		Succeeded int `json:"succeeded"`
		Failed    int `json:"failed"`
	}
	res.decode(t, &out)
	// The second post is too long for fakenet (100) once expanded.
	if out.UTM.Default["source"] != "{network}" || out.Succeeded != 1 || out.Failed != 1 || out.Data[1].Error == nil || out.Data[1].Error.Code != rythme.EINVALID {
		t.Fatalf("put utm: %s", res.Body)
	}
	var p struct {
		Targets []struct {
			Content string `json:"content"`
		} `json:"targets"`
	}
	e.as(rythme.RoleViewer, "GET", "/v1/posts/"+out.Data[0].ID, nil).decode(t, &p)
	if want := "Read https://ex.io/a?utm_source=fakenet&utm_medium=social&utm_campaign=Green+week#top"; p.Targets[0].Content != want {
		t.Errorf("published text %q, want %q", p.Targets[0].Content, want)
	}
	var got struct {
		UTM *struct {
			Networks map[string]map[string]string `json:"networks"`
		} `json:"utm"`
	}
	e.as(rythme.RoleViewer, "GET", "/v1/campaigns/"+camp.ID, nil).decode(t, &got)
	if got.UTM == nil || got.UTM.Networks["fakenet"]["medium"] != "social" {
		t.Errorf("GET campaign utm: %+v", got.UTM)
	}
	res = e.as(rythme.RoleEditor, "PUT", path, map[string]any{"default": map[string]string{"source": "{who}"}, "networks": map[string]any{"myspace": map[string]string{}}})
	expect(t, res, http.StatusUnprocessableEntity)
	if er := res.err(t); !er.hasField("utm.default.source") || !er.hasField("utm.networks.myspace") {
		t.Errorf("bad settings: %s", res.Body)
	}
	expect(t, e.as(rythme.RoleEditor, "PUT", "/v1/campaigns/"+rythme.NewID(rythme.PrefixCampaign)+"/utm", body), http.StatusNotFound)
	expect(t, e.as(rythme.RoleEditor, "PUT", path, map[string]any{"default": map[string]string{"bogus": "x"}}), http.StatusBadRequest)
}
