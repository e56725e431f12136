package main

import (
	"math"
	"sort"
)

// summary is the median and interquartile range of a sample.
type summary struct {
	N              int
	Median, Q1, Q3 float64
}

// summarize returns the median and quartiles of xs, interpolating linearly
// between order statistics (the "type 7" rule of R and NumPy). An empty
// sample gives N == 0 and NaNs.
func summarize(xs []float64) summary {
	if len(xs) == 0 {
		return summary{Median: math.NaN(), Q1: math.NaN(), Q3: math.NaN()}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return summary{N: len(s), Median: quantile(s, 0.5), Q1: quantile(s, 0.25), Q3: quantile(s, 0.75)}
}

// quantile returns the q-quantile of the sorted sample s.
func quantile(s []float64, q float64) float64 {
	h := q * float64(len(s)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (h-lo)*(s[i+1]-s[i])
}

// IQR is Q3 - Q1.
func (s summary) IQR() float64 { return s.Q3 - s.Q1 }
