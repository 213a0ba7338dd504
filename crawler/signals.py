"""Custom signals: the spider tells the crawl record what happened, without knowing about the store."""

# sent with: url (str | None), kind (str), message (str)
crawl_problem = object()

# sent with: source (str), source_id (str), etag (str | None), last_modified (str | None)
page_validators = object()

# sent with: source (str), source_id (str) — the server answered 304 Not Modified
article_unchanged = object()

# sent with: source (str), source_id (str), url (str), error (str) — a list entry's page could not be read
entry_failed = object()

# sent with: source (str), walk (crawler.spiders.walk.ListWalk) — a list was walked down to its frontier
list_walked = object()

# sent with: source (str), source_ids (list[str]) — the feed's items when every list was walked completely
feed_seen = object()
