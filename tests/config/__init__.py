"""Tests of the site config loader."""
