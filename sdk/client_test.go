package sdk

import (
	"fmt"
	"strconv"
	"testing"
)

func TestSplitBySize(t *testing.T) {
	// sized returns records whose data sizes are sizes, keyed by index.
	sized := func(sizes ...int) []Record {
		rs := make([]Record, len(sizes))
		for i, n := range sizes {
			rs[i] = Record{Key: strconv.Itoa(i), Data: make([]byte, n)}
		}
		return rs
	}
	tests := []struct {
		name  string
		sizes []int
		limit int
		want  [][]int // record indexes per chunk
	}{
		{"one record", []int{5}, 10, [][]int{{0}}},
		{"all fit", []int{3, 3, 3}, 10, [][]int{{0, 1, 2}}},
		{"exactly the limit", []int{5, 5, 5}, 10, [][]int{{0, 1}, {2}}},
		{"one byte over", []int{5, 6, 5}, 10, [][]int{{0}, {1}, {2}}},
		{"larger record alone", []int{2, 50, 2, 2}, 10, [][]int{{0}, {1}, {2, 3}}},
		{"larger record first", []int{50, 2}, 10, [][]int{{0}, {1}}},
		{"empty data", []int{0, 0, 0}, 10, [][]int{{0, 1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			records := sized(tt.sizes...)
			var got [][]int
			for _, chunk := range splitBySize(records, tt.limit) {
				var keys []int
				for _, r := range chunk {
					k, err := strconv.Atoi(r.Key)
					if err != nil {
						t.Fatal(err)
					}
					keys = append(keys, k)
				}
				got = append(got, keys)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("splitBySize(sizes %v, limit %d) = %v, want %v", tt.sizes, tt.limit, got, tt.want)
			}
		})
	}
}
