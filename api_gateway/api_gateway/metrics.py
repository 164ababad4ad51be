"""Prometheus metrics of the gateway: RED per upstream, upstream failures, edge cache results.

Under gunicorn with several workers (PROMETHEUS_MULTIPROC_DIR set), values live in shared files
and /metrics aggregates them; otherwise each app has its own registry, so tests can build many.
"""

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15)
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class GatewayMetrics:
    def __init__(self, multiprocess_dir: str = ""):
        self._multiprocess = bool(multiprocess_dir)
        # In multiprocess mode the values are written to files; no in-memory registry is needed.
        self._registry = None if self._multiprocess else CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "titanium_gateway_requests",
            "Requests answered by the gateway.",
            ["upstream", "method", "status"],
            registry=self._registry,
        )
        self.duration = Histogram(
            "titanium_gateway_request_duration_seconds",
            "Time from request received to response finished, by upstream.",
            ["upstream"],
            buckets=LATENCY_BUCKETS,
            registry=self._registry,
        )
        self.upstream_errors = Counter(
            "titanium_gateway_upstream_errors",
            "Upstream calls that failed, by kind (unavailable, timeout, interrupted).",
            ["upstream", "kind"],
            registry=self._registry,
        )
        self.edge_cache_requests = Counter(
            "titanium_gateway_edge_cache_requests",
            "Webapp requests by edge cache result (hit, miss, bypass).",
            ["result"],
            registry=self._registry,
        )

    def observe(self, upstream: str, method: str, status: int, seconds: float) -> None:
        method = method if method in KNOWN_METHODS else "OTHER"  # bounded label values
        self.requests.labels(upstream, method, str(status)).inc()
        self.duration.labels(upstream).observe(seconds)

    def exposition(self) -> bytes:
        if not self._multiprocess:
            return generate_latest(self._registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
