"""How `make lighthouse` (bench/lighthouse.py) turns several runs of its flow into one figure per page
and category, and when it fails. Lighthouse itself is not run here (it is not part of the test run)."""

from bench.lighthouse import below, median_of, summary

SETTINGS = {
    "lighthouse": "12.2.3",
    "browser": "HeadlessChrome/156.0.0.0",
    "chromium": "Chromium 156.0.8078.129",
    "form_factor": "mobile",
    "throttling_method": "simulate",
    "throttling": {"rttMs": 150, "throughputKbps": 1638.4, "cpuSlowdownMultiplier": 4},
}


def run(performance, failing=None, problems=()):
    scores = {"performance": performance, "accessibility": 100, "best-practices": 100, "seo": 100}
    if performance is None:
        scores = dict.fromkeys(scores)
    empty = {c: {} for c in scores}
    metrics = {"fcp_ms": 900.0, "lcp_ms": 1500.0, "tbt_ms": 40.0, "cls": 0.0, "speed_index_ms": 1100.0}
    if performance is None:
        metrics = dict.fromkeys(metrics)
    return {
        **SETTINGS,
        "steps": [
            {
                "name": "Hàng chờ duyệt",
                "url": "http://127.0.0.1:8830/#/review",
                "storage_reset": False,
                "scores": scores,
                "metrics": metrics,
                "failing": {**empty, **(failing or {})},
                "problems": list(problems),
            }
        ],
    }


def test_each_figure_is_the_median_of_the_runs_that_measured_the_page():
    lost = "Something went wrong with recording the trace over your page load. (NO_NAVSTART)"
    slow = {"performance": {"total-blocking-time": "450 ms"}}
    result = median_of([run(100), run(None, problems=[lost]), run(89, slow), run(97)])
    [step] = result["steps"]
    assert step["scores"] == {"performance": 97, "accessibility": 100, "best-practices": 100, "seo": 100}
    assert step["problems"] == [lost]
    assert step["failing"]["performance"] == {"total-blocking-time": ["ok", "ok", "450 ms", "ok"]}
    assert below(result) == []
    text = summary(result)
    assert step["metrics"]["lcp_ms"] == 1500
    assert "median of 4 runs" in text and "LCP 1.5 s" in text and "100/–/89/97" in text and "NO_NAVSTART" in text


def test_a_page_under_95_or_never_measured_fails():
    assert below(median_of([run(94), run(93), run(99)])) == ["Hàng chờ duyệt: performance 94"]
    assert below(median_of([run(None)])) == [
        f"Hàng chờ duyệt: {category} not measured" for category in ("performance", "accessibility", "best-practices")
    ]
