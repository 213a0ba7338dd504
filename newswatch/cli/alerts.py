"""`newswatch alerts`: list, test, add and remove rules; queue and deliver alert emails."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newswatch.cli.common import db_path, open_store
from newswatch.core.config import Config, ConfigError, shipped_rule
from newswatch.core.errors import UsageError


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    from crawler.sites import SITE_NAMES

    p = sub.add_parser("alerts", help="alert rules: list, test, explain, add, remove; deliver queued emails")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="the configured rules")
    a = actions.add_parser("test", parents=parents,
                           help="which stored articles a rule matches, and why (sends nothing)")
    a.add_argument("rule")
    a.add_argument("--limit", type=int, default=50, help="matches to show (default 50)")
    a.add_argument("--scan", type=int, default=2000, help="newest articles a topic rule judges (default 2000)")
    a = actions.add_parser("explain", parents=parents, help="why a rule does or does not match one stored article")
    a.add_argument("rule")
    a.add_argument("article", help="the article's id, one of its URLs, or SOURCE:SOURCE_ID")
    a = actions.add_parser("add", help="add a rule to the config file")
    a.add_argument("rule")
    what = a.add_mutually_exclusive_group()
    what.add_argument("--query", help="a search query (plain keyword alerts)")
    what.add_argument("--topic", help="a topic: a shipped topic's name or a topic file (default: the shipped one)")
    a.add_argument("--to", action="append", required=True, help="recipient (repeatable)")
    a.add_argument("--mode", choices=["immediate", "digest"], default="immediate")
    a.add_argument("--source", choices=SITE_NAMES)
    a = actions.add_parser("remove", help="remove a rule from the config file")
    a.add_argument("rule")
    a = actions.add_parser("preview", parents=parents,
                           help="the rule's next email from stored articles, as it would be sent (queues nothing)")
    a.add_argument("rule")
    a.add_argument("--html", metavar="FILE", help="also write the HTML part to FILE (open it in a browser)")
    a = actions.add_parser("deliver", parents=parents, help="queue new matches of every rule and send the outbox")
    a.add_argument("--dry-run", action="store_true",
                   help="print (decoded) what would be queued and sent; changes nothing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    if args.action in ("add", "remove"):
        return edit_rules(args, config)
    from newswatch.alerts.service import AlertService

    service = AlertService(config, db_path(args, config))
    if args.action == "list":
        for rule in config.alerts.rules:
            what = f"query: {rule.query}" if rule.query else f"topic: {rule.topic}"
            print(f"{rule.name}  [{rule.mode}{', ' + rule.source if rule.source else ''}]  "
                  f"→ {', '.join(rule.recipients) or '(no recipients)'}\n    {what}")
        return 0
    if args.action == "test":
        return test_rule(args, config, service)
    if args.action == "explain":
        return explain(args, config, service)
    if args.action == "preview":
        return preview(args, service)
    if args.dry_run:
        shown = service.dry_run(config.alerts.rules)
        print(f"dry run: {shown} message(s) would be sent now; nothing was queued, sent or recorded", file=sys.stderr)
        return 0
    service.collect(config.alerts.rules)
    report = service.deliver()
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
        shipped = shipped_rule()
        if not rules and args.rule != shipped.name:
            # The shipped rule exists only while the file names no rules: write it down so adding one keeps it.
            kept_rule = tomlkit.table()
            kept_rule["name"], kept_rule["label"], kept_rule["recipients"] = shipped.name, shipped.label, []
            rules.append(kept_rule)
            notes.append(f"kept the shipped rule {shipped.name!r} (no recipients) beside it")
        rule = tomlkit.table()
        rule["name"] = args.rule
        if args.query:
            rule["query"] = args.query
        elif args.topic:
            rule["topic"] = args.topic
        else:
            notes.append(f"it uses the shipped topic {shipped.topic!r}")
        rule["recipients"], rule["mode"] = args.to, args.mode
        if args.source:
            rule["source"] = args.source
        rules.append(rule)
    temp = path.with_suffix(".toml.tmp")
    temp.write_text(tomlkit.dumps(document), encoding="utf-8")
    try:
        load_config(temp).check_schedules()
    except ConfigError as exc:
        temp.unlink()
        raise ConfigError(f"not saved: {exc}") from None
    if args.action == "add" and not args.query:
        from newswatch.alerts.matching import matcher_for

        try:
            matcher_for(load_config(temp).alerts.rules[-1])  # a broken topic file is refused by line
        except Exception:
            temp.unlink()
            raise
    temp.replace(path)
    print(f"{'removed' if args.action == 'remove' else 'added'} rule {args.rule!r} in {path}"
          + "".join(f"; {note}" for note in notes))
    return 0


def test_rule(args: argparse.Namespace, config: Config, service) -> int:  # type: ignore[no-untyped-def]
    """Stored articles the rule matches, newest first, each with its why-line."""
    rule = service.rule(args.rule)
    with open_store(args, config) as store:
        found = service.newest_matches(store, rule, scan=args.scan, limit=args.limit)
        for article_id in found.shown:
            a = store.article(article_id).article
            print(f"- {a.title} ({a.source}, {a.published_at or '-'})\n  {a.canonical_url}\n"
                  f"  왜: {found.matches[article_id].why}")
    shown, matched = len(found.shown), len(found.matches)
    print(f"{matched} of the newest {found.scanned} stored article(s) match {rule.name!r}"
          f"{f'; showing {shown}' if shown < matched else ''}; nothing was sent", file=sys.stderr)
    return 0


def preview(args: argparse.Namespace, service) -> int:  # type: ignore[no-untyped-def]
    """The next email of a rule (headers decoded, then the plain text); exit 1 if no stored article matches."""
    from newswatch.alerts.message import readable

    shown = service.preview(args.rule)
    if shown.message is None:
        print(f"no stored article matches {args.rule!r}; nothing to preview", file=sys.stderr)
        return 1
    print(readable(shown.message))
    if args.html:
        Path(args.html).write_text(shown.message.get_body(("html",)).get_content(), encoding="utf-8")
    what = ("what the rule's next run would send" if shown.basis == "next" else
            "nothing new for the rule since it last ran (or it never ran): an example from the newest stored matches")
    print(f"preview of {args.rule!r}: {len(shown.article_ids)} article(s), {what}; nothing was queued"
          + (f"; HTML written to {args.html}" if args.html else ""), file=sys.stderr)
    return 0


def explain(args: argparse.Namespace, config: Config, service) -> int:  # type: ignore[no-untyped-def]
    """Why RULE does or does not match ARTICLE; exit 0 if it matches, 1 if not."""
    rule = service.rule(args.rule)
    with open_store(args, config) as store:
        stored = find_article(store, args.article)
        print(f"{stored.article.title}\n{stored.article.canonical_url} (id {stored.id})\n")
        matched, text = service.matcher(rule).explain(store, stored.id)
    print(text)
    return 0 if matched else 1


def find_article(store, ref: str):  # type: ignore[no-untyped-def]
    """An article by id, by any of its URLs, or by SOURCE:SOURCE_ID."""
    found = None
    if ref.isdigit():
        found = store.article(int(ref))
    elif ref.startswith(("http://", "https://")):
        from crawler.sites import canonical

        found = store.article_by_url(ref)
        if found is None:
            try:
                found = store.article_by_key(*canonical(ref)[:2])
            except ValueError:
                found = None
    elif ":" in ref:
        source, _, source_id = ref.partition(":")
        found = store.article_by_key(source, source_id)
    if found is None:
        raise UsageError(f"no stored article {ref!r} (give its id, one of its URLs, or SOURCE:SOURCE_ID)")
    return found
