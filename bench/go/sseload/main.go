// sseload: opens N concurrent server-sent-event streams (POST, JSON body), reads each to its
// `data: [DONE]`, and prints one JSON summary. Go so that the client, not Python, is never the
// bottleneck when the bench measures cordwire's streaming path.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

type result struct {
	Streams     int     `json:"streams"`
	Completed   int     `json:"completed"`
	Errors      int     `json:"errors"`
	Events      int64   `json:"events"`
	WallS       float64 `json:"wall_s"`
	EventsPerS  float64 `json:"events_per_s"`
	FirstEventS float64 `json:"first_event_p50_s"`
	FirstError  string  `json:"first_error,omitempty"`
}

type stream struct {
	events int64
	done   bool
	first  time.Duration
	err    error
}

func run(client *http.Client, url string, body []byte, start time.Time) stream {
	var s stream
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return stream{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := client.Do(req)
	if err != nil {
		return stream{err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return stream{err: fmt.Errorf("HTTP %d", resp.StatusCode)}
	}
	reader := bufio.NewReaderSize(resp.Body, 64<<10)
	for {
		line, err := reader.ReadSlice('\n')
		if err != nil {
			s.err = fmt.Errorf("stream ended before [DONE] after %d events: %v", s.events, err)
			return s
		}
		if !bytes.HasPrefix(line, []byte("data: ")) {
			continue
		}
		data := bytes.TrimSpace(line[len("data: "):])
		if bytes.Equal(data, []byte("[DONE]")) {
			s.done = true
			return s
		}
		if bytes.HasPrefix(data, []byte(`{"error"`)) {
			s.err = fmt.Errorf("error event: %s", data)
			return s
		}
		if s.events == 0 {
			s.first = time.Since(start)
		}
		s.events++
	}
}

func main() {
	url := flag.String("url", "", "stream URL")
	body := flag.String("body", "{}", "JSON request body")
	n := flag.Int("streams", 1, "concurrent streams")
	timeout := flag.Duration("timeout", 120*time.Second, "whole-run deadline")
	flag.Parse()
	client := &http.Client{
		Timeout: *timeout,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: *n,
			DisableCompression:  true,
		},
	}
	results := make([]stream, *n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < *n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = run(client, *url, []byte(*body), start)
		}(i)
	}
	wg.Wait()
	wall := time.Since(start)
	out := result{Streams: *n, WallS: wall.Seconds()}
	var firsts []time.Duration
	for _, s := range results {
		out.Events += s.events
		if s.done {
			out.Completed++
			firsts = append(firsts, s.first)
		}
		if s.err != nil {
			out.Errors++
			if out.FirstError == "" {
				out.FirstError = strings.TrimSpace(s.err.Error())
			}
		}
	}
	out.EventsPerS = float64(out.Events) / wall.Seconds()
	if len(firsts) > 0 {
		out.FirstEventS = median(firsts).Seconds()
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}

func median(values []time.Duration) time.Duration {
	sorted := append([]time.Duration(nil), values...)
	for i := 1; i < len(sorted); i++ { // insertion sort: at most a few thousand values
		for j := i; j > 0 && sorted[j] < sorted[j-1]; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	return sorted[len(sorted)/2]
}
