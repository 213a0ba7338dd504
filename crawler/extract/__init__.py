"""The page-object kit every site folder (crawler/sites/<name>) builds on: the page-object bases that decide
whether a page is an article or a list at all (page.py), decoding, text lines and body helpers (common.py),
dates (dates.py), list entries (listing.py) and the Site spec (site.py). Pure functions of (url, bytes);
nothing here knows a particular site."""
