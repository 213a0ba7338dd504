"""Custom signal: a spider tells the crawl record what failed, without knowing about the store."""

# sent with: url (str | None), kind (str), message (str)
crawl_problem = object()
