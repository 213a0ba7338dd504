"""The page-object kit every site folder (crawler/sites/<name>) builds on: decoding, text lines, dates, list
entries and the Site spec. Pure functions of (url, bytes); nothing here knows a particular site."""
