package connectors_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/rythmehq/rythme/connectors"
)

// poster records what it is asked to send and fails part failAt with err.
type poster struct {
	sent   []string
	failAt int
	err    error
}

func (p *poster) post(_ context.Context, i int, text string, root, prev *connectors.Part) (connectors.Part, error) {
	if i == p.failAt {
		return connectors.Part{}, p.err
	}
	reply := ""
	if prev != nil {
		reply = prev.ExternalID + "<" + root.ExternalID
	}
	p.sent = append(p.sent, fmt.Sprintf("%d:%s:%s", i, text, reply))
	return connectors.Part{ExternalID: fmt.Sprintf("id%d", i), URL: fmt.Sprintf("u%d", i)}, nil
}

func TestPublishThreadResumesAfterTheLastPartOut(t *testing.T) {
	t.Parallel()
	var saved []connectors.Part
	req := connectors.PublishRequest{Text: "a", Thread: []string{"b", "c"},
		PartPublished: func(_ context.Context, p connectors.Part) error { saved = append(saved, p); return nil }}

	p := &poster{failAt: 1, err: connectors.Errorf(connectors.Retryable, "503")}
	_, err := connectors.PublishThread(context.Background(), req, p.post)
	var pe *connectors.PartError
	if !errors.As(err, &pe) || pe.Index != 1 || pe.Of != 3 || len(pe.Out) != 1 || connectors.KindOf(err) != connectors.Retryable {
		t.Fatalf("first attempt: %v (%+v)", err, pe)
	}
	if len(saved) != 1 || saved[0].Index != 0 || saved[0].ExternalID != "id0" {
		t.Fatalf("saved %+v, want part 0", saved)
	}

	req.Done = saved
	p = &poster{failAt: -1}
	res, err := connectors.PublishThread(context.Background(), req, p.post)
	if err != nil || res.ExternalID != "id0" || res.URL != "u0" {
		t.Fatalf("resume: %+v, %v; want part 0 as the result", res, err)
	}
	want := []string{"1:b:id0<id0", "2:c:id1<id0"}
	if fmt.Sprint(p.sent) != fmt.Sprint(want) {
		t.Errorf("resume sent %v, want %v", p.sent, want)
	}
	if len(saved) != 3 || saved[2].Index != 2 {
		t.Errorf("saved %+v, want parts 0, 1, 2", saved)
	}
}

func TestPublishThreadStopsWhenAPartCannotBeRecorded(t *testing.T) {
	t.Parallel()
	p := &poster{failAt: -1}
	req := connectors.PublishRequest{Text: "a", Thread: []string{"b", "c"},
		PartPublished: func(_ context.Context, p connectors.Part) error {
			if p.Index == 1 {
				return errors.New("database down")
			}
			return nil
		}}
	_, err := connectors.PublishThread(context.Background(), req, p.post)
	var pe *connectors.PartError
	if !errors.As(err, &pe) || pe.Unsaved == nil || pe.Unsaved.Index != 1 || connectors.KindOf(err) != connectors.Retryable {
		t.Fatalf("got %v (%+v), want part 2 unsaved and a retryable error", err, pe)
	}
	if len(p.sent) != 2 {
		t.Errorf("sent %v, want nothing after the part that could not be recorded", p.sent)
	}
}

func TestPublishThreadRefusesPartsThatDoNotFit(t *testing.T) {
	t.Parallel()
	p := &poster{failAt: -1}
	for _, done := range [][]connectors.Part{
		{{Index: 1, ExternalID: "x"}},
		{{Index: 0, ExternalID: ""}},
		{{Index: 0, ExternalID: "a"}, {Index: 1, ExternalID: "b"}, {Index: 2, ExternalID: "c"}},
	} {
		_, err := connectors.PublishThread(context.Background(), connectors.PublishRequest{Text: "a", Thread: []string{"b"}, Done: done}, p.post)
		if connectors.KindOf(err) != connectors.Permanent {
			t.Errorf("done %+v: %v, want a permanent error", done, err)
		}
	}
	if len(p.sent) != 0 {
		t.Errorf("sent %v", p.sent)
	}
}
