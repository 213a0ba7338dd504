"""Custom signal: a spider tells the crawl record what failed, without knowing about the store."""

# sent with: url (str | None), kind (str), message (str)
crawl_problem = object()

# sent with: source (str), source_id (str), etag (str | None), last_modified (str | None)
page_validators = object()

# sent with: source (str), source_id (str) — the server answered 304 Not Modified
article_unchanged = object()
