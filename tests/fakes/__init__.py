"""Fake Git hosts and servers for tests: one git object store behind each host's HTTP API."""
