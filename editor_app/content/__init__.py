"""Site content: entries, formats, slugs, summaries and widget value rules (Qt-free, network-free)."""
