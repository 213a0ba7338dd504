"""The monitor daemon (`newswatch run`): scheduled crawls in child processes, alert work after them, locks."""
