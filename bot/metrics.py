"""What Hearth counts for monitoring, in Prometheus' terms, on a registry of its own.

Each app has its own registry (not the library's global one), so several apps in one process
(the tests) never collide. Labels are kinds, platforms, command and job names: never a member,
a community or anything a member wrote. Events and actions, counted once per event, are plain
integers in a dict read at scrape time (a library counter's lock and checks cost several times
more per call; benchmarks/metrics_overhead.py measures it); both happen on the event loop.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

# Commands and storage writes take milliseconds; the top buckets catch a stuck disk.
_FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_ACK = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0)
_BATCH = (1, 5, 10, 50, 100, 500, 1000, 5000, 10000)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self._events: defaultdict[type, int] = defaultdict(int)
        self._actions: defaultdict[tuple[str, bool], int] = defaultdict(int)
        r.register(_Counts(self._events, self._actions))
        self._commands = Histogram("hearth_command_seconds",
                                   "Time to decide a command's answer, by command.",
                                   ["command"], buckets=_FAST, registry=r)
        self._jobs = {
            stage: Counter(f"hearth_jobs_{stage}", f"Scheduled jobs {what}, by kind.", ["kind"],
                           registry=r)
            for stage, what in (("due", "found due"), ("run", "run to the end"),
                                ("failed", "whose handler failed (retried later)"))}
        self.storage_write = Histogram("hearth_storage_write_seconds",
                                       "Time for one storage write (statement or transaction).",
                                       buckets=_FAST, registry=r)
        self.activity_batch = Histogram("hearth_activity_batch_members",
                                        "Members in one page (a transaction) of activity points.",
                                        buckets=_BATCH, registry=r)
        self.activity_flush = Histogram("hearth_activity_flush_seconds",
                                        "Time to write one page of held activity points.",
                                        buckets=_FAST, registry=r)
        self.slack_ack = Histogram("hearth_slack_ack_seconds",
                                   "Time from a Slack event's arrival to its acknowledgement.",
                                   buckets=_ACK, registry=r)
        self._discord_latency = Gauge("hearth_discord_gateway_latency_seconds",
                                      "Discord gateway heartbeat latency (NaN until measured).",
                                      registry=r)
        self._discord_latency.set(float("nan"))
        self._connected = Gauge("hearth_platform_connected",
                                "1 when the platform's connection is up.", ["platform"],
                                registry=r)
        self._reloads = Counter("hearth_config_reloads", "Config reloads, by outcome.",
                                ["outcome"], registry=r)
        # Labelled children, looked up once per label and kept.
        self._children: dict[Any, dict[Any, Any]] = {}

    def _child(self, family: Any, label: Any) -> Any:
        children = self._children.setdefault(family, {})
        found = children.get(label)
        if found is None:
            found = children[label] = family.labels(label)
        return found

    # -- the runtime's hot path -------------------------------------------------------------

    def event(self, kind: type) -> None:
        self._events[kind] += 1

    def action(self, platform: str, ok: bool) -> None:
        self._actions[platform, ok] += 1

    def command(self, name: str, seconds: float) -> None:
        self._child(self._commands, name).observe(seconds)

    def job(self, stage: str, kind: str) -> None:
        self._child(self._jobs[stage], kind).inc()

    def reload(self, outcome: str) -> None:
        self._reloads.labels(outcome).inc()

    # -- adapters' gauges, read at scrape time ----------------------------------------------

    def watch_discord_latency(self, read: Callable[[], float]) -> None:
        self._discord_latency.set_function(read)

    def watch_connected(self, platform: str, read: Callable[[], bool]) -> None:
        self._connected.labels(platform).set_function(lambda: 1.0 if read() else 0.0)

    def exposition(self) -> bytes:
        """Every metric in Prometheus' text format."""
        return generate_latest(self.registry)


class _Counts(Collector):
    """Events and actions, from the plain counts, as Prometheus counters."""

    def __init__(self, events: dict[type, int], actions: dict[tuple[str, bool], int]) -> None:
        self.events = events
        self.actions = actions

    def collect(self) -> Iterator[CounterMetricFamily]:
        events = CounterMetricFamily("hearth_events_handled", "Events handled, by kind.",
                                     labels=["kind"])
        for kind, n in list(self.events.items()):
            events.add_metric([kind.__name__], n)
        performed = CounterMetricFamily("hearth_actions_performed",
                                        "Actions the platform accepted, by platform.",
                                        labels=["platform"])
        failed = CounterMetricFamily("hearth_actions_failed",
                                     "Actions that failed or were refused, by platform.",
                                     labels=["platform"])
        for (platform, ok), n in list(self.actions.items()):
            (performed if ok else failed).add_metric([platform], n)
        yield from (events, performed, failed)
