package benchmark

import "testing"

func TestFigure(t *testing.T) {
	tests := []struct {
		in            []float64
		med, min, max float64
		formatted     string
	}{
		{nil, 0, 0, 0, "-"},
		{[]float64{5}, 5, 5, 5, "5"},
		{[]float64{3, 1, 2}, 2, 1, 3, "2 (1–3)"},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4, "2 (1–4)"},
	}
	for _, tt := range tests {
		var f Figure
		for _, v := range tt.in {
			f.Add(v)
		}
		if f.Median() != tt.med || f.Min() != tt.min || f.Max() != tt.max {
			t.Errorf("%v: median %v min %v max %v, want %v %v %v", tt.in, f.Median(), f.Min(), f.Max(), tt.med, tt.min, tt.max)
		}
		if got := f.Format("%.0f"); got != tt.formatted {
			t.Errorf("%v: Format = %q, want %q", tt.in, got, tt.formatted)
		}
	}
}
