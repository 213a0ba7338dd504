"""Topic rules: is an article about a topic such as "인공지능 중심도시 광주", and why.

A topic is a TOML file (gazetteers of the place and its namesakes, subject terms and their competing senses,
weights and a threshold); ``load_topic`` reads one, ``Topic.classify`` returns a ``Verdict`` with a one-line
``why()`` and a multi-line ``explain()``. Importing this package does not load the Korean analyser.
"""

from newswatch.topics.errors import TopicError
from newswatch.topics.topic import Topic, load_topic, shipped_topics
from newswatch.topics.verdict import Evidence, Verdict

__all__ = ["Evidence", "Topic", "TopicError", "Verdict", "load_topic", "shipped_topics"]
