"""The app's use cases, Qt-free: open a site, list, search, save, publish, drafts, cache."""
