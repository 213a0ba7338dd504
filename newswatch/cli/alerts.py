"""`newswatch alerts`: list, test, add and remove rules; queue and deliver alert emails."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newswatch.cli.common import db_path, open_store
from newswatch.core.config import Config, ConfigError, RuleConfig
from newswatch.core.errors import UsageError


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    from crawler.sites import SITE_NAMES

    p = sub.add_parser("alerts", parents=parents, help="alert rules: list, add, remove, test; deliver queued emails")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="the configured rules")
    a = actions.add_parser("test", help="which stored articles a rule matches (sends nothing)")
    a.add_argument("rule")
    a.add_argument("--limit", type=int, default=50)
    a = actions.add_parser("add", help="add a rule to the config file")
    a.add_argument("rule")
    a.add_argument("--query", help="a search query; without it the rule uses the shipped Gwangju-AI rule")
    a.add_argument("--to", action="append", required=True, help="recipient (repeatable)")
    a.add_argument("--mode", choices=["immediate", "digest"], default="immediate")
    a.add_argument("--source", choices=SITE_NAMES)
    a = actions.add_parser("remove", help="remove a rule from the config file")
    a.add_argument("rule")
    a = actions.add_parser("deliver", help="queue new matches of every rule and send the outbox")
    a.add_argument("--dry-run", action="store_true", help="print the queued messages (decoded) instead of sending")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    if args.action in ("add", "remove"):
        return edit_rules(args, config)
    from newswatch.alerts.service import AlertService

    service = AlertService(config, db_path(args, config))
    if args.action == "list":
        for rule in config.alerts.rules:
            print(f"{rule.name}  [{rule.mode}{', ' + rule.source if rule.source else ''}]  "
                  f"→ {', '.join(rule.recipients) or '(no recipients)'}\n    {rule.query}")
        return 0
    if args.action == "test":
        rule = service.rule(args.rule)
        with open_store(args, config) as store:
            hits = store.search(rule.query, source=rule.source or None, limit=args.limit)
        for hit in hits:
            print(f"- {hit.title} ({hit.source}, {hit.published_at})\n  {hit.canonical_url}\n  {hit.snippet}")
        print(f"{len(hits)} stored article(s) match {rule.name!r}; nothing was sent", file=sys.stderr)
        return 0
    service.collect(config.alerts.rules)
    report = service.deliver(dry_run=args.dry_run)
    if not args.dry_run:
        print(f"sent {report.sent}, failed {report.failed} (kept queued)")
    return 0 if not report.failed else 1


def edit_rules(args: argparse.Namespace, config: Config) -> int:
    """Edit the config file in place (tomlkit keeps the user's comments and layout); refuse what would not load."""
    import tomlkit

    from crawler.sites import load_config

    path = config.path or Path("newswatch.toml")
    document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    alerts = document.setdefault("alerts", tomlkit.table())
    rules = alerts.setdefault("rules", tomlkit.aot())
    notes = []
    if args.action == "remove":
        kept = [r for r in rules if r.get("name") != args.rule]
        if len(kept) == len(rules):
            raise UsageError(f"no rule named {args.rule!r} in {path}")
        alerts["rules"] = tomlkit.aot()
        for r in kept:
            alerts["rules"].append(r)
    else:
        if any(r.get("name") == args.rule for r in rules):
            raise UsageError(f"a rule named {args.rule!r} exists already in {path}")
        shipped = RuleConfig()
        if not rules and args.rule != shipped.name:
            # The shipped rule exists only while the file names no rules: write it down so adding one keeps it.
            kept_rule = tomlkit.table()
            kept_rule["name"], kept_rule["recipients"] = shipped.name, []
            rules.append(kept_rule)
            notes.append(f"kept the shipped rule {shipped.name!r} (no recipients) beside it")
        rule = tomlkit.table()
        rule["name"] = args.rule
        if args.query:
            rule["query"] = args.query
        else:
            notes.append(f"it uses the shipped {shipped.name!r} rule's matching")
        rule["recipients"], rule["mode"] = args.to, args.mode
        if args.source:
            rule["source"] = args.source
        rules.append(rule)
    temp = path.with_suffix(".toml.tmp")
    temp.write_text(tomlkit.dumps(document), encoding="utf-8")
    try:
        load_config(temp)
    except ConfigError as exc:
        temp.unlink()
        raise ConfigError(f"not saved: {exc}") from None
    temp.replace(path)
    print(f"{'removed' if args.action == 'remove' else 'added'} rule {args.rule!r} in {path}"
          + "".join(f"; {note}" for note in notes))
    return 0
