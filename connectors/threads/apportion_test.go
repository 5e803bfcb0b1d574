package threads

import (
	"slices"
	"testing"
)

// TestApportion turns Threads' shares of total_votes back into counts
// that add up to the total, also when the shares are rounded.
func TestApportion(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		total  int64
		shares []float64
		want   []int64
	}{
		{100, []float64{0.10, 0.20, 0.15, 0.55}, []int64{10, 20, 15, 55}}, // the docs' example
		{3, []float64{0.33, 0.33, 0.33}, []int64{1, 1, 1}},
		{7, []float64{2.0 / 7, 5.0 / 7}, []int64{2, 5}},
		{6, []float64{0.17, 0.5, 0.33}, []int64{1, 3, 2}},
		{0, []float64{0, 0}, []int64{0, 0}},
		{10, []float64{-1, 2}, []int64{0, 0}}, // out of range: no share
	} {
		if got := apportion(c.total, c.shares); !slices.Equal(got, c.want) {
			t.Errorf("apportion(%d, %v) = %v, want %v", c.total, c.shares, got, c.want)
		}
	}
}
