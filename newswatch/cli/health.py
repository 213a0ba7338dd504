"""The health part of `newswatch status`: each source's monitors and open incidents, JSON, Prometheus metrics,
and the exit code cron, systemd and Nagios-style checks read (0 ok, 1 warning, 2 critical).

Kept apart from the schedule part of `status` (newswatch.cli.monitor) so both can grow without meeting.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from newswatch.core.config import Config

EXIT = {"ok": 0, "warning": 1, "critical": 2}


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the status as JSON")
    p.add_argument("--metrics", metavar="FILE",
                   help="also write Prometheus metrics to FILE (node_exporter's textfile collector; "
                        "needs prometheus-client: pip install 'newswatch[metrics]')")


def health_section(args: argparse.Namespace, config: Config, db: Path, sources: dict[str, dict[str, Any]]) -> int:
    """Print the health of ``sources`` (their schedule part is in the dicts, for --json) and return the exit code."""
    from newswatch.health.service import HealthService

    report = HealthService(config, db).status(list(sources))
    if getattr(args, "metrics", None):
        write_metrics(Path(args.metrics), report, sources)
    if getattr(args, "json", False):
        for name, health in report.sources.items():
            sources[name]["health"] = health.to_dict()
        print(json.dumps({"status": report.severity, "exit_code": EXIT[report.severity], "sources": sources},
                         ensure_ascii=False, indent=2))
        return EXIT[report.severity]
    print(f"health: {report.severity.upper()}")
    for name, health in report.sources.items():
        bad = [f for f in health.findings if f.severity in ("warning", "critical")]
        learning = [f.monitor for f in health.findings if f.severity == "learning"]
        fine = len(health.findings) - len(bad) - len(learning)
        note = f"{fine} monitors ok" + (f"; learning: {', '.join(learning)}" if learning else "")
        print(f"  {name}: {health.severity} ({note})")
        for finding in sorted(bad, key=lambda f: -f.rank):
            print(f"    {finding.severity:<8} {finding.monitor}: {finding.summary}")
        for incident in health.incidents:
            print(f"    incident {incident.id}: {incident.monitor} {incident.severity} since {incident.opened_at} "
                  f"(last notice {incident.last_notice_at or '-'})")
    return EXIT[report.severity]


def write_metrics(path: Path, report: Any, sources: dict[str, dict[str, Any]]) -> None:
    """Gauges per source and monitor, written atomically for node_exporter's textfile collector."""
    try:
        from prometheus_client import CollectorRegistry, Gauge, write_to_textfile
    except ImportError:
        print("metrics: prometheus-client is not installed (pip install 'newswatch[metrics]')", file=sys.stderr)
        return
    registry = CollectorRegistry()
    severity = Gauge("newswatch_health_severity", "0 ok, 1 warning, 2 critical", ["source", "monitor"],
                     registry=registry)
    incidents = Gauge("newswatch_health_open_incidents", "open health incidents", ["source"], registry=registry)
    coverage = Gauge("newswatch_field_coverage_ratio", "share of the latest window's articles with the field",
                     ["source", "field"], registry=registry)
    last = Gauge("newswatch_last_crawl_start_timestamp_seconds", "start of the latest crawl", ["source"],
                 registry=registry)
    for name, health in report.sources.items():
        incidents.labels(name).set(len(health.incidents))
        for finding in health.findings:
            severity.labels(name, finding.monitor).set(finding.rank)
            after = finding.evidence.get("after")
            if finding.monitor.startswith("field:") and after and after[1]:
                coverage.labels(name, finding.monitor.split(":", 1)[1]).set(after[0] / after[1])
        if started := sources.get(name, {}).get("last_started_epoch"):
            last.labels(name).set(started)
    write_to_textfile(str(path), registry)
